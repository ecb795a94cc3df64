#!/usr/bin/env bash
# Builds the solution (Release, warnings are errors) and runs the whole test suite: unit tests and
# end-to-end tests that start the real AppHost with real Redis and PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")"

scripts/prerequisites.sh test

dotnet build Gateway.sln -c Release
# DCP starts each project with 'dotnet run --no-build', so the build above is what runs.
dotnet test Gateway.sln -c Release --no-build \
  --logger "console;verbosity=normal" \
  --blame-hang --blame-hang-timeout 10m \
  "$@"
