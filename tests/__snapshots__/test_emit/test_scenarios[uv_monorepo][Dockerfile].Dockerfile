# [graphbuild's generated header: test_emit's example snapshots hold it]

# //images/base:os@bookworm
FROM debian:bookworm-slim@sha256:d5d3f9c23164ea16f31852f95bd5959aad1c5e854332fe00f7b3a20fcc9f635c AS images-base-os-bookworm
RUN rm -f /etc/apt/apt.conf.d/docker-clean && echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > /etc/apt/apt.conf.d/keep-cache
RUN printf '%s\n' 'path-exclude=/usr/share/doc/*' 'path-include=/usr/share/doc/*/copyright' 'path-exclude=/usr/share/man/*' 'path-exclude=/usr/share/info/*' 'path-exclude=/usr/share/locale/*' 'path-include=/usr/share/locale/locale.alias' 'path-exclude=/usr/share/lintian/*' > /etc/dpkg/dpkg.cfg.d/graphbuild-no-docs
RUN --mount=type=cache,id=apt-archives-images-base-os-bookworm,target=/var/cache/apt,sharing=locked --mount=type=cache,id=apt-lists-images-base-os-bookworm,target=/var/lib/apt/lists,sharing=locked echo "security refresh 2026-11-23" && apt-get update && apt-get -y upgrade --no-install-recommends && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/log/dpkg.log /var/log/alternatives.log /var/log/apt /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old

# //images/base:os@trixie
FROM debian:trixie-slim@sha256:a29215f6a35e51e22adffa17f89e9d2ef06214e64a2bad10d765c46aea49f11f AS images-base-os-trixie
RUN rm -f /etc/apt/apt.conf.d/docker-clean && echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > /etc/apt/apt.conf.d/keep-cache
RUN printf '%s\n' 'path-exclude=/usr/share/doc/*' 'path-include=/usr/share/doc/*/copyright' 'path-exclude=/usr/share/man/*' 'path-exclude=/usr/share/info/*' 'path-exclude=/usr/share/locale/*' 'path-include=/usr/share/locale/locale.alias' 'path-exclude=/usr/share/lintian/*' > /etc/dpkg/dpkg.cfg.d/graphbuild-no-docs
RUN --mount=type=cache,id=apt-archives-images-base-os-trixie,target=/var/cache/apt,sharing=locked --mount=type=cache,id=apt-lists-images-base-os-trixie,target=/var/lib/apt/lists,sharing=locked echo "security refresh 2026-11-23" && apt-get update && apt-get -y upgrade --no-install-recommends && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/log/dpkg.log /var/log/alternatives.log /var/log/apt /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old

# //images/base:python@3.11
FROM images-base-os-bookworm AS images-base-python-3.11
RUN --mount=type=cache,id=apt-archives-images-base-os-bookworm,target=/var/cache/apt,sharing=locked --mount=type=cache,id=apt-lists-images-base-os-bookworm,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends python3.11 && rm -rf /var/log/dpkg.log /var/log/alternatives.log /var/log/apt /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old
RUN ln -sf /usr/bin/python3.11 /usr/local/bin/python

# //images/base:python@3.11#dev
FROM images-base-python-3.11 AS images-base-python-3.11-dev
RUN --mount=type=cache,id=apt-archives-images-base-os-bookworm,target=/var/cache/apt,sharing=locked --mount=type=cache,id=apt-lists-images-base-os-bookworm,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends build-essential pkg-config python3.11-dev python3.11-venv && rm -rf /var/log/dpkg.log /var/log/alternatives.log /var/log/apt /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old

# //images/base:python@3.13
FROM images-base-os-trixie AS images-base-python-3.13
RUN --mount=type=cache,id=apt-archives-images-base-os-trixie,target=/var/cache/apt,sharing=locked --mount=type=cache,id=apt-lists-images-base-os-trixie,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends python3.13 && rm -rf /var/log/dpkg.log /var/log/alternatives.log /var/log/apt /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old
RUN ln -sf /usr/bin/python3.13 /usr/local/bin/python

