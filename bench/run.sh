#!/usr/bin/env bash
# What does the gateway cost? Starts the sample backend, nginx, a bare YARP host and the real
# gateway proxy (with its Redis, and for the authenticated rows PostgreSQL and the auth service)
# directly on loopback, loads each with wrk in interleaved rounds and prints a markdown table:
# req/s, p50, p99, ratios to bare YARP and nginx, server CPU per request.
#
#   bench/run.sh            normal run (~7 min), table also saved to bench/results/<date>-<host>.md
#   bench/run.sh --quick    smoke run (a few seconds of load), nothing saved
#
# Everything it starts is stopped by PID on exit, Ctrl+C or error. See bench/README.md.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
REPO_DIR=$(dirname "$BENCH_DIR")
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

# Every row, in the order of each interleaved round.
# Rows named <row>@<protocol> are measured with h2load instead of wrk, over HTTPS with HTTP/1.1
# (h1tls) or HTTP/2 by ALPN (h2tls), or as gRPC unary calls (grpc: the sample Greeter's SayHello,
# directly over h2c or through the gateway over HTTPS); their ratios compare with bare YARP over
# the same protocol.
all_rows="direct nginx yarp gateway-anon gateway-anon-nometrics gateway-auth gateway-rl-strict gateway-rl-batched gateway-rl-approximate yarp@h1tls gateway-rl-approximate@h1tls yarp@h2tls gateway-rl-approximate@h2tls direct@grpc gateway-rl-approximate@grpc"

usage() {
  cat <<EOF
Usage: bench/run.sh [--quick] [--no-build] [--duration S] [--warmup S] [--settle S] [--rounds N] [--connections N] [--rows LIST]

  --quick          smoke mode: 1 s warm-up passes and one 1 s round per target; no results file
  --no-build       use the last Release build in bench/artifacts
  --duration S     seconds per measurement (default 8)
  --warmup S       seconds of each of the two warm-up passes over the targets (default 8)
  --settle S       at most this many seconds more of warm-up per target, in ${settle_window} s passes, until
                   its .NET servers' JIT has settled (default 180; none with --quick)
  --rounds N       interleaved rounds, every target once per round (default 5)
  --connections N  wrk connections (default 32)
  --rows LIST      comma-separated rows to measure (default all: ${all_rows// /,});
                   only the servers those rows need are built and started

Environment: BENCH_CLIENT_CPUS / BENCH_SERVER_CPUS override the taskset CPU lists (default 0 and 1).
EOF
}

# --- options --------------------------------------------------------------------------------
command_line="bench/run.sh${*:+ $*}"
quick=0 build=1 duration=8 warmup=8 settle=180 rounds=5 connections=32 rows=${all_rows// /,}
# --quick only changes the defaults, so '--quick --rounds 2' means what it says.
for arg in "$@"; do
  if [[ $arg == --quick ]]; then quick=1 duration=1 warmup=1 rounds=1; fi
done
while (($#)); do
  case $1 in
    --quick) ;;
    --no-build) build=0 ;;
    --duration) duration=${2:?}; shift ;;
    --warmup) warmup=${2:?}; shift ;;
    --settle) settle=${2:?}; shift ;;
    --rounds) rounds=${2:?}; shift ;;
    --connections) connections=${2:?}; shift ;;
    --rows) rows=${2:?}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "Unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
