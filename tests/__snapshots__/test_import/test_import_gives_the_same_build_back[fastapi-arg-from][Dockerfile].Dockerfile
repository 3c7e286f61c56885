# [graphbuild's generated header: test_emit's example snapshots hold it]

ARG PYTHON_VERSION="3.12"

# //apps/fastapi-arg-from:fastapi-arg-from#builder
FROM python:3.12-slim-bookworm AS apps-fastapi-arg-from-builder
ARG PYTHON_VERSION
RUN python -m venv /opt/venv && echo "built with ${PYTHON_VERSION}" > /opt/venv/BUILT_WITH
COPY apps/fastapi-arg-from/requirements.txt .
RUN /opt/venv/bin/pip install --no-cache-dir -r requirements.txt

# //apps/fastapi-arg-from:fastapi-arg-from#runtime
FROM python:3.12-slim-bookworm AS apps-fastapi-arg-from-runtime
ARG PYTHON_VERSION
LABEL python.version=${PYTHON_VERSION}
COPY --from=apps-fastapi-arg-from-builder /opt/venv /opt/venv
COPY apps/fastapi-arg-from/app /app
ENV PATH=/opt/venv/bin:$PATH
USER nobody
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "80"]
