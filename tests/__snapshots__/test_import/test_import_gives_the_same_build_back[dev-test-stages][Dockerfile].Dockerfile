# [graphbuild's generated header: test_emit's example snapshots hold it]

# //apps/dev-test-stages:dev-test-stages#base
FROM python:3.12-slim@sha256:3a1c3c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293 AS apps-dev-test-stages-base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app

# //apps/dev-test-stages:dev-test-stages#deps
FROM apps-dev-test-stages-base AS apps-dev-test-stages-deps
COPY apps/dev-test-stages/requirements.txt apps/dev-test-stages/requirements-dev.txt ./
RUN python -m venv /venv && /venv/bin/pip install --no-cache-dir -r requirements.txt

# //apps/dev-test-stages:dev-test-stages#dev-deps
FROM apps-dev-test-stages-deps AS apps-dev-test-stages-dev-deps
RUN /venv/bin/pip install --no-cache-dir -r requirements-dev.txt

# //apps/dev-test-stages:dev-test-stages-dev
FROM apps-dev-test-stages-dev-deps AS apps-dev-test-stages-dev-test-stages-dev
RUN apt-get update && apt-get install -y --no-install-recommends git vim && rm -rf /var/lib/apt/lists/*
COPY apps/dev-test-stages/src ./src
CMD ["/venv/bin/python", "-m", "app", "--reload"]

# //apps/dev-test-stages:dev-test-stages-test
FROM apps-dev-test-stages-dev-deps AS apps-dev-test-stages-dev-test-stages-test
COPY apps/dev-test-stages/src ./src
COPY apps/dev-test-stages/tests ./tests
RUN /venv/bin/python -m pytest -q tests

# //apps/dev-test-stages:dev-test-stages#production
FROM apps-dev-test-stages-base AS apps-dev-test-stages-production
COPY --from=apps-dev-test-stages-deps /venv /venv
COPY apps/dev-test-stages/src ./src
USER 65534:65534
CMD ["/venv/bin/python", "-m", "app"]
