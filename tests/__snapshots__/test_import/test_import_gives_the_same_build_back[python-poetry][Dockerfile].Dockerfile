# [graphbuild's generated header: test_emit's example snapshots hold it]

# //apps/python-poetry:python-poetry#base
FROM python:3.11-slim-bookworm@sha256:7777777777777777777777777777777777777777777777777777777777777777 AS apps-python-poetry-base
ENV PYTHONUNBUFFERED=1     PIP_DISABLE_PIP_VERSION_CHECK=1
RUN groupadd --gid 1000 app && useradd --uid 1000 --gid app app

# //apps/python-poetry:python-poetry#builder
FROM apps-python-poetry-base AS apps-python-poetry-builder
ARG POETRY_VERSION=1.8.3
RUN pip install "poetry==${POETRY_VERSION}"
WORKDIR /build
COPY apps/python-poetry/pyproject.toml apps/python-poetry/poetry.lock ./
RUN poetry export -f requirements.txt -o requirements.txt  && pip wheel --wheel-dir /wheels -r requirements.txt

# //apps/python-poetry:python-poetry#stage-2
FROM apps-python-poetry-base AS apps-python-poetry-stage-2
COPY --from=apps-python-poetry-builder /wheels /wheels
RUN pip install --no-index --find-links /wheels /wheels/*.whl && rm -rf /wheels
COPY --chown=root:root apps/python-poetry/app/ /srv/app/
WORKDIR /srv
USER 1000:1000
CMD ["python", "-m", "app"]
