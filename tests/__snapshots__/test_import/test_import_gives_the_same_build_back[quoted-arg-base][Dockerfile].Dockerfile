# [graphbuild's generated header: test_emit's example snapshots hold it]

ARG BASE_IMAGE="python:3.12-slim@sha256:3a1c3c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293"
ARG MIRROR="https://pypi.org/simple"

# //apps/quoted-arg-base:quoted-arg-base#builder
FROM python:3.12-slim@sha256:3a1c3c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293 AS apps-quoted-arg-base-builder
ARG BASE_IMAGE
ARG MIRROR
RUN echo "built on $BASE_IMAGE from $MIRROR" > /built.txt

# //apps/quoted-arg-base:quoted-arg-base#stage-1
FROM python:3.12-slim@sha256:3a1c3c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293 AS apps-quoted-arg-base-stage-1
COPY --from=apps-quoted-arg-base-builder /built.txt /built.txt
USER 10001:10001
CMD ["cat", "/built.txt"]
