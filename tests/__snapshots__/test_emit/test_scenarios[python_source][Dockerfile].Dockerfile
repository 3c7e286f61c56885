# [graphbuild's generated header: test_emit's example snapshots hold it]

# //images/base:os
FROM debian:bookworm-slim@sha256:d5d3f9c23164ea16f31852f95bd5959aad1c5e854332fe00f7b3a20fcc9f635c AS images-base-os
RUN rm -f /etc/apt/apt.conf.d/docker-clean && echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > /etc/apt/apt.conf.d/keep-cache
RUN printf '%s\n' 'path-exclude=/usr/share/doc/*' 'path-include=/usr/share/doc/*/copyright' 'path-exclude=/usr/share/man/*' 'path-exclude=/usr/share/info/*' 'path-exclude=/usr/share/locale/*' 'path-include=/usr/share/locale/locale.alias' 'path-exclude=/usr/share/lintian/*' > /etc/dpkg/dpkg.cfg.d/graphbuild-no-docs
RUN --mount=type=cache,id=apt-archives-images-base-os,target=/var/cache/apt,sharing=locked --mount=type=cache,id=apt-lists-images-base-os,target=/var/lib/apt/lists,sharing=locked echo "security refresh 2026-11-23" && apt-get update && apt-get -y upgrade --no-install-recommends && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/log/dpkg.log /var/log/alternatives.log /var/log/apt /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old

# //images/base:python#build
FROM images-base-os AS images-base-python-build
RUN --mount=type=cache,id=apt-archives-images-base-os,target=/var/cache/apt,sharing=locked --mount=type=cache,id=apt-lists-images-base-os,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends build-essential ca-certificates curl libbz2-dev libffi-dev libgdbm-dev liblzma-dev libncurses-dev libreadline-dev libsqlite3-dev libssl-dev uuid-dev xz-utils zlib1g-dev && rm -rf /var/log/dpkg.log /var/log/alternatives.log /var/log/apt /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old
RUN curl -fsSL https://deb.debian.org/debian/pool/main/p/python3.11/python3.11_3.11.2.orig.tar.gz -o /tmp/python.tar && echo "2411c74bda5bbcfcddaf4531f66d1adc73f247f529aee981b029513aefdbf849  /tmp/python.tar" | sha256sum -c - && mkdir /tmp/src && tar -xf /tmp/python.tar -C /tmp/src --strip-components=1 && cd /tmp/src && ./configure --prefix=/opt/python --without-ensurepip && make -j"$(nproc)" && make install && rm -rf /tmp/src /tmp/python.tar

# //images/base:python#prep
FROM images-base-python-build AS images-base-python-prep
RUN find /opt/python -name 'libpython*.a' -delete && rm -rf /opt/python/share /opt/python/include /opt/python/lib/python3.11/idlelib /opt/python/lib/python3.11/turtledemo /opt/python/bin/idle3* /opt/python/lib/python3.11/config-3.11*/python.o /opt/python/lib/python3.11/lib-dynload/_test* /opt/python/lib/python3.11/lib-dynload/_ctypes_test* /opt/python/lib/python3.11/lib-dynload/_xxtestfuzz* /opt/python/lib/python3.11/lib-dynload/xxlimited* /opt/python/lib/python3.11/ensurepip /opt/python/bin/pip* /opt/python/lib/python3.11/site-packages/[!R]* && find /opt/python/lib/python3.11 -type d \( -name test -o -name tests -o -name idle_test \) -prune -exec rm -rf {} + && if ! ls /opt/python/lib/python3.11/lib-dynload/_tkinter.* >/dev/null 2>&1; then rm -rf /opt/python/lib/python3.11/tkinter /opt/python/lib/python3.11/turtle.py; fi && find /opt/python -name '*.opt-[12].pyc' -delete && find /opt/python/lib/python3.11 -path '*/__pycache__/*.pyc' | while read -r pyc; do name="${pyc##*/}"; [ -e "${pyc%/__pycache__/*}/${name%%.*}.py" ] || rm -f "$pyc"; done && find /opt/python/lib/python3.11 -type d -name __pycache__ -empty -delete && strip --strip-unneeded /opt/python/bin/python3.11 && find /opt/python -type f \( -name '*.so' -o -name '*.so.[0-9]*' \) ! -name '*.py' -exec strip --strip-unneeded {} + && ln -sf python3.11 /opt/python/bin/python

# //images/base:python
FROM images-base-os AS images-base-python
RUN --mount=type=cache,id=apt-archives-images-base-os,target=/var/cache/apt,sharing=locked --mount=type=cache,id=apt-lists-images-base-os,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends ca-certificates libbz2-1.0 libffi8 libgdbm6 liblzma5 libncursesw6 libreadline8 libsqlite3-0 libssl3 libuuid1 zlib1g && rm -rf /var/log/dpkg.log /var/log/alternatives.log /var/log/apt /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old
COPY --from=images-base-python-prep /opt/python /opt/python
ENV PATH=/opt/python/bin:$PATH

# //images/app:app#runtime-base
FROM images-base-python AS images-app-runtime-base
RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin app

# //images/base:python#dev
FROM images-base-python AS images-base-python-dev
RUN --mount=type=cache,id=apt-archives-images-base-os,target=/var/cache/apt,sharing=locked --mount=type=cache,id=apt-lists-images-base-os,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends build-essential pkg-config && rm -rf /var/log/dpkg.log /var/log/alternatives.log /var/log/apt /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old
COPY --from=images-base-python-build /opt/python/include /opt/python/include
COPY --from=images-base-python-build /opt/python/lib/python3.11/ensurepip /opt/python/lib/python3.11/ensurepip

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
