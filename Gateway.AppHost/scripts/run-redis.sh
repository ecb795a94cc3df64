#!/usr/bin/env bash
# Runs a host-installed redis-server for the AppHost's executables path.
# Usage: run-redis.sh <port>; the password comes from REDIS_PASSWORD (an Aspire secret parameter),
# written to a private config file so it never shows up in the process list.
set -euo pipefail

port=${1:?usage: run-redis.sh <port>}
: "${REDIS_PASSWORD:?REDIS_PASSWORD must be set}"

if ! command -v redis-server >/dev/null 2>&1; then
  echo "redis-server is not installed. Install it with: sudo apt-get install -y redis-server" >&2
  exit 127
fi

umask 077
work_dir=$(mktemp -d "${TMPDIR:-/tmp}/gateway-redis.XXXXXX")
cleanup() { rm -rf "$work_dir"; }
trap cleanup EXIT

# Redis only carries state that may be lost (rate-limit windows, cache invalidations, metrics
# fan-out), so persistence is off.
cat > "$work_dir/redis.conf" <<CONF
port $port
bind 127.0.0.1 -::1
protected-mode yes
requirepass "$REDIS_PASSWORD"
save ""
appendonly no
dir $work_dir
CONF

redis-server "$work_dir/redis.conf" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null || true' TERM INT
status=0
wait "$pid" || status=$?
# A signal interrupts the first wait; wait again for redis-server to finish its shutdown.
if kill -0 "$pid" 2>/dev/null; then wait "$pid" || status=$?; fi
exit "$status"
