#!/usr/bin/env bash
# Is ValidateToken cheap? Starts a throwaway PostgreSQL, a redis-server and the real Gateway.Auth
# directly on loopback, then loads ValidateToken over real gRPC (h2c) with
# bench/Gateway.Bench.AuthGrpc for a valid access token, a valid API key, an unknown token and a
# malformed credential, and prints a markdown table: req/s, p50, p99, server CPU per call.
#
#   bench/auth-grpc.sh            normal run (~3 min), table also saved to bench/results/<date>-<host>-auth-grpc.md
#   bench/auth-grpc.sh --quick    smoke run (a few seconds of load), nothing saved
#   bench/auth-grpc.sh --baseline main~3
#                                 also builds Gateway.Auth at that git revision and measures both
#                                 builds in the same run, each case back to back (before/after)
#
# Everything it starts is stopped by PID on exit, Ctrl+C or error. See bench/README.md.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
REPO_DIR=$(dirname "$BENCH_DIR")
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

usage() {
  cat <<EOF
Usage: bench/auth-grpc.sh [--quick] [--no-build] [--duration S] [--warmup S] [--rounds N] [--concurrency N] [--baseline REV]

  --quick          smoke mode: 1 s warm-up and one 2 s round per case; no results file
  --no-build       use the last Release build in bench/artifacts
  --duration S     seconds per measurement (default 10)
  --warmup S       seconds of the one warm-up pass per case (default 5)
  --rounds N       interleaved rounds, every case once per round (default 3)
  --concurrency N  calls in flight (default 32)
  --baseline REV   also build Gateway.Auth at git revision REV and measure it in the same run against
                   the same PostgreSQL and Redis: each case runs against both builds back to back in
                   every round, and a second table gives the paired ratios

Environment: BENCH_CLIENT_CPUS / BENCH_SERVER_CPUS override the taskset CPU lists (default 0 and 1).
EOF
}

# --- options --------------------------------------------------------------------------------
command_line="bench/auth-grpc.sh${*:+ $*}"
quick=0 build=1 duration=10 warmup=5 rounds=3 concurrency=32 baseline_ref=
# --quick only changes the defaults, so '--quick --rounds 2' means what it says.
for arg in "$@"; do
  if [[ $arg == --quick ]]; then quick=1 duration=2 warmup=1 rounds=1; fi
done
while (($#)); do
  case $1 in
    --quick) ;;
    --no-build) build=0 ;;
    --duration) duration=${2:?}; shift ;;
    --warmup) warmup=${2:?}; shift ;;
    --rounds) rounds=${2:?}; shift ;;
    --concurrency) concurrency=${2:?}; shift ;;
    --baseline) baseline_ref=${2:?}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "Unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
for n in "$duration" "$warmup" "$rounds" "$concurrency"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "Options take positive integers, got '$n'." >&2; exit 2; }
done

# --- prerequisites ---------------------------------------------------------------------------
"$REPO_DIR/scripts/prerequisites.sh" test
for tool in dotnet redis-server redis-cli taskset getconf; do
  command -v "$tool" >/dev/null || die "'$tool' not found (scripts/prerequisites.sh installs the packages)."
done
[[ -x "$(postgres_bin_dir)/psql" ]] || die "PostgreSQL not found (scripts/prerequisites.sh installs the packages)."

# The load tool is a .NET gRPC client and needs about as much CPU per call as the service: it
# gets its own core (CPU 0), and the service with its PostgreSQL and Redis the other (CPU 1), so
# that the server side's cost per call is measured on a core nothing else of ours uses.
setup_pinning "the load tool"
bench_init

# --- build -----------------------------------------------------------------------------------
if ((build)); then
  build_projects "$REPO_DIR/Gateway.Auth/Gateway.Auth.csproj" "$BENCH_DIR/Gateway.Bench.AuthGrpc/Gateway.Bench.AuthGrpc.csproj"
fi
require_built Gateway.Auth Gateway.Bench.AuthGrpc

