# [graphbuild's generated header: test_emit's example snapshots hold it]

# //apps/dockerignore:dockerignore#assets
FROM node:20-bookworm-slim@sha256:4444444444444444444444444444444444444444444444444444444444444444 AS apps-dockerignore-assets
WORKDIR /build
COPY apps/dockerignore/package.json apps/dockerignore/package-lock.json ./
RUN npm ci
COPY apps/dockerignore .
RUN npm run build

# //apps/dockerignore:dockerignore#stage-1
FROM python:3.12-slim@sha256:3a1c3c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293 AS apps-dockerignore-stage-1
WORKDIR /app
COPY apps/dockerignore /app
COPY --from=apps-dockerignore-assets /build/dist /app/static
RUN pip install --no-cache-dir -e .
CMD ["python", "-m", "svc"]
