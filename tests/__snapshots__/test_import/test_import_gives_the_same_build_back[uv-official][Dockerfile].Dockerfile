# [graphbuild's generated header: test_emit's example snapshots hold it]

# //apps/uv-official:uv-official#builder
FROM python:3.12-slim-bookworm@sha256:0d6b9d7f0e1e2d1b3d0b4c4e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c AS apps-uv-official-builder
COPY --from=ghcr.io/astral-sh/uv:0.5.11@sha256:1111111111111111111111111111111111111111111111111111111111111111 /uv /uvx /bin/
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy
WORKDIR /app
RUN --mount=type=cache,target=/root/.cache/uv --mount=type=bind,source=apps/uv-official/uv.lock,target=uv.lock --mount=type=bind,source=apps/uv-official/pyproject.toml,target=pyproject.toml uv sync --frozen --no-install-project --no-dev
ADD apps/uv-official /app
RUN --mount=type=cache,target=/root/.cache/uv uv sync --frozen --no-dev

# //apps/uv-official:uv-official#stage-1
FROM python:3.12-slim-bookworm@sha256:0d6b9d7f0e1e2d1b3d0b4c4e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c AS apps-uv-official-stage-1
RUN groupadd --system --gid 999 app  && useradd --system --gid 999 --uid 999 --create-home app
COPY --from=apps-uv-official-builder --chown=app:app /app /app
ENV PATH="/app/.venv/bin:$PATH"
USER app
WORKDIR /app
CMD ["fastapi", "run", "--host", "0.0.0.0", "src/app/main.py"]