# //images/base:python@3.13#dev
FROM images-base-python-3.13 AS images-base-python-3.13-dev
RUN --mount=type=cache,id=apt-archives-images-base-os-trixie,target=/var/cache/apt,sharing=locked --mount=type=cache,id=apt-lists-images-base-os-trixie,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends build-essential pkg-config python3.13-dev python3.13-venv && rm -rf /var/log/dpkg.log /var/log/alternatives.log /var/log/apt /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old

# //images/base:uv
FROM images-base-python-3.11-dev AS images-base-uv
RUN --mount=type=cache,target=/root/.cache/pip python -m venv /opt/uv && printf '%s\n' 'uv==0.13.8 --hash=sha256:e18a57b8b352eb7c8feb317b9f6f533c8f0ad9673fd6cf34bbe3cf1a9f6a8984 --hash=sha256:5337c30bb893b4f9ce0ceb921ba2da0d13f649da644f40ad3bef84083bef0203' > /tmp/uv.txt && /opt/uv/bin/pip install --require-hashes -r /tmp/uv.txt && rm /tmp/uv.txt

# //libs/db:db
FROM scratch AS libs-db
COPY libs/db/pyproject.toml /
COPY libs/db/src/ /src/

# //libs/money:money
FROM scratch AS libs-money
COPY libs/money/pyproject.toml /
COPY libs/money/src/ /src/

# //services/api:api#runtime-base, //services/report:report#runtime-base, //services/worker:worker@3.11#runtime-base
FROM images-base-python-3.11 AS services-api-runtime-base
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin app

# //services/api:api#toolchain
FROM images-base-python-3.11-dev AS services-api-toolchain
RUN --mount=type=cache,id=apt-archives-images-base-os-bookworm,target=/var/cache/apt,sharing=locked --mount=type=cache,id=apt-lists-images-base-os-bookworm,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends libpq-dev && rm -rf /var/log/dpkg.log /var/log/alternatives.log /var/log/apt /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old
COPY --from=images-base-uv /opt/uv/bin/uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE="1" UV_LINK_MODE="copy" UV_PYTHON_DOWNLOADS="0"
RUN --mount=type=cache,target=/root/.cache/uv uv venv --python "$(command -v python)" /opt/venv

# //services/api:api#lib-db
FROM services-api-toolchain AS services-api-lib-db
COPY --from=libs-db / /build/libs/db
RUN --mount=type=cache,target=/root/.cache/uv uv pip install --python /opt/venv/bin/python --no-deps --no-sources --prefix /opt/library /build/libs/db && rm -f /opt/library/.lock && for f in $(find /opt/library/lib -path '*.dist-info/uv_cache.json'); do sed -i '/^[^,]*uv_cache.json,/d' "${f%/*}/RECORD" && rm "$f"; done

# //services/api:api#lib-money
FROM services-api-toolchain AS services-api-lib-money
COPY --from=libs-money / /build/libs/money
RUN --mount=type=cache,target=/root/.cache/uv uv pip install --python /opt/venv/bin/python --no-deps --no-sources --prefix /opt/library /build/libs/money && rm -f /opt/library/.lock && for f in $(find /opt/library/lib -path '*.dist-info/uv_cache.json'); do sed -i '/^[^,]*uv_cache.json,/d' "${f%/*}/RECORD" && rm "$f"; done

# //services/api:api#builder
FROM services-api-toolchain AS services-api-builder
COPY build/locks/services-api-api.txt /build/requirements.txt
RUN --mount=type=cache,target=/root/.cache/uv uv pip install --python /opt/venv/bin/python --require-hashes --no-deps -r /build/requirements.txt
COPY --from=services-api-lib-money /opt/library/ /opt/venv/
COPY --from=services-api-lib-db /opt/library/ /opt/venv/

# //services/api:api#dependencies
FROM services-api-runtime-base AS services-api-dependencies
RUN --mount=type=cache,id=apt-archives-images-base-os-bookworm,target=/var/cache/apt,sharing=locked --mount=type=cache,id=apt-lists-images-base-os-bookworm,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends libpq5 && rm -rf /var/log/dpkg.log /var/log/alternatives.log /var/log/apt /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old
COPY --from=services-api-builder /opt/venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH" PYTHONDONTWRITEBYTECODE="1" PYTHONUNBUFFERED="1" VIRTUAL_ENV="/opt/venv"
WORKDIR /app
USER 10001:10001
CMD ["api"]

