#!/usr/bin/env bash
# Cold start: a burst of first requests right after a deploy. Starts PostgreSQL, Redis and the
# auth service, seeds N users (one access token or API key each, on plans far above what they
# send), then restarts the auth service (cold JIT, cold PostgreSQL connections) and starts two
# gateway proxies with the shipped configuration (routes, per-user limits, approximate mode,
# 2 replicas), the topology `./run.sh` starts. The moment every /health says Healthy, the load tool
# sends the users' requests, open loop, each user well under its limit, with no warm-up request,
# and counts every answer that is not 2xx. Prints a table; the issue's bar: nothing refused.
#
#   bench/cold-start.sh             200 users, 200 req/s for 30 s (about 1 request per user per second)
#   bench/cold-start.sh --runs 3    three fresh starts, one line each
#
# Everything it starts is stopped by PID on exit, Ctrl+C or error. See bench/README.md.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
REPO_DIR=$(dirname "$BENCH_DIR")
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

usage() {
  cat <<EOF
Usage: bench/cold-start.sh [--no-build] [--users N] [--rate R] [--duration S] [--runs N]

  --no-build    use the last Release build in bench/artifacts
  --users N     users, one credential each, alternating access tokens and API keys (default 200)
  --rate R      requests per second in all, open loop, users chosen uniformly (default 200)
  --duration S  seconds of load after the start (default 30)
  --runs N      fresh starts of the auth service and the proxies, one table line each (default 1)
EOF
}

build=1 users=200 rate=200 duration=30 runs=1
while (($#)); do
  case $1 in
    --no-build) build=0 ;;
    --users) users=${2:?}; shift ;;
    --rate) rate=${2:?}; shift ;;
    --duration) duration=${2:?}; shift ;;
    --runs) runs=${2:?}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "Unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
for n in "$users" "$rate" "$duration" "$runs"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "Options take positive integers, got '$n'." >&2; exit 2; }
done

"$REPO_DIR/scripts/prerequisites.sh" test
for tool in dotnet redis-server redis-cli taskset getconf; do
  command -v "$tool" >/dev/null || die "'$tool' not found (scripts/prerequisites.sh installs the packages)."
done
setup_pinning "the load tool (Gateway.Bench.Tenants)"
bench_init

if ((build)); then
  build_projects "$REPO_DIR/Gateway.SampleApi/Gateway.SampleApi.csproj" "$REPO_DIR/Gateway.Proxy/Gateway.Proxy.csproj" \
    "$REPO_DIR/Gateway.Auth/Gateway.Auth.csproj" "$BENCH_DIR/Gateway.Bench.Tenants/Gateway.Bench.Tenants.csproj"
fi
require_built Gateway.SampleApi Gateway.Proxy Gateway.Auth Gateway.Bench.Tenants
tenants_tool=(dotnet "$(app_dir Gateway.Bench.Tenants)/Gateway.Bench.Tenants.dll")

for name in backend redis postgres auth_grpc auth_http gw_1 gw_2; do free_port "${name}_port"; done
redis_password=$(random_secret) postgres_password=$(random_secret)
start_postgres postgres "$postgres_port" "$postgres_password"
start_backend backend "$backend_port"
start_redis redis "$redis_port" "$redis_password"
wait_ready backend "$backend_port" /api/hello "Hello from the sample API"
wait_redis redis "$redis_port" "$redis_password"
wait_postgres postgres "$postgres_port" "$postgres_password" authdb

# The first auth service migrates the schema; the users go in; then it stops, so every run starts
# an auth service that has never served a request.
start_auth auth-seed "$auth_grpc_port" "$auth_http_port" "$postgres_port" "$postgres_password" "$redis_port" "$redis_password"
wait_ready auth-seed "$auth_http_port" /health Healthy
seed_dir=$work_dir/seed
# Plans: free 600 and pro 3,000 per 10 s (the tenant workload's); a user here sends about 10 per 10 s.
seed_tenants "$seed_dir" "$users" "" free=600/10@0.8 pro=3000/10@0.2
stop_server() { # name
  local pid_var="pid_${1//-/_}"
  kill -TERM "${!pid_var}" 2>/dev/null || true
  # Our own child: wait reaps it (a zombie would still answer kill -0).
  wait "${!pid_var}" 2>/dev/null || true
}
stop_server auth-seed

