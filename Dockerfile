# syntax=docker/dockerfile:1
# TG Sentinel images: one build, two targets.
#   docker build --target sentinel -t tgsentinel-sentinel .
#   docker build --target ui       -t tgsentinel-ui .
# docker-compose.yml builds both. The services migrate their own databases on start
# (contract/migrate.ts), so no migration step runs here or in an entrypoint.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------------------------------------
# build: the toolchain better-sqlite3 compiles with, all dependencies (dev included), the
# generated Prisma clients and the built web UI; then dev dependencies are pruned away.
FROM ${NODE_IMAGE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# The repository's .npmrc points node-gyp at /usr (Debian's nodejs headers); the official image
# keeps Node and its headers under /usr/local. The environment wins over a project .npmrc.
ENV npm_config_nodedir=/usr/local \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false

# Manifests first so the dependency layer is reused until they change. prisma/ is needed here
# because the root postinstall generates both Prisma clients.
COPY package.json package-lock.json .npmrc ./
COPY contract/package.json contract/
COPY sentinel/package.json sentinel/
COPY ui-graphql/package.json ui-graphql/
COPY ui-web/package.json ui-web/
COPY tools/testdc/package.json tools/testdc/
COPY prisma prisma
RUN npm ci

COPY . .
RUN npm run db:generate \
 && npm run build:web \
 && test -f ui-web/dist/index.html \
 && test -f sentinel/db/generated/client.ts \
 && test -f ui-graphql/db/generated/client.ts
# Runtime needs only production dependencies; tsx (a root dependency) stays, it runs the services.
# --ignore-scripts: the postinstall would regenerate the clients with the pruned-away Prisma CLI.
RUN npm prune --omit=dev --ignore-scripts \
 && node -e "require.resolve('tsx'); require('better-sqlite3')(':memory:').close()" \
 && mv ui-web/dist /web-dist \
 && rm -rf data .env* .ci artifacts

# ---------------------------------------------------------------------------------------------
# runtime: no compiler, code owned by root and read-only to the service user, data under
# /app/data (a named volume in compose; docker copies this directory's mode into a new volume).
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
WORKDIR /app
COPY --from=build /app /app
# The seed's modes: data directory 0777 (container compatibility: a host bind mount owned by
# another uid still works), databases 0664 and the session 0660 are set by the services.
RUN mkdir -p /app/data /app/config \
 && chown node:node /app/data \
 && chmod 0777 /app/data
USER node

# ---------------------------------------------------------------------------------------------
FROM runtime AS sentinel
ENV SENTINEL_API_HOST=0.0.0.0 \
    SENTINEL_API_PORT=8080 \
    DB_URI=sqlite:////app/data/sentinel.db \
    TG_SESSION_PATH=/app/data/tgsentinel.session
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.SENTINEL_API_PORT||8080)+'/api/health',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node --import tsx is what `npm run sentinel` (tsx sentinel/server.ts) does, without npm or the
# tsx CLI in between: SIGTERM reaches the service directly and it closes its databases cleanly.
CMD ["node", "--import", "tsx", "sentinel/server.ts"]

# ---------------------------------------------------------------------------------------------
FROM runtime AS ui
COPY --from=build /web-dist /app/ui-web/dist
ENV UI_HOST=0.0.0.0 \
    UI_PORT=5000 \
    UI_DB_URI=sqlite:////app/data/ui.db
EXPOSE 5000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.UI_PORT||5000)+'/api/health',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--import", "tsx", "ui-graphql/server.ts"]
