# Stand-in for node:24-bookworm-slim (see build.sh): Node and npm in
# /usr/local as in the official image, the user node (uid 1000).
ARG BASE
FROM ${BASE}
# the full version, as the official image's NODE_VERSION (e.g. 24.22.3)
ARG NODE_VERSION
LABEL polycomm.node-version=v${NODE_VERSION}
COPY usr/local/ /usr/local/
COPY etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY npmrc /usr/local/etc/npmrc
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && node --version && npm --version
ENV NODE_VERSION=${NODE_VERSION} \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
CMD ["node"]
