# [graphbuild's generated header: test_emit's example snapshots hold it]

# //tool:tool#build
FROM debian:bookworm-slim@sha256:d5d3f9c23164ea16f31852f95bd5959aad1c5e854332fe00f7b3a20fcc9f635c AS tool-build
ARG GREETING="say \"hi\" for \$5"
COPY --from=ghcr.io/astral-sh/uv:0.4.0@sha256:1111111111111111111111111111111111111111111111111111111111111111 /uv /usr/local/bin/uv
RUN --mount=type=bind,source=tool/pyproject.toml,target=/w/pyproject.toml --mount=type=cache,target=/root/.cache/uv cd /w && uv venv /opt/venv
COPY ["tool/src/", "/w/src/"]
RUN echo "$GREETING"

# //tool:tool
FROM scratch AS tool
COPY --from=tool-build /opt/venv /opt/venv
ENTRYPOINT ["/opt/venv/bin/tool"]
