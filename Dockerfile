# Dogan runtime (and the marketplace registry: same image, another command). Two stages: the build
# stage has the compilers that better-sqlite3 and isolated-vm need; the runtime stage has none of them.
#
#   docker build -t dogan .
#   docker run -p 3000:3000 -e DOGAN_ADMIN_TOKEN=... dogan          # embedded SQLite in the volume
#   docker compose up                                                # PostgreSQL, NATS, two nodes, LB, registry

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
# node-gyp builds the native modules here: python3, make and a C++ compiler. Headers come from the
# image's own Node (nodedir), and build_from_source makes prebuild-install step aside instead of
# downloading a prebuilt binary: better-sqlite3 and isolated-vm are compiled for this Node and libc.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
ENV npm_config_nodedir=/usr/local \
    npm_config_build_from_source=true \
    NODE_OPTIONS=--no-node-snapshot \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
WORKDIR /app
# Every workspace's sources are needed before `npm ci`: its `prepare` script compiles them to dist/.
COPY . .
# Native modules are built from source for this image's Node and libc, never taken from the host.
# `npm ci` compiles every package to dist/ (its prepare step needs the dev dependencies: TypeScript for
# the declarations); then they go: the platform runs dist/ with plain node and loads no compiler.
RUN npm ci \
 && node -e "require('better-sqlite3'); require('isolated-vm'); console.log('native modules load')" \
 && test -f plugins/distribution/dist/cli/dogan.js \
 && test -f marketplace-registry/dist/cli.js \
 && npm prune --omit=dev \
 && rm -rf /root/.npm

FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="Dogan" \
      org.opencontainers.image.description="Multi-tenant SaaS platform runtime: plugins, a database per tenant, sandboxed marketplace modules"
WORKDIR /app
# The code stays owned by root (the process cannot change it); only the data folders are the node user's.
COPY --from=build /app /app
RUN mkdir -p /var/lib/dogan /var/lib/dogan-registry \
 && chown node:node /var/lib/dogan /var/lib/dogan-registry
# isolated-vm needs --no-node-snapshot on Node 20; in NODE_OPTIONS it also reaches `dogan` commands run
# with `docker exec` (`dogan tenant list`: the workspace's bin is on PATH). The sandbox hosts are
# started with it by the runtime itself.
ENV NODE_OPTIONS=--no-node-snapshot \
    HOST=0.0.0.0 \
    PORT=3000 \
    DOGAN_DATA_DIR=/var/lib/dogan \
    REGISTRY_HOST=0.0.0.0 \
    REGISTRY_PORT=4873 \
    REGISTRY_DATA_DIR=/var/lib/dogan-registry \
    PATH=/app/node_modules/.bin:$PATH
USER node
VOLUME ["/var/lib/dogan"]
EXPOSE 3000
# Ready means: plugins loaded, the control plane and the services it needs answering (503 otherwise).
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM drains in-flight requests, stops the sandbox hosts and exits 0 (run with --init, or
# `init: true` in compose, so that a process reaps what it does not).
# As `npm start` runs it (see the README's "Running in production"), without npm in front.
CMD ["node", "--no-node-snapshot", "--enable-source-maps", "plugins/distribution/dist/cli/dogan.js", "start"]
