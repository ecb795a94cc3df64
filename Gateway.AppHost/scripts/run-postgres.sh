#!/usr/bin/env bash
# Runs a host-installed PostgreSQL server for the AppHost's executables path.
# Usage: run-postgres.sh <data-dir> <port>
#   POSTGRES_PASSWORD   superuser password (an Aspire secret parameter); used at initdb time only
#   POSTGRES_EPHEMERAL  "true" for throwaway test state: durability off (never for real data)
set -euo pipefail

data_dir=${1:?usage: run-postgres.sh <data-dir> <port>}
port=${2:?usage: run-postgres.sh <data-dir> <port>}
: "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set}"

bin_dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bin_dir" ] || [ ! -x "$bin_dir/postgres" ]; then
  echo "PostgreSQL is not installed. Install it with: sudo apt-get install -y postgresql" >&2
  exit 127
fi

# postgres refuses to run as root: as root, run it as the 'postgres' system user.
as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  as_owner=(setpriv --reuid=postgres --regid=postgres --init-groups)
fi

mkdir -p "$data_dir"
if [ "$(id -u)" -eq 0 ]; then
  chown postgres:postgres "$data_dir"
  # The postgres user must be able to reach the directory through its parents.
  parent=$(dirname "$data_dir")
  while [ "$parent" != "/" ]; do
    chmod o+x "$parent" 2>/dev/null || true
    parent=$(dirname "$parent")
  done
fi
chmod 700 "$data_dir"

if [ ! -s "$data_dir/PG_VERSION" ]; then
  pwfile=$(mktemp "${TMPDIR:-/tmp}/gateway-pgpw.XXXXXX")
  trap 'rm -f "$pwfile"' EXIT
  chmod 600 "$pwfile"
  printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$pwfile"; fi
  "${as_owner[@]}" "$bin_dir/initdb" -D "$data_dir" -U postgres --auth=scram-sha-256 \
    --pwfile="$pwfile" --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
fi

options=(-D "$data_dir" -p "$port" -c listen_addresses=localhost -c unix_socket_directories= -c max_connections=200)
if [ "${POSTGRES_EPHEMERAL:-false}" = "true" ]; then
  options+=(-c fsync=off -c synchronous_commit=off -c full_page_writes=off)
fi

"${as_owner[@]}" "$bin_dir/postgres" "${options[@]}" &
pid=$!
# SIGTERM is a "smart" shutdown that waits for every client to leave; the AppHost stops the
# clients at the same time, so ask for a fast (still clean and durable) shutdown instead.
trap 'kill -INT "$pid" 2>/dev/null || true' TERM INT
status=0
wait "$pid" || status=$?
if kill -0 "$pid" 2>/dev/null; then wait "$pid" || status=$?; fi
exit "$status"
