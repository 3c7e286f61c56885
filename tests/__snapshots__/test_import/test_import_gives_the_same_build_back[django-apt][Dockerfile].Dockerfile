# [graphbuild's generated header: test_emit's example snapshots hold it]

# //apps/django-apt:django-apt#base
FROM debian:bookworm-slim@sha256:d5d3f9c23164ea16f31852f95bd5959aad1c5e854332fe00f7b3a20fcc9f635c AS apps-django-apt-base
RUN rm -f /etc/apt/apt.conf.d/docker-clean;     echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > /etc/apt/apt.conf.d/keep-cache
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends         python3 python3-venv libpq5 ca-certificates

# //apps/django-apt:django-apt#build
FROM apps-django-apt-base AS apps-django-apt-build
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends build-essential python3-dev libpq-dev
RUN python3 -m venv /opt/venv
COPY apps/django-apt/requirements.txt /tmp/
RUN --mount=type=cache,target=/root/.cache/pip /opt/venv/bin/pip install -r /tmp/requirements.txt
COPY apps/django-apt/project /srv/project
RUN DJANGO_SETTINGS_MODULE=project.settings /opt/venv/bin/python /srv/project/manage.py collectstatic --noinput

# //apps/django-apt:django-apt#stage-2
FROM apps-django-apt-base AS apps-django-apt-stage-2
COPY --from=apps-django-apt-build /opt/venv /opt/venv
COPY --from=apps-django-apt-build /srv /srv
RUN useradd --uid 10001 --no-create-home django
USER django
WORKDIR /srv/project
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --retries=3   CMD /opt/venv/bin/python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health')"
CMD ["/opt/venv/bin/gunicorn", "project.wsgi", "--bind", "0.0.0.0:8000"]
