#!/usr/bin/env bash
# Runs the whole Gateway system: Aspire dashboard, Redis, PostgreSQL, auth, 2 proxy replicas,
# the live dashboard and the sample API. Stop with Ctrl+C.
set -euo pipefail
cd "$(dirname "$0")"

scripts/prerequisites.sh run

export ASPIRE_ALLOW_UNSECURED_TRANSPORT=true
exec dotnet run --project Gateway.AppHost --launch-profile http -- "$@"
