#!/usr/bin/env bash
# Where does the gateway's CPU go, per request, compared with bare YARP? Starts the same servers as
# bench/run.sh (sample backend, bare YARP, Redis, PostgreSQL + Gateway.Auth, the gateway proxy with
# the rate limited routes), signs up a user as run.sh does, warms every target up, then loads each
# target with wrk for a fixed time while `perf record` samples the on-CPU stacks of that target's
# server process (JIT-compiled code named through the runtime's perf map). Gateway.Bench.Report profile
# aggregates the samples into markdown tables: top methods by self and inclusive time, time by
# component, and the per-request difference of each gateway target from bare YARP.
#
#   bench/profile.sh              ~3 min; report saved to bench/results/<date>-<host>-profile.md
#   bench/profile.sh --quick      smoke run (1 s warm-up, 3 s profiles), nothing saved
#
# Everything it starts (servers, wrk, perf) is stopped by PID on exit, Ctrl+C or error; the perf
# maps the runtime writes to /tmp for our PIDs are deleted. Traffic to 127.0.0.1 only.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
REPO_DIR=$(dirname "$BENCH_DIR")
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

all_targets="yarp gateway-anon gateway-auth gateway-rl-batched gateway-rl-strict gateway-rl-approximate"

usage() {
  cat <<EOF
Usage: bench/profile.sh [--quick] [--no-build] [--duration S] [--warmup S] [--connections N] [--frequency HZ] [--targets LIST]

  --quick          smoke mode: 1 s warm-up passes, 3 s profiles; no results file
  --no-build       use the last Release build in bench/artifacts
  --duration S     seconds of load (and sampling) per target (default 20)
  --warmup S       seconds of each of the two warm-up passes over the targets (default 8)
  --connections N  wrk connections (default 32, as bench/run.sh)
  --frequency HZ   perf sampling frequency (default 1999)
  --targets LIST   comma-separated (default yarp,gateway-anon,gateway-auth,gateway-rl-batched;
                   also: gateway-rl-strict, gateway-rl-approximate)
  --keep DIR       also copy the resolved stacks and measurements to DIR, to rerun
                   the report (Gateway.Bench.Report profile) on them later

Environment: BENCH_CLIENT_CPUS / BENCH_SERVER_CPUS as for bench/run.sh (wrk and perf run on the
client CPUs, every server on the server CPU).
EOF
}

command_line="bench/profile.sh${*:+ $*}"
keep='' quick=0 build=1 duration=20 warmup=8 connections=32 frequency=1999 targets=yarp,gateway-anon,gateway-auth,gateway-rl-batched
for arg in "$@"; do
  if [[ $arg == --quick ]]; then quick=1 duration=3 warmup=1; fi
done
while (($#)); do
  case $1 in
    --quick) ;;
    --no-build) build=0 ;;
    --duration) duration=${2:?}; shift ;;
    --warmup) warmup=${2:?}; shift ;;
    --connections) connections=${2:?}; shift ;;
    --frequency) frequency=${2:?}; shift ;;
    --targets) targets=${2:?}; shift ;;
    --keep) keep=${2:?}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "Unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
for n in "$duration" "$warmup" "$connections" "$frequency"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "Options take positive integers, got '$n'." >&2; exit 2; }
done
selected=" "
for target in ${targets//,/ }; do
  [[ " $all_targets " == *" $target "* ]] || { echo "Unknown target '$target' (targets: ${all_targets// /,})." >&2; exit 2; }
  selected+="$target "
done
wants() { [[ $selected == *" $1 "* ]]; }
# The gateway always gets its auth service (the authenticated targets are the point), as in run.sh.
wants_gateway() { wants gateway-anon || wants gateway-auth || wants gateway-rl-batched || wants gateway-rl-strict || wants gateway-rl-approximate; }

# --- prerequisites ---------------------------------------------------------------------------
"$REPO_DIR/scripts/prerequisites.sh" bench
for tool in dotnet wrk redis-server redis-cli taskset getconf perf curl; do
  command -v "$tool" >/dev/null || die "'$tool' not found."
done
wants_gateway && { [[ -x "$(postgres_bin_dir)/psql" ]] || die "PostgreSQL not found (scripts/prerequisites.sh bench installs it)."; }
perf_paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo 2)
if ((EUID != 0 && perf_paranoid > 1)); then
  die "perf cannot sample other processes' kernel stacks here (kernel.perf_event_paranoid=$perf_paranoid); run as root or lower it"
fi

# Optional: dotnet-counters (dotnet tool install -g dotnet-counters) adds GC and allocation rates.
counters_tool=$(command -v dotnet-counters || true)
[[ -z $counters_tool && -x $HOME/.dotnet/tools/dotnet-counters ]] && counters_tool=$HOME/.dotnet/tools/dotnet-counters
[[ -n $counters_tool ]] || log "dotnet-counters not found: no GC/allocation figures (dotnet tool install -g dotnet-counters)"

