# [graphbuild's generated header: test_emit's example snapshots hold it]

# //apps/pdm-app:pdm-app#builder
FROM python:3.12-slim@sha256:3a1c3c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293 AS apps-pdm-app-builder
RUN pip install -U pdm==2.19.2
ENV PDM_CHECK_UPDATE=false
COPY apps/pdm-app/pyproject.toml apps/pdm-app/pdm.lock apps/pdm-app/README.md /project/
COPY apps/pdm-app/src/ /project/src
WORKDIR /project
RUN pdm install --check --prod --no-editable

# //apps/pdm-app:pdm-app#stage-1
FROM python:3.12-slim@sha256:3a1c3c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293 AS apps-pdm-app-stage-1
COPY --from=apps-pdm-app-builder /project/.venv/ /project/.venv
ENV PATH="/project/.venv/bin:$PATH"
COPY apps/pdm-app/src /project/src
CMD ["python", "/project/src/pdmapp/__main__.py"]
