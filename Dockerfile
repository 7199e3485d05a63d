# source-bitbucket: Airbyte source connector image.
# Build: podman build -t localhost/source-bitbucket:ci .   (or docker build)
# The image holds only the compiled connector (dist/), its production dependencies
# (zod, undici) and package.json; stream schemas are compiled into dist/.

# ---- build: full dev toolchain, compile src/ -> dist/ ----
FROM node:24-slim AS build
WORKDIR /build
COPY package.json package-lock.json ./
# tsc needs no install scripts (this skips e.g. esbuild's postinstall, used only by tsx).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---- deps: production-only node_modules ----
FROM node:24-slim AS deps
WORKDIR /build
COPY package.json package-lock.json ./
# (npm's cache stays in this stage; only node_modules reaches the final image.)
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# ---- runtime ----
FROM node:24-slim
WORKDIR /airbyte/integration_code
ENV NODE_ENV=production
COPY --from=deps --chown=root:root /build/node_modules ./node_modules
COPY --from=build --chown=root:root /build/dist ./dist
COPY --chown=root:root package.json ./
# The Airbyte platform reads AIRBYTE_ENTRYPOINT; it must equal the ENTRYPOINT joined by spaces
# (integration_tests/container/smoke.sh checks this).
ENV AIRBYTE_ENTRYPOINT="node /airbyte/integration_code/dist/main.js"
# io.airbyte.version must stay equal to "version" in package.json (a literal, so that the
# container smoke test can compare the two; bump both together).
LABEL io.airbyte.name="airbyte/source-bitbucket" \
      io.airbyte.version="0.1.0"
USER node
ENTRYPOINT ["node", "/airbyte/integration_code/dist/main.js"]
