# berth's image: `berth trigger serve` for `berth install --print --with-trigger-server`, or any
# berth command (ENTRYPOINT is berth). Build from the repository root:
#   docker build -t registry.example.com:5000/platform/berth:1.4.0 .
# BASE_IMAGE is any image with Node.js 20 (node, npm, a POSIX shell); the default is Docker Hub's.
ARG BASE_IMAGE=node:20-bookworm-slim

# 1. Dependencies, from the lockfile only (cached until package*.json change).
FROM ${BASE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts

# 2. Build (tsc, bundle, oclif manifest), then drop the development dependencies.
COPY tsconfig.json ./
COPY bin ./bin
COPY scripts ./scripts
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund --ignore-scripts

# 3. Runtime: the built CLI and its production dependencies, as an unprivileged user.
FROM ${BASE_IMAGE}
ENV NODE_ENV=production BERTH_HOME=/var/lib/berth
WORKDIR /app
COPY --from=build /src/package.json /src/oclif.manifest.json ./
COPY --from=build /src/bin ./bin
COPY --from=build /src/dist ./dist
COPY --from=build /src/node_modules ./node_modules
RUN mkdir -p /var/lib/berth && chown 10001:10001 /var/lib/berth
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["node", "/app/bin/run.js"]
CMD ["trigger", "serve", "--host", "0.0.0.0", "--port", "8080"]
