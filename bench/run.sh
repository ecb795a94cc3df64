#!/usr/bin/env bash
# What does the gateway cost? Starts the sample backend, nginx, a bare YARP host and the real
# gateway proxy (with its Redis) directly on loopback, loads each with wrk in interleaved rounds and
# prints a markdown table: req/s, p50, p99, ratios to bare YARP and nginx, server CPU per request.
#
#   bench/run.sh            normal run (~4 min), table also saved to bench/results/<date>-<host>.md
#   bench/run.sh --quick    smoke run (a few seconds of load), nothing saved
#
# Everything it starts is stopped by PID on exit, Ctrl+C or error. See bench/README.md.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
REPO_DIR=$(dirname "$BENCH_DIR")
# Its own build output, so a benchmark never races test.sh or an IDE over bin/ and obj/.
ARTIFACTS_DIR=$BENCH_DIR/artifacts

usage() {
  cat <<EOF
Usage: bench/run.sh [--quick] [--no-build] [--duration S] [--warmup S] [--rounds N] [--connections N]

  --quick          smoke mode: 1 s warm-up passes and one 1 s round per target; no results file
  --no-build       use the last Release build in bench/artifacts
  --duration S     seconds per measurement (default 8)
  --warmup S       seconds of each of the two warm-up passes over the targets (default 8)
  --rounds N       interleaved rounds, every target once per round (default 5)
  --connections N  wrk connections (default 32)

Environment: BENCH_CLIENT_CPUS / BENCH_SERVER_CPUS override the taskset CPU lists (default 0 and 1).
EOF
}

# --- options --------------------------------------------------------------------------------
command_line="bench/run.sh${*:+ $*}"
quick=0 build=1 duration=8 warmup=8 rounds=5 connections=32
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
    --rounds) rounds=${2:?}; shift ;;
    --connections) connections=${2:?}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "Unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
for n in "$duration" "$warmup" "$rounds" "$connections"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "Options take positive integers, got '$n'." >&2; exit 2; }
done

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }

# --- prerequisites ---------------------------------------------------------------------------
"$REPO_DIR/scripts/prerequisites.sh" bench
for tool in dotnet nginx wrk redis-server redis-cli taskset getconf; do
  command -v "$tool" >/dev/null || die "'$tool' not found (scripts/prerequisites.sh bench installs the packages)."
done

# --- pinning ---------------------------------------------------------------------------------
# Two cores: wrk alone on CPU 0, every server process on CPU 1. The load generator then never
# steals time from what is measured, and each proxy gets exactly one core, as nginx's single worker
# does, so req/s compares work per request rather than how many threads a runtime can spread over
# (a proxied row's backend shares that core: see bench/README.md).
client_pin=() server_pin=()
if (($(nproc) >= 2)); then
  client_pin=(taskset -c "${BENCH_CLIENT_CPUS:-0}")
  server_pin=(taskset -c "${BENCH_SERVER_CPUS:-1}")
  pinning="wrk on CPU ${BENCH_CLIENT_CPUS:-0}, every server on CPU ${BENCH_SERVER_CPUS:-1} (taskset)"
else
  pinning="none (1 CPU: wrk and the servers share it; ratios only)"
  log "only one CPU: running unpinned, absolute numbers mean little"
fi

# --- process bookkeeping ---------------------------------------------------------------------
# Each started process is remembered with its kernel start time, so cleanup can never signal a
# process that merely reused one of our PIDs.
work_dir=$(mktemp -d -t gateway-bench.XXXXXXXX)
started=()      # "pid:starttime:name", in start order
wrk_pid=        # the load generator while it runs
clk_tck=$(getconf CLK_TCK)

# Field N (1-based, as in proc(5)) of /proc/PID/stat; the command name may contain spaces.
stat_field() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  local -a fields
  read -r -a fields <<<"$stat"
  printf '%s' "${fields[$(($2 - 3))]}"
}

remember() { # pid name
  local start
  start=$(stat_field "$1" 22) || start=gone
  started+=("$1:$start:$2")
}

ours_alive() { # pid starttime
  local now
  now=$(stat_field "$1" 22) || return 1
  [[ $now == "$2" ]]
}

