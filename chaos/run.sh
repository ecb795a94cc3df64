#!/usr/bin/env bash
# Faults and soak against the real gateway: starts the AppHost (host redis-server and PostgreSQL as
# executables, durable PostgreSQL data in a temporary directory) through chaos/Gateway.Chaos, drives
# bounded traffic and kills one service at a time (SIGKILL), or soaks at ~70% of capacity.
#
#   chaos/run.sh                     kill redis, auth, postgres, one proxy replica, sampleapi in turn (~3 min)
#   chaos/run.sh --soak [--minutes N] capacity, then N minutes (default 5) at ~70% of it
#   options after these go to the tool: --workers N, --hold S; --no-build, --no-save are ours
#
# The report is printed and saved to chaos/results/<date>-<chaos|soak>.md with machine facts.
# Ctrl+C or SIGTERM stops the tool, which stops every process the AppHost started. See
# docs/reliability.md.
set -euo pipefail

CHAOS_DIR=$(cd "$(dirname "$0")" && pwd)
REPO_DIR=$(dirname "$CHAOS_DIR")
PROJECT=$CHAOS_DIR/Gateway.Chaos/Gateway.Chaos.csproj
log() { printf '[chaos] %s\n' "$*" >&2; }

build=1 save=1 mode=chaos tool_args=()
for arg in "$@"; do
  case $arg in
    --no-build) build=0 ;;
    --no-save) save=0 ;;
    --soak) mode=soak; tool_args+=("$arg") ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) tool_args+=("$arg") ;;
  esac
done

"$REPO_DIR/scripts/prerequisites.sh" test

if ((build)); then
  log "building $PROJECT (Release; builds the AppHost and every service it starts)"
  dotnet build -c Release "$PROJECT" -nologo -v q >&2
fi

work_dir=$(mktemp -d "${TMPDIR:-/tmp}/gateway-chaos.XXXXXX")
tool_pid=
cleanup() {
  # The tool disposes the app (and with it DCP, Redis, PostgreSQL and the projects) on SIGTERM.
  if [[ -n $tool_pid ]] && kill -0 "$tool_pid" 2>/dev/null; then
    kill -TERM "$tool_pid" 2>/dev/null || true
    wait "$tool_pid" 2>/dev/null || true
  fi
  rm -rf "$work_dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

started_at=$(date -u '+%Y-%m-%d %H:%M UTC')
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# In the background so that a signal reaches the trap at once, not after the measurement.
dotnet "$CHAOS_DIR/Gateway.Chaos/bin/Release/net10.0/Gateway.Chaos.dll" "${tool_args[@]}" >"$work_dir/report.md" &
tool_pid=$!
status=0
wait "$tool_pid" || status=$?
tool_pid=
((status == 0)) || { log "the tool failed (exit code $status); no report"; exit "$status"; }

report=$work_dir/full.md
{
  echo "# Gateway $mode run, $started_at"
  echo
  echo "Command: \`chaos/run.sh${*:+ $*}\` at commit $(git -C "$REPO_DIR" rev-parse --short HEAD)$(git -C "$REPO_DIR" diff --quiet HEAD -- . 2>/dev/null || echo ' (plus uncommitted changes)')."
  echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) memory, kernel $(uname -r), .NET SDK $(dotnet --version), $(redis-server --version | awk '{print $3}' | tr -d 'v='), PostgreSQL $("$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/postgres" --version | awk '{print $3}')."
  echo "Shared machine: other work (builds and tests of other worktrees) ran at the same time; load average before $load_before, after $(cut -d' ' -f1-3 /proc/loadavg). Absolute numbers are indicative; the behaviour (status codes, recovery) is the point."
  echo
  cat "$work_dir/report.md"
} >"$report"

cat "$report"
if ((save)); then
  mkdir -p "$CHAOS_DIR/results"
  target=$CHAOS_DIR/results/$(date -u +%Y-%m-%d)-$mode.md
  cp "$report" "$target"
  log "saved $target"
fi
