#!/usr/bin/env bash
# Does a credential flood from one client cost anybody else? Starts the gateway (shipped
# configuration: the failed-credential budget of 60 per minute per client), its Redis, the auth
# service, PostgreSQL and the sample backend on loopback, then measures a cached token's traffic
# from 127.0.0.1 alone and while a second wrk floods the gateway from ::1 (another client address)
# with random well-formed tokens, in interleaved rounds (alone, flood, alone, flood, ...). Prints a
# markdown table: the cached traffic's req/s, p50 and p99 in each state, its p99 difference paired
# per round, and the flood's rate and the auth calls it caused against its budget.
#
#   bench/flood.sh            normal run (~3 min), table also saved to bench/results/<date>-<host>-flood.md
#   bench/flood.sh --quick    smoke run, nothing saved
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
REPO_DIR=$(dirname "$BENCH_DIR")
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

usage() {
  cat <<EOF
Usage: bench/flood.sh [--quick] [--no-build] [--duration S] [--warmup S] [--rounds N] [--connections N]
                      [--flood-connections N] [--flood-rate R]

  --quick                1 s warm-up, one round of 2 s; no results file
  --no-build             use the last Release build in bench/artifacts
  --duration S           seconds per measurement (default 10)
  --warmup S             seconds of warm-up, cached traffic alone and under the flood (default 30)
  --rounds N             interleaved rounds, each: cached alone, cached under the flood (default 5)
  --connections N        wrk connections of the cached traffic (default 32)
  --flood-connections N  connections of the flood (default 64)
  --flood-rate R         the flood's pace, requests per second in all (default 2000; each connection
                         waits flood-connections × 1000 / R ms after each answer)
EOF
}

command_line="bench/flood.sh${*:+ $*}"
quick=0 build=1 duration=10 warmup=30 rounds=5 connections=32 flood_connections=64 flood_rate=2000
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
    --connections) connections=${2:?}; shift ;;
    --flood-connections) flood_connections=${2:?}; shift ;;
    --flood-rate) flood_rate=${2:?}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "Unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
for n in "$duration" "$warmup" "$rounds" "$connections" "$flood_connections" "$flood_rate"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "Options take positive integers, got '$n'." >&2; exit 2; }
done
flood_delay_ms=$((flood_connections * 1000 / flood_rate))
# The shipped failed-credential policy (Gateway.Proxy/appsettings.json).
budget=60 budget_window=60

"$REPO_DIR/scripts/prerequisites.sh" bench
for tool in dotnet wrk redis-server redis-cli taskset curl; do
  command -v "$tool" >/dev/null || die "'$tool' not found (scripts/prerequisites.sh bench installs the packages)."
done
[[ -x "$(postgres_bin_dir)/psql" ]] || die "PostgreSQL not found (scripts/prerequisites.sh bench installs the packages)."
ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/' || die "the flood comes from ::1, which this machine's loopback does not have"

# Both load generators on the client CPU, every server on the other one (bench/lib.sh).
setup_pinning "wrk (cached traffic and flood)"
bench_init

apps=(Gateway.SampleApi Gateway.Proxy Gateway.Auth Gateway.Bench.Report)
if ((build)); then
  build_projects "$REPO_DIR/Gateway.SampleApi/Gateway.SampleApi.csproj" "$REPO_DIR/Gateway.Proxy/Gateway.Proxy.csproj" "$REPO_DIR/Gateway.Auth/Gateway.Auth.csproj" \
    "$BENCH_DIR/Gateway.Bench.Report/Gateway.Bench.Report.csproj"
fi
require_built "${apps[@]}"
# JSON fields and the table are read and computed in C# (bench/Gateway.Bench.Report, on bench/Gateway.Bench.Measure).
report_tool=(dotnet "$(app_dir Gateway.Bench.Report)/Gateway.Bench.Report.dll")

