# [graphbuild's generated header: test_emit's example snapshots hold it]

# //apps/python-venv:python-venv#builder
FROM python:3.12-slim@sha256:1111111111111111111111111111111111111111111111111111111111111111 AS apps-python-venv-builder
RUN apt-get update     && apt-get install -y --no-install-recommends build-essential libpq-dev     && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
COPY apps/python-venv/requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install --no-cache-dir -r /tmp/requirements.txt

# //apps/python-venv:python-venv#runtime
FROM python:3.12-slim@sha256:1111111111111111111111111111111111111111111111111111111111111111 AS apps-python-venv-runtime
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 app
COPY --from=apps-python-venv-builder /opt/venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"
WORKDIR /app
COPY apps/python-venv/src/ /app/
USER 10001
CMD ["python", "-m", "service"]
