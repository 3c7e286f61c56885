# [graphbuild's generated header: test_emit's example snapshots hold it]

# //apps/python-uv:python-uv#uv
FROM ghcr.io/astral-sh/uv:0.4.20@sha256:2222222222222222222222222222222222222222222222222222222222222222 AS apps-python-uv-uv

# //apps/python-uv:python-uv#build
FROM debian:bookworm-slim@sha256:d5d3f9c23164ea16f31852f95bd5959aad1c5e854332fe00f7b3a20fcc9f635c AS apps-python-uv-build
COPY --from=apps-python-uv-uv /uv /usr/local/bin/uv
ARG UV_COMPILE_BYTECODE=1
RUN --mount=type=cache,target=/root/.cache/uv --mount=type=bind,source=apps/python-uv/uv.lock,target=/w/uv.lock --mount=type=bind,source=apps/python-uv/pyproject.toml,target=/w/pyproject.toml cd /w && uv sync --frozen --no-install-project
COPY apps/python-uv /w

# //apps/python-uv:python-uv#stage-2
FROM debian:bookworm-slim@sha256:d5d3f9c23164ea16f31852f95bd5959aad1c5e854332fe00f7b3a20fcc9f635c AS apps-python-uv-stage-2
COPY --from=apps-python-uv-build --chown=0:0 /w /w
USER 1000:1000
ENTRYPOINT ["/w/.venv/bin/app"]
