# [graphbuild's generated header: test_emit's example snapshots hold it]

# //apps/build-platform:build-platform#docs
FROM --platform=$BUILDPLATFORM python:3.12-slim@sha256:3a1c3c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293 AS apps-build-platform-docs
RUN pip install --no-cache-dir mkdocs==1.6.1
COPY apps/build-platform/docs /docs
RUN mkdocs build -f /docs/mkdocs.yml -d /site

# //apps/build-platform:build-platform#fetch
FROM --platform=$BUILDPLATFORM debian:bookworm-slim@sha256:d5d3f9c23164ea16f31852f95bd5959aad1c5e854332fe00f7b3a20fcc9f635c AS apps-build-platform-fetch
ARG TARGETARCH
RUN echo "fetching for ${TARGETARCH}" > /arch.txt

# //apps/build-platform:build-platform#stage-2
FROM --platform=$TARGETPLATFORM python:3.12-slim@sha256:3a1c3c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293 AS apps-build-platform-stage-2
COPY --from=apps-build-platform-docs /site /srv/site
COPY --from=apps-build-platform-fetch /arch.txt /srv/arch.txt
CMD ["python", "-m", "http.server", "--directory", "/srv/site", "8080"]
