# HummDesk in one image: the API serving the agent web app (HUMMDESK_ROLE=all, the default, or
# api), a job worker (HUMMDESK_ROLE=worker), and the README's npm commands, which run the built
# files at once: `npm run migrate:status`, `npm run seed`, `npm run queue:monitor`, `npm run
# migrate`, `npm run worker`. The image's package.json is the repository's with those scripts
# minus their `npm run build &&` (deploy/image-package-json.mjs): no TypeScript sources.
# Not built in CI (no Docker engine there); `npm run cluster` runs the same topology natively
# and is what the tests exercise.

# The server, then the web app (whose API types are generated from the built server), then the
# website chat widget (one script the server serves at /widget.js).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps/server/package.json apps/server/
COPY apps/web/package.json apps/web/
COPY apps/widget/package.json apps/widget/
RUN npm ci --no-audit --no-fund
COPY apps/server apps/server
COPY apps/web apps/web
COPY apps/widget apps/widget
COPY deploy/image-package-json.mjs deploy/
RUN npm run build && node deploy/image-package-json.mjs package.json > image-package.json

# The server's production dependencies alone: the web app's and the widget's are bundled into their dist/.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps/server/package.json apps/server/
COPY apps/web/package.json apps/web/
COPY apps/widget/package.json apps/widget/
RUN npm ci --omit=dev --workspace=@hummdesk/server --no-audit --no-fund

FROM node:20-bookworm-slim
# MALLOC_ARENA_MAX: two malloc arenas rather than one per thread that allocates, which keep what
# was freed in them (README, Memory); glibc reads it before Node starts.
ENV NODE_ENV=production PORT=5000 HUMMDESK_DATA_DIR=/data NPM_CONFIG_UPDATE_NOTIFIER=false MALLOC_ARENA_MAX=2
WORKDIR /app
# node_modules, and apps/server/node_modules for the packages the server needs in another version.
COPY --from=deps /app ./
COPY --from=build /app/image-package.json package.json
COPY --from=build /app/apps/server/dist apps/server/dist
COPY --from=build /app/apps/server/drizzle apps/server/drizzle
COPY --from=build /app/apps/server/src/platform/ai/data apps/server/src/platform/ai/data
COPY --from=build /app/apps/web/dist apps/web/dist
COPY --from=build /app/apps/widget/dist apps/widget/dist
COPY deploy/healthcheck.mjs deploy/
# The embedded database and the generated JWT secret, when DATABASE_URL / JWT_SECRET are unset:
# mount a volume here (`-v hummdesk-data:/data`) to keep them.
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 5000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s CMD ["node", "deploy/healthcheck.mjs"]
CMD ["node", "apps/server/dist/main.js"]
