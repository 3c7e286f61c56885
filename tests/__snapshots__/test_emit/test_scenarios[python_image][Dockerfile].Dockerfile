# [graphbuild's generated header: test_emit's example snapshots hold it]

# //base:python
FROM python:3.12-slim@sha256:2b0079146a74e23bf4ae8f6a28e1b484c6292f6fb904cbb51825b4a19812fcd8 AS base-python
RUN /usr/local/bin/python3.12 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' && ln -sf /usr/local/bin/python3.12 /usr/local/bin/python

# //app:app#runtime-base
FROM base-python AS app-runtime-base
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin app

# //base:python#dev
FROM base-python AS base-python-dev
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends build-essential pkg-config && rm -rf /var/log/dpkg.log /var/log/alternatives.log /var/log/apt /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old

# //app:app#builder
FROM base-python-dev AS app-builder
COPY app/requirements.txt /build/requirements.txt
RUN --mount=type=cache,target=/root/.cache/pip python -m venv /opt/build-venv && /opt/build-venv/bin/pip wheel --use-pep517 --wheel-dir /wheels -r /build/requirements.txt
RUN python -m venv --without-pip /opt/venv && /opt/build-venv/bin/pip --python /opt/venv/bin/python install --no-index --find-links /wheels -r /build/requirements.txt

# //app:app#dependencies
FROM app-runtime-base AS app-dependencies
COPY --from=app-builder /opt/venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH" PYTHONDONTWRITEBYTECODE="1" PYTHONUNBUFFERED="1" VIRTUAL_ENV="/opt/venv"
WORKDIR /app
USER 10001:10001
CMD ["python", "-m", "app"]

# //app:app
FROM app-dependencies AS app
COPY app/src/ /app/
