# [graphbuild's generated header: test_emit's example snapshots hold it]

# //apps/node-static:node-static#deps
FROM node:20-bookworm-slim@sha256:5555555555555555555555555555555555555555555555555555555555555555 AS apps-node-static-deps
WORKDIR /app
COPY apps/node-static/package.json apps/node-static/package-lock.json ./
RUN npm ci

# //apps/node-static:node-static#build
FROM node:20-bookworm-slim@sha256:5555555555555555555555555555555555555555555555555555555555555555 AS apps-node-static-build
WORKDIR /app
COPY --from=apps-node-static-deps /app/node_modules ./node_modules
COPY apps/node-static .
RUN npm run build

# //apps/node-static:node-static#stage-2
FROM nginx:1.27-bookworm@sha256:6666666666666666666666666666666666666666666666666666666666666666 AS apps-node-static-stage-2
COPY --from=apps-node-static-build /app/dist /usr/share/nginx/html
HEALTHCHECK --interval=30s CMD ["curl", "-f", "http://localhost/"]
