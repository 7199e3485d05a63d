# source-bitbucket: Airbyte source connector image.
# Build: podman build -t localhost/source-bitbucket:ci .   (or docker build)
# The image holds only the bundled connector (dist/: both bins with zod and undici inside, see
# scripts/build.mjs) and package.json; it needs no node_modules.

# ---- build: the dev toolchain bundles src/ -> dist/ ----
FROM node:24-slim AS build
WORKDIR /build
COPY package.json package-lock.json ./
# esbuild runs from its platform package; no install script is needed.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json spec.json ./
COPY scripts/build.mjs ./scripts/
COPY src ./src
RUN npm run build

# ---- runtime ----
FROM node:24-slim
WORKDIR /airbyte/integration_code
ENV NODE_ENV=production
COPY --from=build --chown=root:root /build/dist ./dist
COPY --chown=root:root package.json ./
# The Airbyte platform reads AIRBYTE_ENTRYPOINT; it must equal the ENTRYPOINT joined by spaces
# (integration_tests/container/smoke.sh checks this).
# --max-semi-space-size=8: V8's young generation grows to its default maximum in any long read and
# stays there; on Node 24 that maximum alone is about 95 MB of a million-commit read's peak memory
# (233 MB against 138 MB: the README's performance section). `npm run bench` runs the connector
# with these same flags.
ENV AIRBYTE_ENTRYPOINT="node --max-semi-space-size=8 /airbyte/integration_code/dist/main.js"
# io.airbyte.version must stay equal to "version" in package.json (a literal, so that the
# container smoke test can compare the two; bump both together).
LABEL io.airbyte.name="airbyte/source-bitbucket" \
      io.airbyte.version="0.1.0"
USER node
ENTRYPOINT ["node", "--max-semi-space-size=8", "/airbyte/integration_code/dist/main.js"]
