#!/usr/bin/env bash
# Hot-path micro-benchmarks (BenchmarkDotNet, in-process, short job): auth cache hit, the rate
# limiter's local decisions, metrics recording; time and allocations per operation.
#
#   bench/micro.sh              builds bench/Gateway.Bench.Micro in Release into bench/artifacts/, runs
#                               every benchmark (a few minutes), saves bench/results/<date>-<host>-micro.md
#   bench/micro.sh --no-build   reuse the last build
#   bench/micro.sh --filter '*Metrics*'   only some benchmarks (BenchmarkDotNet filter); nothing saved
#
# No network, no servers: one process, pinned to the server CPU on 2+ cores. See bench/README.md.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
REPO_DIR=$(dirname "$BENCH_DIR")
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

command_line="bench/micro.sh${*:+ $*}"
build=1 filter='*' save=1
while (($#)); do
  case $1 in
    --no-build) build=0 ;;
    --filter) filter=${2:?}; save=0; shift ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "Unknown option: $1" >&2; exit 2 ;;
  esac
  shift
done

command -v dotnet >/dev/null || die "'dotnet' not found"
# The benchmark process gets the core the servers get in run.sh, away from anything pinned to CPU 0.
setup_pinning "nothing"
bench_init

app=Gateway.Bench.Micro
((build)) && build_projects "$BENCH_DIR/$app/$app.csproj"
require_built "$app"

started_at=$(date -u '+%Y-%m-%d %H:%M UTC')
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
log "running $app (filter '$filter'); progress in $work_dir/micro.log"
# In the background (and remembered) so that Ctrl+C stops it through cleanup.
start_server micro "${server_pin[@]}" "${dotnet_env[@]}" -C "$(app_dir "$app")" \
  dotnet "$app.dll" --filter "$filter" --artifacts "$work_dir/bdn"
client_pid=$pid_micro
wait "$pid_micro" || { tail -n 40 "$work_dir/micro.log" >&2; die "$app failed"; }
client_pid=

reports=("$work_dir"/bdn/results/*-report-github.md)
[[ -f ${reports[0]} ]] || { tail -n 40 "$work_dir/micro.log" >&2; die "no BenchmarkDotNet report"; }
# Each report: the environment block (``` ... ```) once, then its table.
summary=$(
  sed -n '/^```$/,/^```$/p' "${reports[0]}"
  for report in "${reports[@]}"; do
    echo
    echo "### $(basename "$report" -report-github.md | sed 's/^Gateway\.Bench\.Micro\.//')"
    echo
    sed '/^```$/,/^```$/d; /^[[:space:]]*$/d; s/&#39;//g' "$report"
  done
)
printf '\n%s\n' "$summary"

if ((save)); then
  host=$(results_host)
  report=$BENCH_DIR/results/$(date -u +%Y-%m-%d)-$host-micro.md
  mkdir -p "$BENCH_DIR/results"
  {
    echo "# Gateway hot-path micro-benchmarks, $started_at, $host"
    echo
    common_facts "$command_line"
    echo "| BenchmarkDotNet | 0.15.8, in-process (InProcessEmitToolchain), ShortRun job (1 launch, 3 warm-up, 3 measured iterations), MemoryDiagnoser |"
    echo "| pinning | ${server_pin[*]:-none} |"
    echo "| load average at start | $load_before |"
    echo
    echo "$summary"
    echo
    echo "Allocated: managed bytes per operation (– or 0 B: none). See bench/README.md (Micro-benchmarks)."
  } >"$report.tmp"
  mv "$report.tmp" "$report"
  log "saved $report"
fi