setup_pinning "wrk, perf and dotnet-counters"
bench_init

# The runtime writes /tmp/perf-<pid>.map (JIT-compiled methods, with their tier) for perf to
# name managed frames; jitdump is not needed (PerfMapEnabled=3: map only). perf reads that map only
# for anonymous memory, so two more settings, for every .NET process alike: W^X off (otherwise JIT
# code runs from a memfd double mapping perf cannot name) and ReadyToRun off (otherwise framework
# code runs from the precompiled images, which the map does not cover; hot methods end up in tier-1
# JIT code either way, which is what a warmed-up process runs). The same settings as bench/run.sh
# otherwise.
dotnet_settings+=(DOTNET_PerfMapEnabled=3 DOTNET_PerfMapShowOptimizationTiers=1 DOTNET_EnableWriteXorExecute=0 DOTNET_ReadyToRun=0)

# --- build -----------------------------------------------------------------------------------
apps=(Gateway.SampleApi Gateway.Bench.Report)
wants yarp && apps+=(Gateway.Bench.BareYarp)
wants_gateway && apps+=(Gateway.Proxy Gateway.Auth)
if ((build)); then
  projects=()
  for app in "${apps[@]}"; do
    if [[ -d $BENCH_DIR/$app ]]; then projects+=("$BENCH_DIR/$app/$app.csproj"); else projects+=("$REPO_DIR/$app/$app.csproj"); fi
  done
  build_projects "${projects[@]}"
fi
require_built "${apps[@]}"
# Every figure and table is computed in C# (bench/Gateway.Bench.Report, on bench/Gateway.Bench.Measure).
report_tool=(dotnet "$(app_dir Gateway.Bench.Report)/Gateway.Bench.Report.dll")

# --- servers (as bench/run.sh starts them) ---------------------------------------------------
free_port backend_port
wants yarp && free_port yarp_port
gateway_auth_env=()
if wants_gateway; then
  free_port redis_port
  free_port gateway_port
  free_port gateway_rl_strict_port
  free_port gateway_rl_batched_port
  free_port gateway_rl_approximate_port
  free_port postgres_port
  free_port auth_grpc_port
  free_port auth_http_port
  redis_password=$(random_secret)
  postgres_password=$(random_secret)
  start_postgres postgres "$postgres_port" "$postgres_password"
fi
start_backend backend "$backend_port"
wants yarp && start_bare_yarp yarp "$yarp_port" "$backend_port"
wants_gateway && start_redis redis "$redis_port" "$redis_password"
wait_ready backend "$backend_port" /api/hello "Hello from the sample API"
if wants_gateway; then
  wait_redis redis "$redis_port" "$redis_password"
  wait_postgres postgres "$postgres_port" "$postgres_password" authdb
  Auth__Plans__free__RequestsPerWindow=2000000000 Auth__Plans__free__WindowSeconds=60 \
    start_auth auth "$auth_grpc_port" "$auth_http_port" "$postgres_port" "$postgres_password" "$redis_port" "$redis_password"
  gateway_auth_env=(Gateway__AuthService__Address="http://127.0.0.1:$auth_grpc_port")
  log "starting gateway proxy on 127.0.0.1:$gateway_port"
  start_gateway gateway "$gateway_port"
  # The rate limited targets: gateways of their own, as bench/run.sh starts them.
  start_rl_gateway strict
  start_rl_gateway batched
  start_rl_gateway approximate
fi
wants yarp && wait_ready yarp "$yarp_port" /api/hello "Hello from the sample API"
if wants_gateway; then
  wait_ready gateway "$gateway_port" /health Healthy
  wait_ready gateway-rl-strict "$gateway_rl_strict_port" /health Healthy
  wait_ready gateway-rl-batched "$gateway_rl_batched_port" /health Healthy
  wait_ready gateway-rl-approximate "$gateway_rl_approximate_port" /health Healthy
  find_anon_path "$gateway_port"
  wait_ready auth "$auth_http_port" /health Healthy
  sign_up_bench_user "$gateway_port"
  check_rl_route "$gateway_rl_strict_port" strict
  check_rl_route "$gateway_rl_batched_port" batched
  check_rl_route "$gateway_rl_approximate_port" approximate
fi

# The perf maps of every .NET process we started (only ours: named by our PIDs).
for entry in "${started[@]}"; do
  cleanup_files+=("/tmp/perf-${entry%%:*}.map" "/tmp/perfinfo-${entry%%:*}.map")
done
all_server_pids=()
for entry in "${started[@]}"; do all_server_pids+=("${entry%%:*}"); done

