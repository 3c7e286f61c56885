# [graphbuild's generated header: test_emit's example snapshots hold it]

# //images/base:os
FROM debian:bookworm-slim@sha256:d5d3f9c23164ea16f31852f95bd5959aad1c5e854332fe00f7b3a20fcc9f635c AS images-base-os
RUN rm -f /etc/apt/apt.conf.d/docker-clean && echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > /etc/apt/apt.conf.d/keep-cache
RUN printf '%s\n' 'path-exclude=/usr/share/doc/*' 'path-include=/usr/share/doc/*/copyright' 'path-exclude=/usr/share/man/*' 'path-exclude=/usr/share/info/*' 'path-exclude=/usr/share/locale/*' 'path-include=/usr/share/locale/locale.alias' 'path-exclude=/usr/share/lintian/*' > /etc/dpkg/dpkg.cfg.d/graphbuild-no-docs
RUN --mount=type=cache,id=apt-archives-images-base-os,target=/var/cache/apt,sharing=locked --mount=type=cache,id=apt-lists-images-base-os,target=/var/lib/apt/lists,sharing=locked echo "security refresh 2026-11-23" && apt-get update && apt-get -y upgrade --no-install-recommends && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/log/dpkg.log /var/log/alternatives.log /var/log/apt /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old

# //images/base:python
FROM images-base-os AS images-base-python
RUN --mount=type=cache,id=apt-archives-images-base-os,target=/var/cache/apt,sharing=locked --mount=type=cache,id=apt-lists-images-base-os,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends python3.11 && rm -rf /var/log/dpkg.log /var/log/alternatives.log /var/log/apt /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old
RUN ln -sf /usr/bin/python3.11 /usr/local/bin/python

# //images/app:app#runtime-base
FROM images-base-python AS images-app-runtime-base
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin app

# //images/base:python#dev
FROM images-base-python AS images-base-python-dev
RUN --mount=type=cache,id=apt-archives-images-base-os,target=/var/cache/apt,sharing=locked --mount=type=cache,id=apt-lists-images-base-os,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends build-essential pkg-config python3.11-dev python3.11-venv && rm -rf /var/log/dpkg.log /var/log/alternatives.log /var/log/apt /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old

# //images/app:app#builder
FROM images-base-python-dev AS images-app-builder
COPY images/app/requirements.txt /build/requirements.txt
RUN --mount=type=cache,target=/root/.cache/pip python -m venv /opt/build-venv && /opt/build-venv/bin/pip wheel --use-pep517 --wheel-dir /wheels -r /build/requirements.txt
RUN python -m venv --without-pip /opt/venv && /opt/build-venv/bin/pip --python /opt/venv/bin/python install --no-index --find-links /wheels -r /build/requirements.txt

# //images/app:app#dependencies
FROM images-app-runtime-base AS images-app-dependencies
COPY --from=images-app-builder /opt/venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH" PYTHONDONTWRITEBYTECODE="1" PYTHONUNBUFFERED="1" VIRTUAL_ENV="/opt/venv"
WORKDIR /app
USER 10001:10001
CMD ["python", "-m", "app"]

# //images/app:app
FROM images-app-dependencies AS images-app
COPY images/app/src/ /app/

# //images/app:app#test-run
FROM images-app-builder AS images-app-test-run
COPY images/app/requirements-test.txt /build/test/requirements-test.txt
RUN --mount=type=cache,target=/root/.cache/pip /opt/build-venv/bin/pip --python /opt/venv/bin/python install -r /build/test/requirements-test.txt
COPY images/app/src/ /app/
COPY images/app/tests/ /app/tests/
ENV PATH="/opt/venv/bin:$PATH" VIRTUAL_ENV="/opt/venv"
WORKDIR /app
RUN mkdir -p /test-reports && { PYTEST_ADDOPTS="${PYTEST_ADDOPTS:-} --junitxml=/test-reports/junit.xml" GRAPHBUILD_TEST_REPORTS=/test-reports python -m pytest -q; echo $? > /test-reports/exit-code; }

# //images/app:app#test
FROM images-app-test-run AS images-app-test
RUN exit "$(cat /test-reports/exit-code)"

# //images/app:app#test-report
FROM scratch AS images-app-test-report
COPY --from=images-app-test-run /test-reports/ /
