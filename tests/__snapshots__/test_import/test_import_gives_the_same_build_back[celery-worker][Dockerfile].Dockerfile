# [graphbuild's generated header: test_emit's example snapshots hold it]

# //apps/celery-worker:celery-worker#stage-0
FROM python:3.12-slim@sha256:3a1c3c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293 AS apps-celery-worker-stage-0
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
LABEL org.opencontainers.image.title="worker"       org.opencontainers.image.description="Celery worker: runs the queue"       maintainer="platform@example.com"
ENV CELERY_BROKER_URL=redis://redis:6379/0
WORKDIR /worker
COPY apps/celery-worker/requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt && find / -name '*.pyc' -delete 2>/dev/null | true
COPY apps/celery-worker/worker/ ./worker/
RUN useradd -u 10001 -M celery
USER celery
STOPSIGNAL SIGTERM
ENTRYPOINT ["celery", "-A", "worker", "worker"]
CMD ["--loglevel=INFO", "--concurrency=2"]
