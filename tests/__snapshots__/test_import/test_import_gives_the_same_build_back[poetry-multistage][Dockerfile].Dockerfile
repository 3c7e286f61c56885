# [graphbuild's generated header: test_emit's example snapshots hold it]

# //apps/poetry-multistage:poetry-multistage#python-base
FROM python:3.11-slim-bookworm@sha256:2e8d7a0a8e4c5f6b7a8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b AS apps-poetry-multistage-python-base
ENV PYTHONUNBUFFERED=1     PYTHONDONTWRITEBYTECODE=1     PIP_NO_CACHE_DIR=off     PIP_DISABLE_PIP_VERSION_CHECK=on     POETRY_HOME="/opt/poetry"     POETRY_VIRTUALENVS_IN_PROJECT=true     POETRY_NO_INTERACTION=1     PYSETUP_PATH="/opt/pysetup"     VENV_PATH="/opt/pysetup/.venv"
ENV PATH="$POETRY_HOME/bin:$VENV_PATH/bin:$PATH"

# //apps/poetry-multistage:poetry-multistage#builder-base
FROM apps-poetry-multistage-python-base AS apps-poetry-multistage-builder-base
ARG POETRY_VERSION=1.8.3
RUN apt-get update     && apt-get install --no-install-recommends -y curl build-essential     && rm -rf /var/lib/apt/lists/*
RUN pip install "poetry==$POETRY_VERSION"
WORKDIR $PYSETUP_PATH
COPY apps/poetry-multistage/poetry.lock apps/poetry-multistage/pyproject.toml ./
RUN poetry install --only main --no-root

# //apps/poetry-multistage:poetry-multistage#production
FROM apps-poetry-multistage-python-base AS apps-poetry-multistage-production
COPY --from=apps-poetry-multistage-builder-base $PYSETUP_PATH $PYSETUP_PATH
COPY apps/poetry-multistage/svc /app/svc
WORKDIR /app
EXPOSE 8000
CMD ["gunicorn", "-b", "0.0.0.0:8000", "svc.wsgi:app"]
