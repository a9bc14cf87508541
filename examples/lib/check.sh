# Sourced by each example's check.sh: run from the example's folder after `docker compose up -d`.
# COMPOSE picks the compose command (default: `docker compose`, else `docker-compose`).
set -eu
cd "$(dirname "$0")"
if [ -z "${COMPOSE:-}" ]; then
  if docker compose version >/dev/null 2>&1; then COMPOSE="docker compose"; else COMPOSE=docker-compose; fi
fi

# in <service> <command...>: run a command in a service's container.
in_() { svc=$1; shift; $COMPOSE exec -T "$svc" "$@"; }

# expect <service> <url> <path>=<regex>...: the JSON at url, as the service sees it, has these fields.
expect() { svc=$1; shift; in_ "$svc" node /probe/probe.mjs expect "$@"; }

# eventually <seconds> <command...>: until it succeeds (containers attached by label join a moment
# after they start); its last output is shown if it never does.
eventually() {
  limit=$1; shift; end=$(( $(date +%s) + limit ))
  until out=$("$@" 2>&1); do
    if [ "$(date +%s)" -ge "$end" ]; then echo "$out" >&2; echo "not ok - gave up after ${limit}s: $*" >&2; return 1; fi
    sleep 1
  done
  echo "$out"
}
