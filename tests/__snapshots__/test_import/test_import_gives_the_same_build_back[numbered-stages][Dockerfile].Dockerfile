# [graphbuild's generated header: test_emit's example snapshots hold it]

# //apps/numbered-stages:numbered-stages#stage-0
FROM python:3.12-slim@sha256:3a1c3c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293 AS apps-numbered-stages-stage-0
RUN python -m venv /venv && /venv/bin/pip install --no-cache-dir gunicorn==23.0.0

# //apps/numbered-stages:numbered-stages#stage-1
FROM python:3.12-slim@sha256:3a1c3c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293 AS apps-numbered-stages-stage-1
COPY --from=apps-numbered-stages-stage-0 /venv /venv
COPY apps/numbered-stages/wsgi.py /srv/wsgi.py
WORKDIR /srv
CMD ["/venv/bin/gunicorn", "wsgi:app"]