results=$work_dir/results.tsv
: >"$results"
for ((run = 1; run <= runs; run++)); do
  # A deploy: the auth service and both proxies start together, nothing has warmed them.
  start_auth "auth-$run" "$auth_grpc_port" "$auth_http_port" "$postgres_port" "$postgres_password" "$redis_port" "$redis_password"
  gateway_auth_env=(Gateway__AuthService__Address="http://127.0.0.1:$auth_grpc_port")
  for replica in 1 2; do
    port_var=gw_${replica}_port
    # The shipped routes and policies (start_gateway disables the limits on /api and /public for
    # run.sh's rows; here they are put back as appsettings.json ships them).
    start_gateway "gw-$run-$replica" "${!port_var}" Gateway__RateLimiting__Replicas=2 \
      ReverseProxy__Routes__api__RateLimiterPolicy=per-user ReverseProxy__Routes__public__RateLimiterPolicy=per-ip
  done
  started_at=$SECONDS
  wait_ready "auth-$run" "$auth_http_port" /health Healthy 90
  wait_ready "gw-$run-1" "$gw_1_port" /health Healthy 90
  wait_ready "gw-$run-2" "$gw_2_port" /health Healthy 90
  ready_after=$((SECONDS - started_at))
  log "run $run: every service healthy ${ready_after} s after the start; load now"
  out=$work_dir/run-$run
  "${client_pin[@]}" "${tenants_tool[@]}" load --url "http://127.0.0.1:$gw_1_port" --url "http://127.0.0.1:$gw_2_port" \
    --credentials "$seed_dir/credentials.csv" --rate "$rate" --duration "$duration" --connections 256 --zipf 0 \
    --anonymous-share 0 --warmup-requests 0 --label "cold start, run $run" >"$out.json" 2>"$out.log" &
  client_pid=$!
  wait "$client_pid" || { cat "$out.log" >&2; die "the load tool failed"; }
  client_pid=
  grep -v '^TENANTS ' "$out.log" >&2 || true
  line=$(sed -n 's/^TENANTS //p' "$out.log")
  [[ -n $line ]] || { cat "$out.log" >&2; die "no summary from the load tool"; }
  declare -A m=()
  for pair in $line; do m[${pair%%=*}]=${pair#*=}; done
  # The proxies' own account of the burst: auth calls, failed calls, the breaker.
  admin_header="Authorization: Bearer $(<"$seed_dir/admin-token")"
  calls=0 errors=0 breaker=
  for replica in 1 2; do
    port_var=gw_${replica}_port
    read -r c e b < <(http_get "${!port_var}" /gateway/diagnostics "$admin_header" \
      | "${tenants_tool[@]}" report json authService.validateCalls authService.errors authService.breakerState)
    [[ $c == - ]] || calls=$((calls + c))
    [[ $e == - ]] || errors=$((errors + e))
    breaker+="$b "
  done
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$run" "$ready_after" "${m[requests]}" "${m[s2xx]}" "${m[s429]}" \
    "$((m[s429_lookup] + m[other]))" "${m[s503]}" "${m[errors]}" "${m[keys_requested]}" "${m[p50_ms]}" "${m[p99_ms]}" "$calls/$errors" "${breaker% }" >>"$results"
  for name in "gw-$run-2" "gw-$run-1" "auth-$run"; do stop_server "$name"; done
done

table=$("${tenants_tool[@]}" report cold-start-table "$results")
legend="Each run: a fresh auth service and two fresh gateway proxies (shipped appsettings.json: per-user limits on /api, approximate mode, Gateway:RateLimiting:Replicas=2) \
started together against a warm PostgreSQL, Redis and backend; load from the moment the auth service's and both proxies' /health said Healthy: $users users \
(one credential each, access tokens and API keys alternating, plans free 600 and pro 3,000 per 10 s), chosen uniformly, $rate req/s in all, open loop for $duration s, \
no warm-up request, alternating over the two proxies. Servers on one core, the load tool on the other ($pinning)."
printf '\n%s\n\n%s\n' "$table" "$legend"
refused=$("${tenants_tool[@]}" report cold-start-refused "$results")
((refused == 0)) || die "$refused request(s) were not answered 2xx"
