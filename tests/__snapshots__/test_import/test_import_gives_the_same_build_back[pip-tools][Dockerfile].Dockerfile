# [graphbuild's generated header: test_emit's example snapshots hold it]

# //apps/pip-tools:pip-tools#wheels
FROM python:3.12-slim@sha256:3a1c3c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293 AS apps-pip-tools-wheels
RUN apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev && rm -rf /var/lib/apt/lists/*
COPY apps/pip-tools/requirements.txt /tmp/requirements.txt
RUN pip wheel --no-cache-dir --wheel-dir /wheels -r /tmp/requirements.txt

# //apps/pip-tools:pip-tools#stage-1
FROM python:3.12-slim@sha256:3a1c3c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293 AS apps-pip-tools-stage-1
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 && rm -rf /var/lib/apt/lists/*
COPY --from=apps-pip-tools-wheels /wheels /wheels
COPY apps/pip-tools/requirements.txt /tmp/requirements.txt
RUN pip install --no-cache-dir --no-index --find-links=/wheels -r /tmp/requirements.txt     && rm -rf /wheels
COPY apps/pip-tools/app/ /srv/app/
USER 10001
ENTRYPOINT ["python", "-m", "app"]