server_cpu_line=
[[ -n $(server_cpu_number) ]] && server_cpu_line="cpu$(server_cpu_number)"
core_busy_ticks() {
  [[ -n $server_cpu_line ]] || { printf 0; return; }
  awk -v cpu="$server_cpu_line" '$1 == cpu { printf "%d", $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat
}
cpu_ticks() {
  local total=0 pid utime stime
  for pid in "$@"; do
    utime=$(stat_field "$pid" 14) || die "process $pid exited during the run"
    stime=$(stat_field "$pid" 15)
    total=$((total + utime + stime))
  done
  printf '%s' "$total"
}

# --- targets ---------------------------------------------------------------------------------
# key, label, URL, the profiled process (named as started: its JIT log), header.
target_keys=() target_labels=() target_urls=() target_pids=() target_servers=() target_headers=()
add_target() { # key label url server [header]
  local pid_var="pid_${4//-/_}"
  target_keys+=("$1") target_labels+=("$2") target_urls+=("$3") target_pids+=("${!pid_var}") target_servers+=("$4 backend") target_headers+=("${5:-}")
}
wants yarp && add_target yarp "bare YARP" "http://127.0.0.1:$yarp_port/api/hello" yarp
wants gateway-anon && add_target gateway-anon "gateway, anonymous ($gateway_anon_path), no rate limit" \
  "http://127.0.0.1:$gateway_port$gateway_anon_path" gateway
wants gateway-auth && add_target gateway-auth "gateway, authenticated (cached token), no rate limit" \
  "http://127.0.0.1:$gateway_port/api/hello" gateway "$auth_header"
wants gateway-rl-batched && add_target gateway-rl-batched "gateway, authenticated + rate limited (batched): the full chain" \
  "http://127.0.0.1:${gateway_rl_batched_port:-}/api/hello" gateway-rl-batched "$auth_header"
wants gateway-rl-approximate && add_target gateway-rl-approximate "gateway, authenticated + rate limited (approximate, the default)" \
  "http://127.0.0.1:${gateway_rl_approximate_port:-}/api/hello" gateway-rl-approximate "$auth_header"
wants gateway-rl-strict && add_target gateway-rl-strict "gateway, authenticated + rate limited (strict)" \
  "http://127.0.0.1:${gateway_rl_strict_port:-}/api/hello" gateway-rl-strict "$auth_header"

measurements=$work_dir/measurements.tsv
: >"$measurements"

# Loads target $1 for $2 seconds with wrk; with $3 = "profile", perf samples the target's process
# (all its threads, on-CPU only: the cpu-clock software event, frame-pointer call graphs) for the
# same time and the result is recorded.
load() {
  local i=$1 seconds=$2 mode=${3:-warm-up} pid=${target_pids[$1]} key=${target_keys[$1]}
  check_servers
  local -a args=(-t1 -c"$connections" -d"${seconds}s" --timeout 2s -s "$BENCH_DIR/wrk-report.lua")
  [[ -n ${target_headers[i]} ]] && args+=(-H "${target_headers[i]}")
  local perf_pid='' counters_pid='' before_cpu before_core before_ours after_cpu after_core after_ours
  if [[ $mode == profile ]]; then
    "${client_pin[@]}" perf record -q -e cpu-clock -F "$frequency" -g -p "$pid" -o "$work_dir/$key.perf.data" \
      -- sleep "$seconds" >"$work_dir/$key.perf.log" 2>&1 &
    perf_pid=$!
    helpers+=("$perf_pid:$(stat_field "$perf_pid" 22 || echo gone)")
    # GC and allocation figures for the same window (System.Runtime counters over EventPipe).
    if [[ -n $counters_tool ]]; then
      "${client_pin[@]}" "$counters_tool" collect -p "$pid" --counters System.Runtime --refresh-interval 1 \
        --format csv -o "$work_dir/$key.counters.csv" \
        --duration "$(printf '00:%02d:%02d:%02d' $(((seconds + 1) / 3600)) $(((seconds + 1) / 60 % 60)) $(((seconds + 1) % 60)))" \
        >"$work_dir/$key.counters.log" 2>&1 </dev/null &
      counters_pid=$!
      helpers+=("$counters_pid:$(stat_field "$counters_pid" 22 || echo gone)")
    fi
    sleep 0.5 # perf attaches to every thread of the process first
  fi
  before_core=$(core_busy_ticks)
  before_ours=$(cpu_ticks "${all_server_pids[@]}")
  before_cpu=$(cpu_ticks "$pid")
  "${client_pin[@]}" wrk "${args[@]}" "${target_urls[i]}" >"$work_dir/wrk.out" 2>&1 &
  client_pid=$!
  wait "$client_pid" || { cat "$work_dir/wrk.out" >&2; die "wrk failed against ${target_labels[i]}"; }
  client_pid=
  after_cpu=$(cpu_ticks "$pid")
  after_ours=$(cpu_ticks "${all_server_pids[@]}")
  after_core=$(core_busy_ticks)
  if [[ -n $perf_pid ]]; then
    wait "$perf_pid" || { cat "$work_dir/$key.perf.log" >&2; die "perf record failed for $key"; }
    # dotnet-counters ends on its own after --duration.
    [[ -n $counters_pid ]] && { wait "$counters_pid" || log "dotnet-counters failed for $key (see no GC figures)"; }
    helpers=()
  fi
  local line requests duration_us p50_us p99_us failed
  line=$(sed -n 's/^BENCH //p' "$work_dir/wrk.out")
  [[ -n $line ]] || { cat "$work_dir/wrk.out" >&2; die "no result from wrk for ${target_labels[i]}"; }
  # wrk-report.lua's key=value words, read without eval.
  local pair
  for pair in $line; do
    [[ $pair =~ ^(requests|duration_us|p50_us|p99_us|failed)=([0-9]+)$ ]] && printf -v "${BASH_REMATCH[1]}" '%s' "${BASH_REMATCH[2]}"
  done
  ((requests > 0)) || die "no request completed against ${target_labels[i]}"
  ((failed == 0)) || die "$failed request(s) failed against ${target_labels[i]}"
  "${report_tool[@]}" profile-measurement key="$key" mode="$mode" requests="$requests" duration_us="$duration_us" \
    p50_us="$p50_us" p99_us="$p99_us" tick_us=$((1000000 / clk_tck)) cpu=$((after_cpu - before_cpu)) \
    core_ticks=$((after_core - before_core)) our_ticks=$((after_ours - before_ours)) core="$server_cpu_line" >>"$measurements"
}

