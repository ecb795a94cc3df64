#!/usr/bin/env bash
# Runs a host-installed redis-server for the AppHost's executables path.
# Usage: run-redis.sh <port> [--cluster <state-dir> <bus-port>]; the password comes from
# REDIS_PASSWORD (an Aspire secret parameter) and the services' ACL users from REDIS_ACL_USERS (one
# "user <name> <rules>" line each), each one's password from REDIS_ACL_<NAME without "gateway-",
# upper case>_PASSWORD; all written to a private config file so they never show up in the process
# list. With --cluster it runs one node of a Redis Cluster (Infrastructure:RedisTopology=Cluster):
# cluster bus on <bus-port>, its cluster state (nodes.conf) kept in <state-dir>.
set -euo pipefail

usage="usage: run-redis.sh <port> [--cluster <state-dir> <bus-port>]"
port=${1:?$usage}
cluster_state_dir=
if [[ "${2:-}" == --cluster ]]; then
  cluster_state_dir=${3:?$usage}
  cluster_bus_port=${4:?$usage}
elif [[ $# -gt 1 ]]; then
  echo "$usage" >&2
  exit 2
fi
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
if [[ -n "$cluster_state_dir" ]]; then
  # nodes.conf (node id, epoch, peers; no secrets) lives outside the private directory, which goes
  # when redis-server exits: a node restarted from the dashboard rejoins as the node it was (a
  # killed primary comes back as its successor's replica) instead of as an empty stranger.
  mkdir -p "$cluster_state_dir"
  # Loopback: a node silent for 2 s is dead, not slow, and a failover takes seconds. Any replica
  # may take over however long its link was down, since nothing here must survive (above).
  # Replicas authenticate to their primary as the default user, the AppHost's.
  cat >> "$work_dir/redis.conf" <<CONF
cluster-enabled yes
cluster-config-file $cluster_state_dir/nodes.conf
cluster-port $cluster_bus_port
cluster-node-timeout 2000
cluster-replica-validity-factor 0
masterauth "$REDIS_PASSWORD"
CONF
fi
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