for n in "$duration" "$warmup" "$settle" "$rounds" "$connections"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "Options take positive integers, got '$n'." >&2; exit 2; }
done
selected=" "
for row in ${rows//,/ }; do
  [[ " $all_rows " == *" $row "* ]] || { echo "Unknown row '$row' (rows: ${all_rows// /,})." >&2; exit 2; }
  selected+="$row "
done
[[ -n ${selected// /} ]] || { echo "--rows names no row." >&2; exit 2; }
# What to build and start: only what the selected rows need (the backend always).
wants() { [[ $selected == *" $1 "* ]]; }
wants_gateway() { wants gateway-anon || wants gateway-anon-nometrics || wants_auth; }
# A rate limited gateway in mode $1 serves the row of that mode and its rows over TLS.
wants_rl() { [[ $selected == *" gateway-rl-$1 "* || $selected == *" gateway-rl-$1@"* ]]; }
wants_tls() { [[ $selected == *"@h1tls "* || $selected == *"@h2tls "* || $selected == *" gateway-rl-approximate@grpc "* ]]; }
wants_grpc() { [[ $selected == *"@grpc "* ]]; }
wants_bare_yarp() { wants yarp || wants yarp@h1tls || wants yarp@h2tls; }
# Rows that need the auth service, PostgreSQL and a signed-up user with a token.
wants_auth() { wants gateway-auth || wants_rl strict || wants_rl batched || wants_rl approximate; }

# --- prerequisites ---------------------------------------------------------------------------
"$REPO_DIR/scripts/prerequisites.sh" bench
for tool in dotnet nginx wrk h2load openssl redis-server redis-cli taskset getconf; do
  command -v "$tool" >/dev/null || die "'$tool' not found (scripts/prerequisites.sh bench installs the packages)."
done
if wants_auth; then
  command -v curl >/dev/null || die "'curl' not found (apt-get install curl); the authenticated row signs up through it."
  [[ -x "$(postgres_bin_dir)/psql" ]] || die "PostgreSQL not found (scripts/prerequisites.sh bench installs the packages)."
fi

# --- pinning ---------------------------------------------------------------------------------
# Two cores: wrk alone on CPU 0, every server process on CPU 1. The load generator then never
# steals time from what is measured, and each proxy gets exactly one core, as nginx's single worker
# does, so req/s compares work per request rather than how many threads a runtime can spread over
# (a proxied row's backend shares that core: see bench/README.md).
setup_pinning wrk

# --- process bookkeeping and loopback helpers: bench/lib.sh ----------------------------------
bench_init

# --- build -----------------------------------------------------------------------------------
apps=(Gateway.SampleApi Gateway.Bench.Report)
wants_bare_yarp && apps+=(Gateway.Bench.BareYarp)
wants_gateway && apps+=(Gateway.Proxy)
wants_auth && apps+=(Gateway.Auth)
if ((build)); then
  projects=()
  for app in "${apps[@]}"; do
    if [[ -d $BENCH_DIR/$app ]]; then projects+=("$BENCH_DIR/$app/$app.csproj"); else projects+=("$REPO_DIR/$app/$app.csproj"); fi
  done
  build_projects "${projects[@]}"
fi
require_built "${apps[@]}"
# The figures of each measurement and the report are computed in C# (bench/Gateway.Bench.Report, on
# the shared bench/Gateway.Bench.Measure); bash only starts processes and reads counters.
report_tool=(dotnet "$(app_dir Gateway.Bench.Report)/Gateway.Bench.Report.dll")

# --- servers ---------------------------------------------------------------------------------
# Runtime settings shared by every .NET process (dotnet_env, dotnet_settings): see bench/lib.sh.
free_port backend_port
wants nginx && free_port nginx_port
wants_bare_yarp && free_port yarp_port
wants_grpc && free_port backend_grpc_port
if wants_tls; then
  free_port yarp_tls_port
  free_port gateway_tls_port
  # A throwaway self-signed certificate for the TLS rows (h2load does not verify it).
  mkdir -p "$work_dir/tls"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout "$work_dir/tls/key.pem" -out "$work_dir/tls/cert.pem" 2>/dev/null \
    || die "openssl could not create the benchmark's certificate"
fi
if wants_gateway; then
  free_port redis_port
  free_port gateway_port
  wants gateway-anon-nometrics && free_port gateway_nometrics_port
  for mode in strict batched approximate; do
    if wants_rl "$mode"; then free_port "gateway_rl_${mode}_port"; fi
  done
  redis_password=$(random_secret)
fi
if wants_auth; then
  free_port postgres_port
  free_port auth_grpc_port
  free_port auth_http_port
  postgres_password=$(random_secret)
  # First: initdb takes a few seconds, while the other servers start.
  start_postgres postgres "$postgres_port" "$postgres_password"
fi

backend_grpc=()
if wants_grpc; then
  # The sample API's gRPC service on an h2c listener of its own, as the AppHost serves it; one
  # SayHello{name:"bench"} request as a gRPC message (uncompressed, 7-byte length prefix).
  backend_grpc=(Kestrel__Endpoints__http__Url="http://127.0.0.1:$backend_port" Kestrel__Endpoints__http__Protocols=Http1
    Kestrel__Endpoints__grpc__Url="http://127.0.0.1:$backend_grpc_port" Kestrel__Endpoints__grpc__Protocols=Http2)
  printf '\x00\x00\x00\x00\x07\x0a\x05bench' >"$work_dir/say-hello.grpc"
fi
start_backend backend "$backend_port" "${backend_grpc[@]}"

if wants nginx; then
  log "starting nginx on 127.0.0.1:$nginx_port"
  mkdir -p "$work_dir/nginx"
  nginx_user=
  # Started as root, nginx would drop its worker to 'nobody', which cannot enter this private
  # temporary directory (and Debian has no 'nobody' group); keep the invoking user instead.
  if ((EUID == 0)); then nginx_user="user $(id -un) $(id -gn);"; fi
  cat >"$work_dir/nginx/nginx.conf" <<EOF
$nginx_user
worker_processes 1;
daemon off;
pid $work_dir/nginx/nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
  # Kestrel keeps no access log and no per-connection request cap either.
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $work_dir/nginx/client_body;
  proxy_temp_path $work_dir/nginx/proxy;
  fastcgi_temp_path $work_dir/nginx/fastcgi;
  uwsgi_temp_path $work_dir/nginx/uwsgi;
  scgi_temp_path $work_dir/nginx/scgi;
  upstream backend {
    server 127.0.0.1:$backend_port;
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:$nginx_port;
    server_tokens off;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
EOF
  start_server nginx "${server_pin[@]}" nginx -p "$work_dir/nginx" -c "$work_dir/nginx/nginx.conf" -e stderr
fi

if wants_bare_yarp; then
  yarp_tls=()
  # Kestrel's own default-certificate settings: bare YARP has none of the gateway's.
  wants_tls && yarp_tls=(ASPNETCORE_URLS="http://127.0.0.1:$yarp_port;https://127.0.0.1:$yarp_tls_port"
    Kestrel__Certificates__Default__Path="$work_dir/tls/cert.pem" Kestrel__Certificates__Default__KeyPath="$work_dir/tls/key.pem")
  start_bare_yarp yarp "$yarp_port" "$backend_port" "${yarp_tls[@]}"
fi

# One password-protected Redis shared by the proxy and the auth service, as under the AppHost
# (revocations travel through it).
wants_gateway && start_redis redis "$redis_port" "$redis_password"

wait_ready backend "$backend_port" /api/hello "Hello from the sample API"
wants_gateway && wait_redis redis "$redis_port" "$redis_password"

gateway_auth_env=()
if wants_auth; then
  wait_postgres postgres "$postgres_port" "$postgres_password" authdb
  # The bench user's plan ('free', every new user's) gets a limit no run can reach, so the rate
  # limited rows measure what limiting costs, not rejections (wrk counts a 429 as failed). Plans
  # are applied when the auth service starts; the window stays 60 s.
  Auth__Plans__free__RequestsPerWindow=2000000000 Auth__Plans__free__WindowSeconds=60 \
    start_auth auth "$auth_grpc_port" "$auth_http_port" "$postgres_port" "$postgres_password" "$redis_port" "$redis_password"
  gateway_auth_env=(Gateway__AuthService__Address="http://127.0.0.1:$auth_grpc_port")
fi

# The rate limited rows: gateways of their own (start_rl_gateway, bench/lib.sh).
rl_modes=()
for mode in strict batched approximate; do
  if wants_rl "$mode"; then rl_modes+=("$mode"); fi
done

if wants_gateway; then
  log "starting gateway proxy on 127.0.0.1:$gateway_port"
  # The shipped configuration plus what the AppHost would inject: start_gateway, bench/lib.sh.
  start_gateway gateway "$gateway_port"
  # The same gateway with per-request recording switched off (metrics, dashboard snapshots,
  # request log): the anonymous row against it shows what recording costs.
  if wants gateway-anon-nometrics; then
    log "starting gateway proxy without request metrics on 127.0.0.1:$gateway_nometrics_port"
    start_gateway gateway-nometrics "$gateway_nometrics_port" Gateway__Telemetry__Enabled=false
  fi
  for mode in "${rl_modes[@]}"; do
    gateway_tls=()
    # The default mode's gateway also listens on HTTPS (HTTP/1.1 and HTTP/2 by ALPN), with the
    # gateway's own certificate settings (Gateway:Tls), for the TLS rows.
    if [[ $mode == approximate ]] && wants_tls; then
      gateway_tls=(ASPNETCORE_URLS="http://127.0.0.1:$gateway_rl_approximate_port;https://127.0.0.1:$gateway_tls_port"
        Gateway__Tls__CertificatePath="$work_dir/tls/cert.pem" Gateway__Tls__KeyPath="$work_dir/tls/key.pem")
    fi
    start_rl_gateway "$mode" "${gateway_tls[@]}"
  done
fi

wants nginx && wait_ready nginx "$nginx_port" /api/hello "Hello from the sample API"
wants_bare_yarp && wait_ready yarp "$yarp_port" /api/hello "Hello from the sample API"
# /health covers the proxy's Redis connection (password included).
wants_gateway && wait_ready gateway "$gateway_port" /health Healthy
wants gateway-anon-nometrics && wait_ready gateway-nometrics "$gateway_nometrics_port" /health Healthy
for mode in "${rl_modes[@]}"; do
  port_var=gateway_rl_${mode}_port
  wait_ready "gateway-rl-$mode" "${!port_var}" /health Healthy
done

if wants gateway-anon || wants gateway-anon-nometrics; then
  find_anon_path "$gateway_port"
fi

if wants_auth; then
  # /health is healthy once the schema is migrated.
  wait_ready auth "$auth_http_port" /health Healthy
  # A user of its own, signed up through the gateway; sets auth_header (bench/lib.sh).
  sign_up_bench_user "$gateway_port"
  for mode in "${rl_modes[@]}"; do
    port_var=gateway_rl_${mode}_port
    check_rl_route "${!port_var}" "$mode"
  done
fi

# h2load sees only the HTTP status, which is 200 for a failed gRPC call too: one call per gRPC
# row first, whose grpc-status (a trailer, in curl's header dump) must be 0.
check_grpc_call() { # name url [header]
  local -a args=(-sS --max-time 10 -o /dev/null -D - -H "content-type: application/grpc" -H "te: trailers" --data-binary "@$work_dir/say-hello.grpc")
  [[ $2 == https://* ]] && args+=(--http2 -k) || args+=(--http2-prior-knowledge)
  [[ -n ${3:-} ]] && args+=(-H "$3")
  grep -qi '^grpc-status: 0' <<<"$(curl "${args[@]}" "$2" 2>&1 || true)" || fail_with_log "$1" "a gRPC SayHello call to $2 did not end with grpc-status 0"
}
wants direct@grpc && check_grpc_call backend "http://127.0.0.1:$backend_grpc_port/gateway.sample.v1.Greeter/SayHello"
wants gateway-rl-approximate@grpc && check_grpc_call gateway-rl-approximate "https://127.0.0.1:$gateway_tls_port/gateway.sample.v1.Greeter/SayHello" "$auth_header"

# Every process of ours on the server core, to tell our CPU use from other processes'.
all_server_pids=()
for entry in "${started[@]}"; do all_server_pids+=("${entry%%:*}"); done

if wants nginx; then
  # nginx's CPU is its master plus the worker it forked.
  nginx_pids=$pid_nginx
  if children=$(cat "/proc/$pid_nginx/task/$pid_nginx/children" 2>/dev/null) && [[ -n ${children// /} ]]; then
    nginx_pids+=" $children"
  else
    nginx_pids+=" $(ps -o pid= --ppid "$pid_nginx" | tr '\n' ' ')"
  fi
  read -r -a nginx_workers <<<"${nginx_pids#"$pid_nginx"}"
  all_server_pids+=("${nginx_workers[@]}")
fi

# The /proc/stat line of the server core, when the servers are pinned to a single CPU.
server_cpu_line=
if [[ -n $(server_cpu_number) ]]; then
  server_cpu_line="cpu$(server_cpu_number)"
fi
core_busy_ticks() {
  [[ -n $server_cpu_line ]] || { printf 0; return; }
  awk -v cpu="$server_cpu_line" '$1 == cpu { printf "%d", $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat
}

# --- rows ------------------------------------------------------------------------------------
# One row per measured target, in the order of each interleaved round. A row names the processes
# whose CPU it is charged with; the backend's CPU is reported in its own column.
# The .NET servers a row's requests pass through (their JIT logs tell when the row is warm) are
# the server its URL names plus the backend behind it (just the backend for the direct row).
row_keys=() row_labels=() row_urls=() row_pids=() row_headers=() row_servers=()
add_row() { # key label url "pids" server [header]
  local servers="$5 backend"
  [[ $5 == backend ]] && servers=backend
  row_keys+=("$1") row_labels+=("$2") row_urls+=("$3") row_pids+=("$4") row_servers+=("$servers") row_headers+=("${6:-}")
}
wants direct && add_row direct "backend direct" "http://127.0.0.1:$backend_port/api/hello" "$pid_backend" backend
wants nginx && add_row nginx "nginx (1 worker, keepalive upstream)" "http://127.0.0.1:$nginx_port/api/hello" "$nginx_pids" nginx
wants yarp && add_row yarp "bare YARP" "http://127.0.0.1:$yarp_port/api/hello" "$pid_yarp" yarp
wants gateway-anon && add_row gateway-anon "gateway, anonymous route ($gateway_anon_path), no rate limit" \
  "http://127.0.0.1:$gateway_port$gateway_anon_path" "$pid_gateway $pid_redis_server" gateway
wants gateway-anon-nometrics && add_row gateway-anon-nometrics "same, request metrics off (Gateway:Telemetry:Enabled=false)" \
  "http://127.0.0.1:$gateway_nometrics_port$gateway_anon_path" "$pid_gateway_nometrics $pid_redis_server" gateway-nometrics
# Charged with the auth service and PostgreSQL as well: with the token cached they should cost
# nothing per request, and the column shows whether they do.
wants gateway-auth && add_row gateway-auth "gateway, authenticated (cached token), no rate limit" \
  "http://127.0.0.1:$gateway_port/api/hello" "$pid_gateway $pid_redis_server $pid_auth $pid_postgres_server" gateway "$auth_header"
# The full chain: cached token, per-user rate limit in Redis, metrics.
# (Their gateways are the main one with a per-user policy on /api: the same request as the
# cached-token row.)
wants gateway-rl-strict && add_row gateway-rl-strict "gateway, authenticated + rate limited (strict)" \
  "http://127.0.0.1:${gateway_rl_strict_port:-}/api/hello" "${pid_gateway_rl_strict:-} $pid_redis_server $pid_auth $pid_postgres_server" gateway-rl-strict "$auth_header"
wants gateway-rl-batched && add_row gateway-rl-batched "gateway, authenticated + rate limited (batched)" \
  "http://127.0.0.1:${gateway_rl_batched_port:-}/api/hello" "${pid_gateway_rl_batched:-} $pid_redis_server $pid_auth $pid_postgres_server" gateway-rl-batched "$auth_header"
wants gateway-rl-approximate && add_row gateway-rl-approximate "gateway, authenticated + rate limited (approximate, the default)" \
  "http://127.0.0.1:${gateway_rl_approximate_port:-}/api/hello" "${pid_gateway_rl_approximate:-} $pid_redis_server $pid_auth $pid_postgres_server" gateway-rl-approximate "$auth_header"
# Over TLS, measured with h2load (-m1: one request in flight per connection, as wrk): HTTP/1.1,
# then HTTP/2 chosen by ALPN. The full chain's rows compare with bare YARP over the same protocol.
for protocol in h1tls h2tls; do
  name="HTTPS, HTTP/1.1"
  [[ $protocol == h2tls ]] && name="HTTPS, HTTP/2"
  wants "yarp@$protocol" && add_row "yarp@$protocol" "bare YARP, $name (h2load)" \
    "https://127.0.0.1:${yarp_tls_port:-}/api/hello" "$pid_yarp" yarp
  wants "gateway-rl-approximate@$protocol" && add_row "gateway-rl-approximate@$protocol" "gateway, full chain (approximate), $name (h2load)" \
    "https://127.0.0.1:${gateway_tls_port:-}/api/hello" "${pid_gateway_rl_approximate:-} $pid_redis_server $pid_auth $pid_postgres_server" gateway-rl-approximate "$auth_header"
done
grpc_path=/gateway.sample.v1.Greeter/SayHello
wants direct@grpc && add_row direct@grpc "gRPC unary, backend direct (h2c, h2load)" \
  "http://127.0.0.1:${backend_grpc_port:-}$grpc_path" "$pid_backend" backend
wants gateway-rl-approximate@grpc && add_row gateway-rl-approximate@grpc "gRPC unary, gateway full chain (approximate), HTTPS + HTTP/2 (h2load)" \
  "https://127.0.0.1:${gateway_tls_port:-}$grpc_path" "${pid_gateway_rl_approximate:-} $pid_redis_server $pid_auth $pid_postgres_server" gateway-rl-approximate "$auth_header"

# Redis script calls (EVALSHA + EVAL: every rate limit decision is one) served so far by the
# bench Redis, from INFO commandstats; '-' for rows without it. The password goes through the
# environment, never the command line.
redis_script_calls() {
  wants_gateway || { printf -- -; return; }
  REDISCLI_AUTH=$redis_password redis-cli -h 127.0.0.1 -p "$redis_port" info commandstats 2>/dev/null \
    | awk -F'[:,=]' '$1 == "cmdstat_evalsha" || $1 == "cmdstat_eval" { n += $3 } END { printf "%d", n }'
}

# Sum of user+system CPU ticks of the given PIDs.
cpu_ticks() {
  local total=0 pid utime stime
  for pid in "$@"; do
    utime=$(stat_field "$pid" 14) || die "process $pid exited during the run"
    stime=$(stat_field "$pid" 15)
    total=$((total + utime + stime))
  done
  printf '%s' "$total"
}

results=$work_dir/results.tsv
: >"$results"

# Runs wrk against row $1 for $2 seconds; with $3 = round number, appends a result line
# ($4 = warm-up pass, only for the progress line).
measure() {
  local i=$1 seconds=$2 round=${3:-} pass=${4:-} output line
  check_servers
  local -a args=(-t1 -c"$connections" -d"${seconds}s" --timeout 2s -s "$BENCH_DIR/wrk-report.lua")
  [[ -n ${row_headers[i]} ]] && args+=(-H "${row_headers[i]}")
  local -a pids
  read -r -a pids <<<"${row_pids[i]}"
  local before_row before_backend before_ours before_core after_row after_backend after_ours after_core
  local before_redis=- after_redis=-
  [[ ${row_keys[i]} == gateway-* ]] && before_redis=$(redis_script_calls)
  before_core=$(core_busy_ticks)
  before_ours=$(cpu_ticks "${all_server_pids[@]}")
  before_row=$(cpu_ticks "${pids[@]}")
  before_backend=$(cpu_ticks "$pid_backend")
  # In the background so that a signal reaches the trap at once, not after the measurement.
  if [[ ${row_keys[i]} == *@* ]]; then
    local -a h2args=(-t1 -c"$connections" -m1 -D"$seconds" --log-file="$work_dir/h2load.log")
    [[ ${row_keys[i]} == *@h1tls ]] && h2args+=(--h1)
    [[ -n ${row_headers[i]} ]] && h2args+=(-H "${row_headers[i]}")
    [[ ${row_keys[i]} == *@grpc ]] && h2args+=(-d "$work_dir/say-hello.grpc" -H "content-type: application/grpc" -H "te: trailers")
    # h2load appends to its log: one log per measurement.
    rm -f "$work_dir/h2load.log"
    "${client_pin[@]}" h2load "${h2args[@]}" "${row_urls[i]}" >"$work_dir/wrk.out" 2>&1 &
  else
    "${client_pin[@]}" wrk "${args[@]}" "${row_urls[i]}" >"$work_dir/wrk.out" 2>&1 &
  fi
  client_pid=$!
  wait "$client_pid" || { cat "$work_dir/wrk.out" >&2; die "the load tool failed against ${row_labels[i]}"; }
  client_pid=
  output=$(<"$work_dir/wrk.out")
  if [[ ${row_keys[i]} == *@* ]]; then
    # h2load's summary has no percentiles: the same line as wrk-report.lua's, from its request log.
    local errored
    errored=$(sed -n 's/^requests: .* \([0-9][0-9]*\) errored.*/\1/p' <<<"$output")
    output="BENCH $("${report_tool[@]}" h2load-log "$work_dir/h2load.log" "$seconds" "${errored:-0}")"
  fi
  after_row=$(cpu_ticks "${pids[@]}")
  after_backend=$(cpu_ticks "$pid_backend")
  after_ours=$(cpu_ticks "${all_server_pids[@]}")
  after_core=$(core_busy_ticks)
  [[ ${row_keys[i]} == gateway-* ]] && after_redis=$(redis_script_calls)
  line=$(sed -n 's/^BENCH //p' <<<"$output")
  [[ -n $line ]] || { printf '%s\n' "$output" >&2; die "no result from wrk for ${row_labels[i]}"; }
  [[ $line =~ requests=([0-9]+) ]] && ((BASH_REMATCH[1] > 0)) || die "no request completed against ${row_labels[i]}"
  # wrk's line holds requests, duration_us, p50_us, p99_us and failed; the counters come from here.
  # shellcheck disable=SC2086 # the line is key=value words on purpose
  "${report_tool[@]}" measurement $line key="${row_keys[i]}" round="$round" pass="$pass" tick_us=$((1000000 / clk_tck)) \
    row_ticks=$((after_row - before_row)) backend_ticks=$((after_backend - before_backend)) \
    direct="$([[ ${row_pids[i]} == "$pid_backend" ]] && echo 1 || echo 0)" \
    redis_before="$before_redis" redis_after="$after_redis" \
    core_ticks=$((after_core - before_core)) our_ticks=$((after_ours - before_ours)) core="$server_cpu_line" >>"$results"
}

# --- load --------------------------------------------------------------------------------------
log "load: wrk -t1 -c$connections, 2 warm-up passes of ${warmup} s per target, more until its JIT settles, then $rounds round(s) of ${duration} s per target"
started_at=$(date -u '+%Y-%m-%d %H:%M UTC')
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# Warm-up lets tiered JIT and connection pools settle before anything is recorded. On one saturated
# core .NET is slow to reach its final tier-1 code: measured here, after a single 10 s warm-up the
# gateway still spent 56 µs/request in the first round and 33-34 from the second on (bare YARP 32,
# then 27-28). Two passes give each target 16 s of load, with pauses between them in which the
# background JIT has the core to itself.
for pass in 1 2; do
  for i in "${!row_keys[@]}"; do measure "$i" "$warmup" "" "$pass"; done
done
# Then each target until its servers' JIT has settled (warm_until_settled, bench/lib.sh).
if ((!quick)); then
  for i in "${!row_keys[@]}"; do
    warm_until_settled "${row_keys[i]}" "$settle" "${row_servers[i]}" measure "$i" "$settle_window" "" JIT
  done
fi
for ((round = 1; round <= rounds; round++)); do
  for i in "${!row_keys[@]}"; do measure "$i" "$duration" "$round"; done
done

# --- report --------------------------------------------------------------------------------------
table=$("${report_tool[@]}" table "$results" "${row_keys[*]}" "$(IFS='|'; echo "${row_labels[*]}")")

# How busy other processes kept the server core while we measured: the noise in these numbers.
other_load=$("${report_tool[@]}" other-load "$results")

legend="Median of $rounds interleaved round(s) (min–max); ratios and the p99 difference pair rounds. \
CPU µs/req: user+system CPU of the row's own server processes (nginx master+worker; gateway proxy+Redis, \
plus the auth service and the PostgreSQL server process for the authenticated rows) \
per request; backend CPU is the sample API's share. Redis calls/req: EVAL + EVALSHA calls (INFO commandstats of the bench Redis, \
before and after each measurement) per request. The anonymous and cached-token rows run with rate limiting disabled on their routes; \
the rate limited rows use a per-user policy (plan limit 2e9 per 60 s, never reached) in strict, batched or approximate mode. wrk -t1 -c$connections, ${duration} s per measurement after 2 × ${warmup} s of warm-up and then ${settle_window} s passes until each target's JIT had settled, \
GET /api/hello (through the gateway's anonymous route, or with a bearer token on the authenticated ones), 127.0.0.1 only. \
Other processes on the server core while measuring: $other_load. See bench/README.md."

printf '\n%s\n\n%s\n' "$table" "$legend"

if ((!quick)); then
  host=$(results_host)
  report=$BENCH_DIR/results/$(date -u +%Y-%m-%d)-$host.md
  mkdir -p "$BENCH_DIR/results"
  {
    echo "# Gateway benchmark, $started_at, $host"
    echo
    common_facts "$command_line"
    echo "| nginx | $(nginx -v 2>&1 | sed 's/^nginx version: //') |"
    echo "| wrk | $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2 || true) |"
    echo "| redis | $(redis-server --version | cut -d' ' -f3) |"
    if wants_auth; then
      echo "| PostgreSQL | $("$(postgres_bin_dir)/postgres" --version | sed 's/^postgres (PostgreSQL) //') (auth service's database; fsync off: throwaway data) |"
    fi
    echo "| pinning | $pinning |"
    echo "| load average at start | $load_before |"
    echo "| extra warm-up until the JIT settled | $(settled_summary) |"
    echo "| other processes on the server core | $other_load |"
    echo
    echo "$table"
    echo
    echo "$legend"
  } >"$report.tmp"
  mv "$report.tmp" "$report"
  log "saved $report"
fi

failed_total=$("${report_tool[@]}" failed "$results")
((failed_total == 0)) || die "$failed_total request(s) failed (non-2xx/3xx or socket errors); see the 'failed' column"
