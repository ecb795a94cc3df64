#!/usr/bin/env bash
# Runs a host-installed redis-server for the AppHost's executables path.
# Usage: run-redis.sh <port>; the password comes from REDIS_PASSWORD (an Aspire secret parameter)
# and the services' ACL users from REDIS_ACL_USERS (one "user <name> <rules>" line each), each
# one's password from REDIS_ACL_<NAME without "gateway-", upper case>_PASSWORD; all written to a
# private config file so they never show up in the process list.
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
while read -r directive name rules; do
  [[ "$directive" == user ]] || continue
  variable="REDIS_ACL_${name#gateway-}_PASSWORD"
  variable=${variable^^}
  password=${!variable:?"$variable must be set for Redis user $name"}
  printf 'user %s %s >%s\n' "$name" "$rules" "$password" >> "$work_dir/redis.conf"
done <<< "${REDIS_ACL_USERS:-}"

redis-server "$work_dir/redis.conf" &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null || true' TERM INT
status=0
wait "$pid" || status=$?
# A signal interrupts the first wait; wait again for redis-server to finish its shutdown.
if kill -0 "$pid" 2>/dev/null; then wait "$pid" || status=$?; fi
exit "$status"