for name in backend redis gateway postgres auth_grpc auth_http; do free_port "${name}_port"; done
redis_password=$(random_secret) postgres_password=$(random_secret) demo_password=$(random_secret)
start_postgres postgres "$postgres_port" "$postgres_password"
start_backend backend "$backend_port"
start_redis redis "$redis_port" "$redis_password"
wait_ready backend "$backend_port" /api/hello "Hello from the sample API"
wait_redis redis "$redis_port" "$redis_password"
wait_postgres postgres "$postgres_port" "$postgres_password" authdb
# The demo users give the bench an admin, to read the gateway's diagnostics (auth calls made).
Auth__Plans__free__RequestsPerWindow=2000000000 Auth__Demo__Password=$demo_password \
  start_auth auth "$auth_grpc_port" "$auth_http_port" "$postgres_port" "$postgres_password" "$redis_port" "$redis_password"
gateway_auth_env=(Gateway__AuthService__Address="http://127.0.0.1:$auth_grpc_port")
log "starting gateway proxy on 127.0.0.1:$gateway_port and [::1]:$gateway_port"
# The shipped configuration (start_gateway, bench/lib.sh), listening on both loopback addresses.
start_gateway gateway "$gateway_port" ASPNETCORE_URLS="http://127.0.0.1:$gateway_port;http://[::1]:$gateway_port"
wait_ready gateway "$gateway_port" /health Healthy
wait_ready auth "$auth_http_port" /health Healthy
sign_up_bench_user "$gateway_port"
response=$(gateway_post_json "$gateway_port" /auth/login <<<"{\"userName\":\"admin\",\"password\":\"$demo_password\"}") || die "admin login failed"
[[ ${response##*$'\n'} == 200 ]] || fail_with_log auth "the admin login answered ${response##*$'\n'}"
admin_header="Authorization: Bearer $("${report_tool[@]}" json accessToken <<<"${response%$'\n'*}")"

# A field of the gateway's diagnostics, read as the admin (authService.validateCalls: ValidateToken calls made).
diagnostic() { # path
  http_get "$gateway_port" /gateway/diagnostics "$admin_header" | "${report_tool[@]}" json "$1"
}

# key=value pairs of a wrk report line (BENCH ... or FLOOD ...) into the associative array named $2.
read_report() { # line array-name
  local pair
  local -n into=$2
  for pair in $1; do
    if [[ $pair =~ ^([a-z0-9_]+)=([0-9]+)$ ]]; then into[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}; fi
  done
}

start_flood() { # seconds
  "${client_pin[@]}" wrk -t1 -c"$flood_connections" -d"$1s" --timeout 5s -s "$BENCH_DIR/flood-report.lua" \
    "http://[::1]:$gateway_port/api/hello" -- "$flood_delay_ms" >"$work_dir/flood.out" 2>&1 &
  client_pid=$!
}
stop_flood() {
  wait "$client_pid" || { cat "$work_dir/flood.out" >&2; die "the flood's wrk failed"; }
  client_pid=
}

# Cached-token traffic from 127.0.0.1 for $1 seconds; fills the array 'cached'.
measure_cached() {
  check_servers
  "${client_pin[@]}" wrk -t1 -c"$connections" -d"$1s" --timeout 2s -s "$BENCH_DIR/wrk-report.lua" -H "$auth_header" \
    "http://127.0.0.1:$gateway_port/api/hello" >"$work_dir/wrk.out" 2>&1 || { cat "$work_dir/wrk.out" >&2; die "wrk failed"; }
  cached=()
  read_report "$(sed -n 's/^BENCH //p' "$work_dir/wrk.out")" cached
  ((${cached[requests]:-0} > 0)) || { cat "$work_dir/wrk.out" >&2; die "no cached request completed"; }
}

rate() { printf '%d' $(($1 * 1000000 / $2)); }            # requests duration-us -> req/s (progress lines only)
ms() { printf '%d.%02d' $(($1 / 1000)) $(($1 % 1000 / 10)); } # us -> ms

results=$work_dir/results.tsv
: >"$results"
declare -A cached flood

log "warm-up: ${warmup} s of cached traffic alone, then ${warmup} s of it under the flood"
measure_cached "$warmup"
flood_started_at=$(date +%s)
flood_calls_before=$(diagnostic authService.validateCalls)
start_flood "$((warmup + 1))"
measure_cached "$warmup"
stop_flood

log "load: $rounds round(s): ${duration} s cached alone, ${duration} s cached under a flood of ~$flood_rate req/s ($flood_connections connections from ::1)"
for ((round = 1; round <= rounds; round++)); do
  measure_cached "$duration"
  printf 'alone\t%s\t%s\t%s\t%s\t%s\t-\t-\t-\t-\t-\n' "$round" "${cached[requests]}" "${cached[duration_us]}" "${cached[p50_us]}" "${cached[p99_us]}" >>"$results"
  log "round $round: alone        $(rate "${cached[requests]}" "${cached[duration_us]}") req/s, p99 $(ms "${cached[p99_us]}") ms"

  # The flood runs from a second before to a second after the measurement.
  calls_before=$(diagnostic authService.validateCalls)
  start_flood "$((duration + 2))"
  sleep 1
  measure_cached "$duration"
  stop_flood
  calls=$(($(diagnostic authService.validateCalls) - calls_before))
  flood=()
  read_report "$(sed -n 's/^FLOOD //p' "$work_dir/flood.out")" flood
  ((${flood[requests]:-0} > 0)) || { cat "$work_dir/flood.out" >&2; die "the flood sent nothing"; }
  printf 'flood\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "${cached[requests]}" "${cached[duration_us]}" "${cached[p50_us]}" "${cached[p99_us]}" \
    "${flood[requests]}" "${flood[duration_us]}" "${flood[s429]}" "$calls" "${flood[s503]}" >>"$results"
  log "round $round: under flood  $(rate "${cached[requests]}" "${cached[duration_us]}") req/s, p99 $(ms "${cached[p99_us]}") ms; flood $(rate "${flood[requests]}" "${flood[duration_us]}") req/s (${flood[s401]} × 401, ${flood[s429]} × 429, ${flood[s503]} × 503, ${flood[other]} other), $calls auth calls"
  # 503: a lookup that got no answer within its deadline (the auth service shares the server core).
  ((flood[other] == 0)) || die "the flood got ${flood[other]} answers other than 401, 429 or 503 (e.g. ${flood[other_status]})"
done

flood_calls_total=$(($(diagnostic authService.validateCalls) - flood_calls_before))
flood_seconds=$(($(date +%s) - flood_started_at))
flood_bound=$((budget + (budget * flood_seconds + budget_window - 1) / budget_window))
breaker=$(diagnostic authService.breakerState)

table=$("${report_tool[@]}" flood-table "$results")

legend="Median of $rounds interleaved round(s) (min–max). Cached-token traffic: wrk -t1 -c$connections from 127.0.0.1, ${duration} s per measurement, \
GET /api/hello with one valid bearer token the gateway holds in its cache. Flood: wrk -t1 -c$flood_connections from ::1 (another client address), \
a fresh random well-formed token (gw_at_ + 43 characters) per request, each connection pausing ${flood_delay_ms} ms after each answer (~$flood_rate req/s), \
from a second before to a second after each measurement. Auth calls: ValidateToken calls the gateway made (its /gateway/diagnostics) while the \
flood ran, per second of the flood. Its budget is the shipped failed-credentials policy, $budget per $budget_window s per client: over the whole run the flood ran \
about $flood_seconds s and caused $flood_calls_total auth calls (the sliding window's bound: $budget + $budget × T / $budget_window = $flood_bound); the auth breaker \
was $breaker at the end. Pinning: $pinning."

printf '\n%s\n\n%s\n' "$table" "$legend"
((flood_calls_total <= flood_bound)) || log "warning: the flood caused $flood_calls_total auth calls, over its bound of $flood_bound"

if ((!quick)); then
  report=$BENCH_DIR/results/$(date -u +%Y-%m-%d)-$(results_host)-flood.md
  mkdir -p "$BENCH_DIR/results"
  {
    echo "# Gateway under a credential flood, $(date -u '+%Y-%m-%d %H:%M UTC'), $(results_host)"
    echo
    common_facts "$command_line"
    echo "| wrk | $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2 || true) |"
    echo "| pinning | $pinning |"
    echo
    echo "$table"
    echo
    echo "$legend"
  } >"$report.tmp"
  mv "$report.tmp" "$report"
  log "saved $report"
fi
