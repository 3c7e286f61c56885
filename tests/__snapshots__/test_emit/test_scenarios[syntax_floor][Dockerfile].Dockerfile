# syntax=docker/dockerfile:1.19
# [graphbuild's generated header: test_emit's example snapshots hold it]

# //:site
FROM debian:bookworm-slim@sha256:d5d3f9c23164ea16f31852f95bd5959aad1c5e854332fe00f7b3a20fcc9f635c AS site
COPY --link --exclude=*.map public/ /srv/www/
HEALTHCHECK --interval=30s --start-interval=1s CMD ["true"]
