#!/usr/bin/env bash
# A Docker engine for the docker/compose tests, set up once per run (CI's
# .ci/run, or the docker project's vitest global setup): as root, installs
# Debian's docker.io, docker-compose (1.29) and debootstrap when missing
# (apt-get update once), then starts dockerd when no engine answers.
# `engine.sh --no-install` (the global setup: tests never install; .ci/run
# owns installs) only starts dockerd, and exits 3 when a package is missing.
# Exit 0: `docker info` answers. Exit 3: cannot be had here (not root, no apt,
# or missing with --no-install).
set -euo pipefail
engine_up() { docker info >/dev/null 2>&1; }
# The dockerd this script started (nothing else is ever stopped): `engine.sh stop`
# ends it once the tests are done, so a run leaves no daemon behind.
MARKER=/run/polycomm-test-dockerd.pid
if [ "${1:-}" = stop ]; then
  [ -f "$MARKER" ] || exit 0
  pid=$(cat "$MARKER")
  rm -f "$MARKER"
  kill "$pid" 2>/dev/null || exit 0
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.5; done
  echo "dockerd ($pid) did not stop within 30 s" >&2
  exit 1
fi
if command -v docker >/dev/null && engine_up && command -v docker-compose >/dev/null && command -v debootstrap >/dev/null; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then echo "no Docker engine, and not root: cannot install or start one" >&2; exit 3; fi
need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v docker-compose >/dev/null || need+=(docker-compose)
command -v debootstrap >/dev/null || need+=(debootstrap)
if [ ${#need[@]} -gt 0 ] && [ "${1:-}" = --no-install ]; then
  echo "${need[*]} not installed (apt-get install ${need[*]}; .ci/run installs them)" >&2
  exit 3
fi
if [ ${#need[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || { echo "no Docker engine and no apt-get to install ${need[*]}" >&2; exit 3; }
  echo "docker tests: apt-get install ${need[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
if ! engine_up; then
  echo "docker tests: starting dockerd (log: /var/log/polycomm-dockerd.log)"
  # setsid: the daemon outlives the shell that started it (the test run)
  setsid nohup dockerd >/var/log/polycomm-dockerd.log 2>&1 </dev/null &
  echo $! > "$MARKER"
  for _ in $(seq 1 60); do engine_up && break; sleep 0.5; done
  engine_up || { tail -n 20 /var/log/polycomm-dockerd.log >&2; echo "dockerd did not start" >&2; exit 1; }
fi
