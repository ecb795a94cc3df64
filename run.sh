#!/usr/bin/env bash
# Runs the whole Gateway system: Aspire dashboard, Redis, PostgreSQL, auth, 2 proxy replicas,
# the live dashboard and the sample API. Stop with Ctrl+C (or SIGTERM / SIGINT to this script).
set -euo pipefail
cd "$(dirname "$0")"

scripts/prerequisites.sh run

export ASPIRE_ALLOW_UNSECURED_TRANSPORT=true
# The AppHost runs in a process group of its own (job control), and a SIGTERM or SIGINT (Ctrl+C)
# sent to this script reaches that whole group as SIGTERM, which `dotnet run` and the AppHost both
# take as "shut down": the AppHost stops every resource it started (Redis and PostgreSQL included)
# before it exits. A plain `exec dotnet run` left the AppHost and its resources running when only
# `dotnet run` got a SIGTERM; SIGINT is not forwarded as itself because a shell that starts this
# script in the background hands it down ignored.
set -m
dotnet run --project Gateway.AppHost --launch-profile http -- "$@" &
apphost=$!
trap 'kill -TERM -- "-$apphost" 2>/dev/null || true' INT TERM
status=0
wait "$apphost" || status=$?
# After a signal, wait for the AppHost to finish stopping its resources.
while kill -0 "$apphost" 2>/dev/null; do wait "$apphost" || status=$?; done
exit "$status"
