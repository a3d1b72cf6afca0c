# syntax=docker/dockerfile:1
# One image for every Lightwatch service: `docker run lightwatch <service>` (gateway | ingest | query |
# realtime | detector | all). The app runs its TypeScript sources through tsx, a production dependency, so
# there is no compile step: the image holds the sources, the production node_modules and nothing else.

ARG NODE_IMAGE=node:20-bookworm-slim

# --- deps: production dependencies, with the tools to build better-sqlite3's native module -------------------
FROM ${NODE_IMAGE} AS deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# The lockfile pins every version; --omit=dev leaves out the test, lint and codegen tools.
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force
# Fail the build here, not at start-up, when better-sqlite3's native module did not build.
RUN node -e "new (require('better-sqlite3'))(':memory:').close()"

# --- web: the dashboard bundle. Vite is a dev dependency, so this stage installs everything (without install
# scripts: no native module is needed to bundle) and only web/dist goes on to the runtime image.
FROM ${NODE_IMAGE} AS web
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY lib ./lib
COPY web ./web
RUN npm run build:web

# --- runtime: slim Node, no build tools, non-root ------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=8080 \
    DATA_DIR=/data
WORKDIR /app
# Owned by root and read-only to the app user: the process cannot modify its own code or dependencies.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY bin ./bin
COPY cli ./cli
COPY lib ./lib
COPY proto ./proto
COPY gateway ./gateway
COPY ingest ./ingest
COPY query ./query
COPY realtime ./realtime
COPY detector ./detector
COPY --from=web /app/web/dist ./web/dist
# DATA_DIR is only used by `all` (SQLite file); the split services keep their state in Redis and MongoDB.
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8080 50051 50052
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "bin/lightwatch.js"]
CMD ["all"]