log "load: wrk -t1 -c$connections; 2 warm-up passes of ${warmup} s per target, then ${duration} s per target under perf (-F $frequency, cpu-clock, call graphs)"
started_at=$(date -u '+%Y-%m-%d %H:%M UTC')
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# Two interleaved passes, then each target until its JIT has settled (warm_until_settled,
# bench/lib.sh), as bench/run.sh does.
for pass in 1 2; do
  for i in "${!target_keys[@]}"; do load "$i" "$warmup"; done
done
if ((!quick)); then
  for i in "${!target_keys[@]}"; do
    warm_until_settled "${target_keys[i]}" 180 "${target_servers[i]}" load "$i" "$settle_window"
  done
fi
for i in "${!target_keys[@]}"; do load "$i" "$duration" profile; done

# --- report ----------------------------------------------------------------------------------
# perf script names JIT-compiled frames from /tmp/perf-<pid>.map: it has to run before cleanup.
for i in "${!target_keys[@]}"; do
  key=${target_keys[i]}
  log "resolving stacks of $key"
  "${client_pin[@]}" perf script -i "$work_dir/$key.perf.data" -F comm,tid,period,ip,sym,dso 2>/dev/null \
    | gzip -1 >"$work_dir/$key.stacks.gz"
done
report_args=(--measurements "$measurements" --frequency "$frequency")
for i in "${!target_keys[@]}"; do
  report_args+=(--target "${target_keys[i]}=${target_labels[i]}=$work_dir/${target_keys[i]}")
done
if [[ -n $keep ]]; then
  mkdir -p "$keep"
  cp "$measurements" "$work_dir"/*.stacks.gz "$keep"/
  cp "$work_dir"/*.counters.csv "$keep"/ 2>/dev/null || true
  log "stacks and measurements copied to $keep"
fi
tables=$("${report_tool[@]}" profile "${report_args[@]}")

other_load=$("${report_tool[@]}" profile-other-load "$measurements")

printf '%s\n\nOther processes on the server core while profiling: %s.\n' "$tables" "$other_load"

if ((!quick)); then
  host=$(results_host)
  report=$BENCH_DIR/results/$(date -u +%Y-%m-%d)-$host-profile.md
  mkdir -p "$BENCH_DIR/results"
  {
    echo "# Gateway CPU profile, $started_at, $host"
    echo
    common_facts "$command_line"
    echo "| perf | $(perf --version) (\`perf record -e cpu-clock -F $frequency -g -p <pid>\`, frame-pointer stacks; JIT frames from DOTNET_PerfMapEnabled=3) |"
    echo "| wrk | $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2 || true), -t1 -c$connections |"
    echo "| redis | $(redis-server --version | cut -d' ' -f3) |"
    echo "| pinning | $pinning |"
    echo "| load average at start | $load_before |"
    echo "| extra warm-up until the JIT settled | $(settled_summary) |"
    echo "| other processes on the server core | $other_load |"
    echo
    echo "$tables"
  } >"$report.tmp"
  mv "$report.tmp" "$report"
  log "saved $report"
fi
