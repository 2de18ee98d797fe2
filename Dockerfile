# syntax=docker/dockerfile:1
# One image for every service of the fleet. The service is chosen at run time:
#   docker run -e SERVICE=acceptor -e PROCESS_ID=acceptor-0 ... durable-paxos
#   docker run ... durable-paxos leader            (the command names it too)
# SERVICE: neurelo-local | acceptor | leader | replica | dashboard. Every service listens on
# $PORT (8080). Configuration: see .env.example and docs/operations.md.

# Only the package manifests, so the dependency layers below are rebuilt when a manifest or
# the lockfile changes, not when a source file does.
FROM node:20-bookworm-slim AS manifests
WORKDIR /src
COPY . .
RUN find . -name package.json -not -path '*/node_modules/*' -exec sh -c \
      'for f; do mkdir -p "/manifests/$(dirname "$f")" && cp "$f" "/manifests/$f"; done' sh {} + \
 && cp package-lock.json /manifests/

# Compiles each service to one JavaScript bundle (deploy/bundle.ts); needs the dev tools.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY --from=manifests /manifests/ ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY . .
RUN npm run build:image

# The runtime: production dependencies, the bundles and the SQL files; no compiler, no tests.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    NODE_OPTIONS=--enable-source-maps
WORKDIR /app
COPY --from=manifests /manifests/ ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && mkdir -p /data && chown node:node /data
COPY --from=build /src/dist/image/ ./
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "/app/bundles/healthcheck.js", "/healthz"]
ENTRYPOINT ["node", "/app/bundles/start.js"]
