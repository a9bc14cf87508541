#!/usr/bin/env bash
# What the tests need, on Debian (make test and CI run this; safe to re-run): the packages
# scripts/test.mjs reports missing (it owns the list), a Docker daemon, and node_modules as the lock
# says. Root, or sudo, only when something has to be installed or started.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else echo "test-prereqs: needs root to run: $*" >&2; exit 1
  fi
}

read -r -a need <<<"$(node scripts/test.mjs --missing-packages)"
if [ ${#need[@]} -gt 0 ]; then
  echo "test-prereqs: installing ${need[*]}"
  as_root apt-get update -qq
  as_root apt-get install -y -qq "${need[@]}" >/dev/null
fi

if ! docker version >/dev/null 2>&1; then
  # A DOCKER_HOST elsewhere is not ours to start.
  [ -z "${DOCKER_HOST:-}" ] || { echo "test-prereqs: DOCKER_HOST=$DOCKER_HOST does not answer" >&2; exit 1; }
  log=/var/log/dockerd-test.log
  if pidof dockerd >/dev/null 2>&1 || pgrep -x dockerd >/dev/null 2>&1; then
    echo "test-prereqs: waiting for the running dockerd"
  else
    echo "test-prereqs: starting dockerd (log: $log)"
    as_root sh -c "nohup dockerd >$log 2>&1 &"
  fi
  for _ in $(seq 1 60); do docker version >/dev/null 2>&1 && break; sleep 1; done
  docker version >/dev/null 2>&1 || { echo "test-prereqs: dockerd did not answer within 60 s" >&2; as_root tail -50 "$log" >&2 || true; exit 1; }
fi
docker version --format 'test-prereqs: Docker Engine {{.Server.Version}} (API {{.Server.APIVersion}})'

# npm ci when node_modules is missing or older than the lock (npm writes its own copy last).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
