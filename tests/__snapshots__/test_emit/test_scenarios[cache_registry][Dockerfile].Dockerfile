# [graphbuild's generated header: test_emit's example snapshots hold it]

# //:base
FROM scratch AS base
ENV BASE=1

# //:api
FROM base AS api
ENV API=1

# //:api-debug
FROM api AS api-debug
ENV DEBUG=1

# //:worker
FROM base AS worker
ENV WORKER=1