# The baseline is built from the revision's own files (git archive), into the work directory.
baseline_dir= baseline_desc=
if [[ -n $baseline_ref ]]; then
  baseline_sha=$(git -C "$REPO_DIR" rev-parse --short --verify "$baseline_ref^{commit}" 2>/dev/null) \
    || die "--baseline: '$baseline_ref' is not a git revision of this repository"
  baseline_desc="$baseline_ref ($baseline_sha)"
  log "building Gateway.Auth at $baseline_desc as the baseline"
  mkdir -p "$work_dir/baseline-src"
  git -C "$REPO_DIR" archive --format=tar "$baseline_sha" | tar -x -C "$work_dir/baseline-src"
  dotnet build "$work_dir/baseline-src/Gateway.Auth/Gateway.Auth.csproj" -c Release --artifacts-path "$work_dir/baseline-artifacts" \
    -nologo -v q >"$work_dir/baseline-build.log" 2>&1 || fail_with_log baseline-build "the baseline did not build"
  baseline_dir=$work_dir/baseline-artifacts/bin/Gateway.Auth/release
fi

# --- servers ---------------------------------------------------------------------------------
free_port postgres_port
free_port redis_port
free_port auth_grpc_port
free_port auth_http_port
postgres_password=$(random_secret)
redis_password=$(random_secret)

start_postgres postgres "$postgres_port" "$postgres_password"
start_redis redis "$redis_port" "$redis_password"
wait_redis redis "$redis_port" "$redis_password"
wait_postgres postgres "$postgres_port" "$postgres_password" authdb
start_auth auth "$auth_grpc_port" "$auth_http_port" "$postgres_port" "$postgres_password" "$redis_port" "$redis_password"
# /health includes the schema check: healthy means migrations ran and the database answers.
wait_ready auth "$auth_http_port" /health Healthy
if [[ -n $baseline_dir ]]; then
  free_port baseline_grpc_port
  free_port baseline_http_port
  start_auth auth-baseline "$baseline_grpc_port" "$baseline_http_port" "$postgres_port" "$postgres_password" "$redis_port" "$redis_password" "$baseline_dir"
  wait_ready auth-baseline "$baseline_http_port" /health Healthy
fi

# --- load ------------------------------------------------------------------------------------
started_at=$(date -u '+%Y-%m-%d %H:%M UTC')
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
tool_args=(--address "http://127.0.0.1:$auth_grpc_port" --duration "$duration" --warmup "$warmup"
  --rounds "$rounds" --concurrency "$concurrency" --server "auth=$pid_auth" --server "postgres=$pid_postgres_server")
if [[ -n $baseline_dir ]]; then
  tool_args+=(--baseline "http://127.0.0.1:$baseline_grpc_port" --baseline-server "auth=$pid_auth_baseline" --baseline-server "postgres=$pid_postgres_server")
fi
server_cpu=$(server_cpu_number)
[[ -n $server_cpu ]] && tool_args+=(--server-cpu "$server_cpu")
log "load: $concurrency calls in flight, one ${warmup} s warm-up per case, then $rounds round(s) of ${duration} s per case"
# In the background so that a signal reaches the trap at once, not after the measurement.
"${client_pin[@]}" "${dotnet_env[@]}" -C "$(app_dir Gateway.Bench.AuthGrpc)" DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 \
  dotnet Gateway.Bench.AuthGrpc.dll "${tool_args[@]}" >"$work_dir/table.md" &
client_pid=$!
tool_status=0
wait "$client_pid" || tool_status=$?
client_pid=
check_servers
table=$(<"$work_dir/table.md")
[[ -n $table ]] || die "the load tool produced no table (exit code $tool_status)"

printf '\n%s\n' "$table"

if ((!quick)); then
  host=$(results_host)
  report=$BENCH_DIR/results/$(date -u +%Y-%m-%d)-$host-auth-grpc.md
  mkdir -p "$BENCH_DIR/results"
  {
    echo "# Gateway.Auth ValidateToken benchmark, $started_at, $host"
    echo
    common_facts "$command_line"
    echo "| PostgreSQL | $("$(postgres_bin_dir)/postgres" --version | sed 's/^postgres (PostgreSQL) //') (fsync off: throwaway data) |"
    echo "| redis | $(redis-server --version | cut -d' ' -f3) |"
    echo "| pinning | $pinning |"
    [[ -n $baseline_desc ]] && echo "| baseline | Gateway.Auth at $baseline_desc, same PostgreSQL and Redis |"
    echo "| load average at start | $load_before |"
    echo
    echo "$table"
  } >"$report.tmp"
  mv "$report.tmp" "$report"
  log "saved $report"
fi

((tool_status == 0)) || die "the load tool reported errors (exit code $tool_status); see the 'errors' column"