# //services/api:api#member
FROM services-api-toolchain AS services-api-member
COPY services/api/pyproject.toml /build/services/api/
COPY services/api/src/ /build/services/api/src/
RUN --mount=type=cache,target=/root/.cache/uv uv pip install --python /opt/venv/bin/python --no-deps --no-sources --prefix /opt/member /build/services/api && rm -f /opt/member/.lock && for f in $(find /opt/member/lib -path '*.dist-info/uv_cache.json'); do sed -i '/^[^,]*uv_cache.json,/d' "${f%/*}/RECORD" && rm "$f"; done

# //services/api:api
FROM services-api-dependencies AS services-api
COPY --from=services-api-member /opt/member/ /opt/venv/
COPY services/api/src/ /app/

# //services/api:api-dev
FROM services-api-runtime-base AS services-api-api-dev
USER root
RUN --mount=type=cache,id=apt-archives-images-base-os-bookworm,target=/var/cache/apt,sharing=locked --mount=type=cache,id=apt-lists-images-base-os-bookworm,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends curl less procps strace && rm -rf /var/log/dpkg.log /var/log/alternatives.log /var/log/apt /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old
RUN --mount=type=cache,id=apt-archives-images-base-os-bookworm,target=/var/cache/apt,sharing=locked --mount=type=cache,id=apt-lists-images-base-os-bookworm,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends libpq5 && rm -rf /var/log/dpkg.log /var/log/alternatives.log /var/log/apt /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old
COPY --from=services-api-builder /opt/venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH" PYTHONDONTWRITEBYTECODE="1" PYTHONUNBUFFERED="1" VIRTUAL_ENV="/opt/venv"
WORKDIR /app
USER 10001:10001
CMD ["api"]
COPY --from=services-api-member /opt/member/ /opt/venv/
COPY services/api/src/ /app/

# //services/report:report#builder
FROM images-base-python-3.11-dev AS services-report-builder
COPY services/report/requirements.txt /build/requirements.txt
RUN --mount=type=cache,target=/root/.cache/pip python -m venv /opt/build-venv && /opt/build-venv/bin/pip wheel --use-pep517 --wheel-dir /wheels -r /build/requirements.txt
RUN python -m venv --without-pip /opt/venv && /opt/build-venv/bin/pip --python /opt/venv/bin/python install --no-index --find-links /wheels -r /build/requirements.txt

# //services/report:report#dependencies
FROM services-api-runtime-base AS services-report-dependencies
COPY --from=services-report-builder /opt/venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH" PYTHONDONTWRITEBYTECODE="1" PYTHONUNBUFFERED="1" VIRTUAL_ENV="/opt/venv"
WORKDIR /app
USER 10001:10001
CMD ["python", "-m", "report"]

# //services/report:report
FROM services-report-dependencies AS services-report
COPY services/report/src/ /app/

# //services/worker:worker@3.11#toolchain
FROM images-base-python-3.11-dev AS services-worker-3.11-toolchain
COPY --from=images-base-uv /opt/uv/bin/uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE="1" UV_LINK_MODE="copy" UV_PYTHON_DOWNLOADS="0"
RUN --mount=type=cache,target=/root/.cache/uv uv venv --python "$(command -v python)" /opt/venv

# //services/worker:worker@3.11#lib-money
FROM services-worker-3.11-toolchain AS services-worker-3.11-lib-money
COPY --from=libs-money / /build/libs/money
RUN --mount=type=cache,target=/root/.cache/uv uv pip install --python /opt/venv/bin/python --no-deps --no-sources --prefix /opt/library /build/libs/money && rm -f /opt/library/.lock && for f in $(find /opt/library/lib -path '*.dist-info/uv_cache.json'); do sed -i '/^[^,]*uv_cache.json,/d' "${f%/*}/RECORD" && rm "$f"; done

# //services/worker:worker@3.11#builder
FROM services-worker-3.11-toolchain AS services-worker-3.11-builder
COPY build/locks/services-worker-worker-3.11.txt /build/requirements.txt
RUN --mount=type=cache,target=/root/.cache/uv uv pip install --python /opt/venv/bin/python --require-hashes --no-deps -r /build/requirements.txt
COPY --from=services-worker-3.11-lib-money /opt/library/ /opt/venv/