cleanup() {
  local status=$?
  set +e
  # A second Ctrl+C must not cut the clean-up short.
  trap '' INT TERM
  trap - EXIT
  local entry pid start name deadline alive
  [[ -n $wrk_pid ]] && kill -TERM "$wrk_pid" 2>/dev/null
  # Newest first: the proxies go before the backend and Redis they talk to.
  for ((i = ${#started[@]} - 1; i >= 0; i--)); do
    IFS=: read -r pid start name <<<"${started[i]}"
    ours_alive "$pid" "$start" && kill -TERM "$pid" 2>/dev/null
  done
  deadline=$((SECONDS + 10))
  while ((SECONDS < deadline)); do
    alive=0
    for entry in "${started[@]}"; do
      IFS=: read -r pid start name <<<"$entry"
      ours_alive "$pid" "$start" && alive=1
    done
    ((alive)) || break
    sleep 0.2
  done
  for entry in "${started[@]}"; do
    IFS=: read -r pid start name <<<"$entry"
    if ours_alive "$pid" "$start"; then
      log "$name ($pid) ignored SIGTERM for 10 s; killing it"
      kill -KILL "$pid" 2>/dev/null
    fi
  done
  wait 2>/dev/null
  rm -rf "$work_dir"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Starts a server in the background; its PID is the program's own (taskset and env exec it).
start_server() { # name command...
  local name=$1
  shift
  "$@" >"$work_dir/$name.log" 2>&1 &
  remember "$!" "$name"
  printf -v "pid_${name//-/_}" '%s' "$!"
}

fail_with_log() { # name message
  log "last lines of $1's output:"
  tail -n 30 "$work_dir/$1.log" >&2 || true
  die "$2"
}

# --- loopback helpers ------------------------------------------------------------------------
claimed_ports=" "
# Sets variable $1 to a loopback port nothing listens on (no connect succeeds) and we did not hand out.
free_port() {
  local port
  for _ in {1..200}; do
    port=$((20000 + RANDOM % 40000))
    [[ $claimed_ports == *" $port "* ]] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      claimed_ports+="$port "
      printf -v "$1" '%s' "$port"
      return 0
    fi
  done
  die "no free loopback port found"
}

# Minimal HTTP/1.1 GET over bash's /dev/tcp (no curl needed); prints status line, headers, body.
http_get() { # port path
  local fd line
  { exec {fd}<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$2" "$1" >&"$fd"
  while IFS= read -r -t 2 -u "$fd" line || [[ -n $line ]]; do
    printf '%s\n' "${line%$'\r'}"
  done
  exec {fd}>&-
}

wait_ready() { # name port path expected-body-text [seconds]
  local name=$1 port=$2 path=$3 expect=$4 deadline=$((SECONDS + ${5:-60})) pid_var="pid_${1//-/_}" response
  while ((SECONDS < deadline)); do
    kill -0 "${!pid_var}" 2>/dev/null || fail_with_log "$name" "$name exited during start-up"
    response=$(http_get "$port" "$path" || true)
    if [[ $response == "HTTP/1.1 200 "* && $response == *"$expect"* ]]; then
      return 0
    fi
    sleep 0.2
  done
  log "last response from $name: ${response:-none}"
  fail_with_log "$name" "$name did not answer 200 on $path within ${5:-60} s"
}

# --- build -----------------------------------------------------------------------------------
projects=(
  "$REPO_DIR/Gateway.SampleApi/Gateway.SampleApi.csproj"
  "$BENCH_DIR/Gateway.Bench.BareYarp/Gateway.Bench.BareYarp.csproj"
  "$REPO_DIR/Gateway.Proxy/Gateway.Proxy.csproj"
)
if ((build)); then
  for project in "${projects[@]}"; do
    log "building $(basename "$project" .csproj) (Release)"
    dotnet build "$project" -c Release --artifacts-path "$ARTIFACTS_DIR" -nologo -v q \
      >"$work_dir/build.log" 2>&1 || { cat "$work_dir/build.log" >&2; die "build failed: $project"; }
  done
fi
app_dir() { printf '%s/bin/%s/release' "$ARTIFACTS_DIR" "$1"; }
for app in Gateway.SampleApi Gateway.Bench.BareYarp Gateway.Proxy; do
  [[ -f $(app_dir "$app")/$app.dll ]] || die "$app is not built; run without --no-build"
done

# --- servers ---------------------------------------------------------------------------------
# Same runtime settings for every .NET process: Production, no OTLP exporter, and inline socket
# completions (measured here as part of the YARP tuning). The environment is explicit so a shell
# that happens to export ASPNETCORE_ENVIRONMENT=Development cannot change the results. `env -C`
# sets the working directory, which is where ASP.NET Core looks for appsettings.json.
dotnet_env=(env -u OTEL_EXPORTER_OTLP_ENDPOINT -u DOTNET_ENVIRONMENT -u ASPNETCORE_URLS)
dotnet_settings=(ASPNETCORE_ENVIRONMENT=Production DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1)

free_port backend_port
free_port nginx_port
free_port yarp_port
free_port redis_port
free_port gateway_port

log "starting sample backend on 127.0.0.1:$backend_port"
start_server backend "${server_pin[@]}" "${dotnet_env[@]}" -C "$(app_dir Gateway.SampleApi)" "${dotnet_settings[@]}" \
  ASPNETCORE_URLS="http://127.0.0.1:$backend_port" \
  dotnet Gateway.SampleApi.dll

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

log "starting bare YARP on 127.0.0.1:$yarp_port"
start_server yarp "${server_pin[@]}" "${dotnet_env[@]}" -C "$(app_dir Gateway.Bench.BareYarp)" "${dotnet_settings[@]}" \
  ASPNETCORE_URLS="http://127.0.0.1:$yarp_port" \
  ReverseProxy__Clusters__backend__Destinations__backend__Address="http://127.0.0.1:$backend_port" \
  dotnet Gateway.Bench.BareYarp.dll

log "starting redis-server on 127.0.0.1:$redis_port"
redis_password=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
mkdir -p "$work_dir/redis"
# A config file rather than arguments keeps the password out of ps.
(umask 077 && cat >"$work_dir/redis/redis.conf" <<EOF
bind 127.0.0.1
port $redis_port
requirepass $redis_password
save ""
appendonly no
daemonize no
dir $work_dir/redis
EOF
)
start_server redis "${server_pin[@]}" redis-server "$work_dir/redis/redis.conf"

wait_ready backend "$backend_port" /api/hello "Hello from the sample API"
deadline=$((SECONDS + 20))
until [[ $(REDISCLI_AUTH=$redis_password redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null) == PONG ]]; do
  kill -0 "$pid_redis" 2>/dev/null || fail_with_log redis "redis-server exited during start-up"
  ((SECONDS < deadline)) || fail_with_log redis "redis-server did not answer PING within 20 s"
  sleep 0.2
done

log "starting gateway proxy on 127.0.0.1:$gateway_port"
# The proxy's own appsettings.json (routes, logging) as shipped; only what the AppHost would inject
# is supplied here, with the sampleapi cluster pointing straight at the backend.
# Later: the auth service's address goes here too when the authenticated rows are added.
start_server gateway "${server_pin[@]}" "${dotnet_env[@]}" -C "$(app_dir Gateway.Proxy)" "${dotnet_settings[@]}" \
  ASPNETCORE_URLS="http://127.0.0.1:$gateway_port" \
  ConnectionStrings__redis="127.0.0.1:$redis_port,password=$redis_password" \
  ReverseProxy__Clusters__sampleapi__Destinations__sampleapi__Address="http://127.0.0.1:$backend_port" \
  dotnet Gateway.Proxy.dll

wait_ready nginx "$nginx_port" /api/hello "Hello from the sample API"
wait_ready yarp "$yarp_port" /api/hello "Hello from the sample API"
# /health covers the proxy's Redis connection (password included).
wait_ready gateway "$gateway_port" /health Healthy
# The gateway's anonymous route: /public/... where /api/... requires a credential (the
# authentication work), /api/... before that. The first that answers without one is measured.
gateway_anon_path=
for path in /public/hello /api/hello; do
  response=$(http_get "$gateway_port" "$path" || true)
  if [[ $response == "HTTP/1.1 200 "* && $response == *"Hello from the sample API"* ]]; then
    gateway_anon_path=$path
    break
  fi
done
[[ -n $gateway_anon_path ]] || fail_with_log gateway "the gateway answered neither /public/hello nor /api/hello without a credential"

# nginx's CPU is its master plus the worker it forked.
nginx_pids=$pid_nginx
if children=$(cat "/proc/$pid_nginx/task/$pid_nginx/children" 2>/dev/null) && [[ -n ${children// /} ]]; then
  nginx_pids+=" $children"
else
  nginx_pids+=" $(ps -o pid= --ppid "$pid_nginx" | tr '\n' ' ')"
fi

# Every process of ours on the server core, to tell our CPU use from other processes'.
all_server_pids=()
for entry in "${started[@]}"; do all_server_pids+=("${entry%%:*}"); done
read -r -a nginx_workers <<<"${nginx_pids#"$pid_nginx"}"
all_server_pids+=("${nginx_workers[@]}")

# The /proc/stat line of the server core, when the servers are pinned to a single CPU.
server_cpu_line=
if ((${#server_pin[@]})) && [[ ${BENCH_SERVER_CPUS:-1} =~ ^[0-9]+$ ]]; then
  server_cpu_line="cpu${BENCH_SERVER_CPUS:-1}"
fi
core_busy_ticks() {
  [[ -n $server_cpu_line ]] || { printf 0; return; }
  awk -v cpu="$server_cpu_line" '$1 == cpu { printf "%d", $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat
}

# --- rows ------------------------------------------------------------------------------------
# One row per measured target, in the order of each interleaved round. A row names the processes
# whose CPU it is charged with; the backend's CPU is reported in its own column.
row_keys=() row_labels=() row_urls=() row_pids=() row_headers=()
add_row() { # key label url "pids" [header]
  row_keys+=("$1") row_labels+=("$2") row_urls+=("$3") row_pids+=("$4") row_headers+=("${5:-}")
}
add_row direct "backend direct" "http://127.0.0.1:$backend_port/api/hello" "$pid_backend"
add_row nginx "nginx (1 worker, keepalive upstream)" "http://127.0.0.1:$nginx_port/api/hello" "$nginx_pids"
add_row yarp "bare YARP" "http://127.0.0.1:$yarp_port/api/hello" "$pid_yarp"
add_row gateway-anon "gateway, anonymous route ($gateway_anon_path)" "http://127.0.0.1:$gateway_port$gateway_anon_path" "$pid_gateway $pid_redis"
# Later rows go here, after the anonymous one and charged with the auth service's CPU as well:
#   gateway-auth       authenticated route, cached token    (header "Authorization: Bearer <token>")
#   gateway-rl-strict  authenticated + rate limited, strict  (a route or a second proxy configured strict)
#   gateway-rl-batch   authenticated + rate limited, batched
# Their tokens/API keys are created through the auth service before the warm-up.

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

# A server that died mid-run would otherwise show up only as failed requests.
check_servers() {
  local entry pid start name
  for entry in "${started[@]}"; do
    IFS=: read -r pid start name <<<"$entry"
    ours_alive "$pid" "$start" || fail_with_log "$name" "$name ($pid) exited during the run"
  done
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
  before_core=$(core_busy_ticks)
  before_ours=$(cpu_ticks "${all_server_pids[@]}")
  before_row=$(cpu_ticks "${pids[@]}")
  before_backend=$(cpu_ticks "$pid_backend")
  # In the background so that a signal reaches the trap at once, not after the measurement.
  "${client_pin[@]}" wrk "${args[@]}" "${row_urls[i]}" >"$work_dir/wrk.out" 2>&1 &
  wrk_pid=$!
  wait "$wrk_pid" || { cat "$work_dir/wrk.out" >&2; die "wrk failed against ${row_labels[i]}"; }
  wrk_pid=
  output=$(<"$work_dir/wrk.out")
  after_row=$(cpu_ticks "${pids[@]}")
  after_backend=$(cpu_ticks "$pid_backend")
  after_ours=$(cpu_ticks "${all_server_pids[@]}")
  after_core=$(core_busy_ticks)
  line=$(sed -n 's/^BENCH //p' <<<"$output")
  [[ -n $line ]] || { printf '%s\n' "$output" >&2; die "no result from wrk for ${row_labels[i]}"; }
  local requests duration_us p50_us p99_us failed
  eval "$(tr ' ' '\n' <<<"$line" | grep -E '^[a-z0-9_]+=[0-9]+$')"
  ((requests > 0)) || die "no request completed against ${row_labels[i]}"
  awk -v key="${row_keys[i]}" -v round="$round" -v pass="$pass" -v n="$requests" -v us="$duration_us" \
    -v p50="$p50_us" -v p99="$p99_us" -v failed="$failed" -v tick_us=$((1000000 / clk_tck)) \
    -v row_cpu=$((after_row - before_row)) -v backend_cpu=$((after_backend - before_backend)) \
    -v direct="$([[ ${row_pids[i]} == "$pid_backend" ]] && echo 1 || echo 0)" \
    -v core_ticks=$((after_core - before_core)) -v our_ticks=$((after_ours - before_ours)) -v core="$server_cpu_line" '
    BEGIN {
      rps = n / (us / 1e6)
      cpu = row_cpu * tick_us / n
      backend = direct ? "-" : sprintf("%.1f", backend_cpu * tick_us / n)
      # What else ran on the server core: its busy time minus our servers CPU time.
      other = "-"
      if (core != "") { other = (core_ticks - our_ticks) * tick_us / us * 100; other = sprintf("%.0f", other < 0 ? 0 : other) }
      printf "[bench] %-28s %7.0f req/s  p50 %6.2f ms  p99 %7.2f ms  %4.0f us/req  other procs %3s%%  failed %d\n", \
        (round == "" ? "warm-up " pass ": " : "round " round ": ") key, rps, p50 / 1000, p99 / 1000, cpu, other, failed > "/dev/stderr"
      if (round != "")
        printf "%s\t%s\t%.1f\t%d\t%d\t%d\t%.1f\t%s\t%s\n", key, round, rps, p50, p99, failed, cpu, backend, other
    }' >>"$results"
}

# --- load --------------------------------------------------------------------------------------
log "load: wrk -t1 -c$connections, 2 warm-up passes of ${warmup} s per target, then $rounds round(s) of ${duration} s per target"
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
for ((round = 1; round <= rounds; round++)); do
  for i in "${!row_keys[@]}"; do measure "$i" "$duration" "$round"; done
done

# --- report --------------------------------------------------------------------------------------
table=$(awk -F'\t' -v keys="${row_keys[*]}" -v labels="$(IFS='|'; echo "${row_labels[*]}")" '
  function sort(a, n,    i, j, t) {
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
  }
  # median (min-max) of a[1..n]; the range is left out for a single value.
  function cell(a, n, fmt,    m) {
    if (n == 0) return "—"
    sort(a, n)
    m = (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    return n == 1 ? sprintf(fmt, m) : sprintf(fmt " (" fmt "–" fmt ")", m, a[1], a[n])
  }
  # Column values per round; a ratio or difference pairs values measured in the same round.
  function column(key, what, base,    r, n) {
    split("", v); n = 0
    for (r = 1; r <= rounds; r++) {
      if (!((key, r) in rps)) continue
      if (what == "rps") v[++n] = rps[key, r]
      else if (what == "ratio") { if ((base, r) in rps && rps[base, r] > 0) v[++n] = rps[key, r] / rps[base, r] }
      else if (what == "p50") v[++n] = p50[key, r] / 1000
      else if (what == "p99") v[++n] = p99[key, r] / 1000
      else if (what == "dp99") { if ((base, r) in p99) v[++n] = (p99[key, r] - p99[base, r]) / 1000 }
      else if (what == "cpu") v[++n] = cpu[key, r]
      else if (what == "backend" && backend[key, r] != "-") v[++n] = backend[key, r]
    }
    return n
  }
  {
    rps[$1, $2] = $3; p50[$1, $2] = $4; p99[$1, $2] = $5; failed[$1] += $6
    cpu[$1, $2] = $7; backend[$1, $2] = $8
    if ($2 + 0 > rounds) rounds = $2 + 0
  }
  END {
    nk = split(keys, key, " "); split(labels, label, "|")
    print "| target | req/s | × bare YARP | × nginx | p50 ms | p99 ms | p99 − bare YARP, ms | CPU µs/req | backend CPU µs/req | failed |"
    print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for (k = 1; k <= nk; k++) {
      id = key[k]
      line = "| " label[k]
      n = column(id, "rps"); line = line " | " cell(v, n, "%.0f")
      n = column(id, "ratio", "yarp"); line = line " | " cell(v, n, "%.2f")
      n = column(id, "ratio", "nginx"); line = line " | " cell(v, n, "%.2f")
      n = column(id, "p50"); line = line " | " cell(v, n, "%.2f")
      n = column(id, "p99"); line = line " | " cell(v, n, "%.2f")
      n = column(id, "dp99", "yarp"); line = line " | " cell(v, n, "%+.2f")
      n = column(id, "cpu"); line = line " | " cell(v, n, "%.0f")
      n = column(id, "backend"); line = line " | " cell(v, n, "%.0f")
      print line " | " failed[id] + 0 " |"
    }
  }' "$results")

# How busy other processes kept the server core while we measured: the noise in these numbers.
other_load=$(awk -F'\t' '$9 != "-" { v[++n] = $9 + 0 }
  END {
    if (!n) { print "not measured (servers not pinned to one CPU)"; exit }
    for (i = 2; i <= n; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
    for (i = 1; i <= n; i++) busy += v[i] > 10
    printf "%.0f%% of the core, median over measurements (max %.0f%%; %d of %d measurements above 10%%)", \
      (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2, v[n], busy, n
  }' "$results")

legend="Median of $rounds interleaved round(s) (min–max); ratios and the p99 difference pair rounds. \
CPU µs/req: user+system CPU of the row's own server processes (nginx master+worker; gateway proxy+Redis) \
per request; backend CPU is the sample API's share. wrk -t1 -c$connections, ${duration} s per measurement after 2 × ${warmup} s of warm-up, \
GET /api/hello (through the gateway's anonymous route), 127.0.0.1 only. Other processes on the server core while measuring: $other_load. See bench/README.md."

printf '\n%s\n\n%s\n' "$table" "$legend"

if ((!quick)); then
  host=$(uname -n | tr -c 'A-Za-z0-9._\n-' '_')
  report=$BENCH_DIR/results/$(date -u +%Y-%m-%d)-$host.md
  mkdir -p "$BENCH_DIR/results"
  commit=$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo unknown)
  if [[ -n $(git -C "$REPO_DIR" status --porcelain 2>/dev/null) ]]; then commit+=" (with uncommitted changes)"; fi
  {
    echo "# Gateway benchmark, $started_at, $host"
    echo
    echo "| fact | value |"
    echo "|---|---|"
    echo "| command | \`$command_line\` |"
    echo "| commit | $commit |"
    echo "| CPUs (nproc) | $(nproc) |"
    echo "| CPU model | $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1) |"
    echo "| memory | $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) |"
    echo "| kernel | $(uname -sr) |"
    echo "| .NET SDK | $(dotnet --version) |"
    echo "| nginx | $(nginx -v 2>&1 | sed 's/^nginx version: //') |"
    echo "| wrk | $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2 || true) |"
    echo "| redis | $(redis-server --version | cut -d' ' -f3) |"
    echo "| pinning | $pinning |"
    echo "| load average at start | $load_before |"
    echo "| other processes on the server core | $other_load |"
    echo
    echo "$table"
    echo
    echo "$legend"
  } >"$report.tmp"
  mv "$report.tmp" "$report"
  log "saved $report"
fi

failed_total=$(awk -F'\t' '{ s += $6 } END { print s + 0 }' "$results")
((failed_total == 0)) || die "$failed_total request(s) failed (non-2xx/3xx or socket errors); see the 'failed' column"
