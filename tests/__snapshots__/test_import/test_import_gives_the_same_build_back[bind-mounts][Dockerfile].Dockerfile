# [graphbuild's generated header: test_emit's example snapshots hold it]

# //apps/bind-mounts:bind-mounts#build
FROM python:3.12-slim@sha256:3a1c3c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293 AS apps-bind-mounts-build
RUN --mount=type=cache,target=/root/.cache/pip --mount=type=bind,source=apps/bind-mounts/requirements.txt,target=/tmp/requirements.txt pip wheel --wheel-dir /wheels -r /tmp/requirements.txt
RUN --mount=type=bind,target=/src,rw,source=apps/bind-mounts pip wheel --no-deps --wheel-dir /wheels /src

# //apps/bind-mounts:bind-mounts#stage-1
FROM python:3.12-slim@sha256:3a1c3c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293 AS apps-bind-mounts-stage-1
RUN --mount=type=bind,from=apps-bind-mounts-build,source=/wheels,target=/wheels pip install --no-cache-dir --no-index --find-links /wheels /wheels/*.whl
CMD ["python", "-m", "svc"]