# //services/worker:worker@3.11#dependencies
FROM services-api-runtime-base AS services-worker-3.11-dependencies
COPY --from=services-worker-3.11-builder /opt/venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH" PYTHONDONTWRITEBYTECODE="1" PYTHONUNBUFFERED="1" VIRTUAL_ENV="/opt/venv"
WORKDIR /app
USER 10001:10001
CMD ["python", "-m", "worker"]

# //services/worker:worker@3.11#member
FROM services-worker-3.11-toolchain AS services-worker-3.11-member
COPY services/worker/pyproject.toml /build/services/worker/
COPY services/worker/src/ /build/services/worker/src/
RUN --mount=type=cache,target=/root/.cache/uv uv pip install --python /opt/venv/bin/python --no-deps --no-sources --prefix /opt/member /build/services/worker && rm -f /opt/member/.lock && for f in $(find /opt/member/lib -path '*.dist-info/uv_cache.json'); do sed -i '/^[^,]*uv_cache.json,/d' "${f%/*}/RECORD" && rm "$f"; done

# //services/worker:worker@3.11
FROM services-worker-3.11-dependencies AS services-worker-3.11
COPY --from=services-worker-3.11-member /opt/member/ /opt/venv/
COPY services/worker/src/ /app/

# //services/worker:worker@3.13#runtime-base
FROM images-base-python-3.13 AS services-worker-3.13-runtime-base
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin app

# //services/worker:worker@3.13#toolchain
FROM images-base-python-3.13-dev AS services-worker-3.13-toolchain
COPY --from=images-base-uv /opt/uv/bin/uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE="1" UV_LINK_MODE="copy" UV_PYTHON_DOWNLOADS="0"
RUN --mount=type=cache,target=/root/.cache/uv uv venv --python "$(command -v python)" /opt/venv

# //services/worker:worker@3.13#lib-money
FROM services-worker-3.13-toolchain AS services-worker-3.13-lib-money
COPY --from=libs-money / /build/libs/money
RUN --mount=type=cache,target=/root/.cache/uv uv pip install --python /opt/venv/bin/python --no-deps --no-sources --prefix /opt/library /build/libs/money && rm -f /opt/library/.lock && for f in $(find /opt/library/lib -path '*.dist-info/uv_cache.json'); do sed -i '/^[^,]*uv_cache.json,/d' "${f%/*}/RECORD" && rm "$f"; done

# //services/worker:worker@3.13#builder
FROM services-worker-3.13-toolchain AS services-worker-3.13-builder
COPY build/locks/services-worker-worker-3.13.txt /build/requirements.txt
RUN --mount=type=cache,target=/root/.cache/uv uv pip install --python /opt/venv/bin/python --require-hashes --no-deps -r /build/requirements.txt
COPY --from=services-worker-3.13-lib-money /opt/library/ /opt/venv/

# //services/worker:worker@3.13#dependencies
FROM services-worker-3.13-runtime-base AS services-worker-3.13-dependencies
COPY --from=services-worker-3.13-builder /opt/venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH" PYTHONDONTWRITEBYTECODE="1" PYTHONUNBUFFERED="1" VIRTUAL_ENV="/opt/venv"
WORKDIR /app
USER 10001:10001
CMD ["python", "-m", "worker"]

# //services/worker:worker@3.13#member
FROM services-worker-3.13-toolchain AS services-worker-3.13-member
COPY services/worker/pyproject.toml /build/services/worker/
COPY services/worker/src/ /build/services/worker/src/
RUN --mount=type=cache,target=/root/.cache/uv uv pip install --python /opt/venv/bin/python --no-deps --no-sources --prefix /opt/member /build/services/worker && rm -f /opt/member/.lock && for f in $(find /opt/member/lib -path '*.dist-info/uv_cache.json'); do sed -i '/^[^,]*uv_cache.json,/d' "${f%/*}/RECORD" && rm "$f"; done

# //services/worker:worker@3.13
FROM services-worker-3.13-dependencies AS services-worker-3.13
COPY --from=services-worker-3.13-member /opt/member/ /opt/venv/
COPY services/worker/src/ /app/
