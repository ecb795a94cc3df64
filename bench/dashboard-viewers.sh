#!/usr/bin/env bash
# CPU cost of many live dashboard viewers (issue 6): against a running ./run.sh, signs in with the
# operator key, measures the dashboard process's CPU with no viewer, then with N concurrent
# Server-Sent Events viewers, and checks that every viewer kept receiving frames.
#
#   ./run.sh &                      # the whole system, dashboard on :8081
#   bench/dashboard-viewers.sh [--viewers 50] [--seconds 30] [--url http://127.0.0.1:8081]
#
# Bounded: N curl processes for a fixed time, 127.0.0.1 only; every one is stopped on exit.
set -euo pipefail

viewers=50 seconds=30 url=http://127.0.0.1:8081
while (($#)); do
  case $1 in
    --viewers) viewers=${2:?}; shift ;;
    --seconds) seconds=${2:?}; shift ;;
    --url) url=${2:?}; shift ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "Unknown option: $1" >&2; exit 2 ;;
  esac
  shift
done

REPO_DIR=$(cd "$(dirname "$0")/.." && pwd)
# The table is computed by the bench report tool (bench/Gateway.Bench.Report, on the shared
# bench/Gateway.Bench.Measure), built into bench/artifacts/ as the other scripts build it.
report_dll=$REPO_DIR/bench/artifacts/bin/Gateway.Bench.Report/release/Gateway.Bench.Report.dll
dotnet build "$REPO_DIR/bench/Gateway.Bench.Report/Gateway.Bench.Report.csproj" -c Release --artifacts-path "$REPO_DIR/bench/artifacts" -nologo -v q >/dev/null \
  || { echo "Building bench/Gateway.Bench.Report failed." >&2; exit 1; }
report_tool=(dotnet "$report_dll")
work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT INT TERM

pid=$(pgrep -f 'Gateway.Dashboard/bin/.*/Gateway.Dashboard$' | head -1 || true)
[[ -n $pid ]] || { echo "No running Gateway.Dashboard process: start ./run.sh first." >&2; exit 1; }
key=$(dotnet user-secrets list --project "$REPO_DIR/Gateway.AppHost" 2>/dev/null | sed -n 's/^Parameters:dashboard-operator-key = //p')
[[ -n $key ]] || { echo "No dashboard-operator-key in the AppHost's user secrets (run ./run.sh once)." >&2; exit 1; }

# Sign in like a browser: the login form's antiforgery token, then the form post. The key goes
# through a file, never a command line.
jar=$work/cookies
token=$(curl -sf -c "$jar" "$url/login" | sed -n 's/.*name="__RequestVerificationToken" value="\([^"]*\)".*/\1/p' | head -1)
printf '%s' "$key" >"$work/key"
status=$(curl -s -o /dev/null -w '%{http_code}' -b "$jar" -c "$jar" --data-urlencode "__RequestVerificationToken=$token" \
  --data-urlencode "OperatorKey@$work/key" "$url/account/login")
[[ $status == 302 ]] || { echo "Sign-in failed ($status)." >&2; exit 1; }

cpu_ms() { # utime + stime of the dashboard process, in ms (clock ticks of 10 ms)
  local stat fields
  stat=$(<"/proc/$pid/stat")
  read -r -a fields <<<"${stat##*) }" # after the command name, which may hold spaces: field 3 on
  echo $(((fields[11] + fields[12]) * 10))
}
measure() { local before after; before=$(cpu_ms); sleep "$seconds"; after=$(cpu_ms); echo $((after - before)); }

idle=$(measure)
for i in $(seq "$viewers"); do
  timeout $((seconds + 10)) curl -s -N -b "$jar" "$url/api/stream" >"$work/viewer-$i" &
  pids+=("$!")
done
sleep 5   # connections open, first events sent
busy=$(measure)
for pid_viewer in "${pids[@]}"; do kill "$pid_viewer" 2>/dev/null || true; done
wait 2>/dev/null || true

min_frames=$(for i in $(seq "$viewers"); do grep -c '^event: frame' "$work/viewer-$i" || true; done | sort -n | head -1)
"${report_tool[@]}" viewers-table "$viewers" "$seconds" "$idle" "$busy" "${min_frames:-0}"
