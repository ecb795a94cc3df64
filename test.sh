#!/usr/bin/env bash
# Builds the solution (Release, warnings are errors) and runs the whole test suite, fastest first:
#   tests/Gateway.UnitTests         no processes, seconds   (alone: dotnet test tests/Gateway.UnitTests)
#   tests/Gateway.IntegrationTests  a real redis-server / the built proxy started by the tests
#   tests/Gateway.EndToEndTests     the real AppHost with real Redis and PostgreSQL, Chromium
# Extra arguments go to every `dotnet test` (e.g. --filter "FullyQualifiedName~RateLimit").
set -euo pipefail
cd "$(dirname "$0")"

scripts/prerequisites.sh test

dotnet build Gateway.sln -c Release
# One project at a time: the end-to-end suite starts a whole system on a 2-core machine, and a
# concurrent run of the others would only slow both. DCP starts each project with
# 'dotnet run --no-build', so the build above is what runs.
# Every project runs even when an earlier one failed, so one run reports every failure.
failed=()
for project in tests/Gateway.UnitTests tests/Gateway.IntegrationTests tests/Gateway.EndToEndTests; do
  dotnet test "$project" -c Release --no-build \
    --logger "console;verbosity=normal" \
    --blame-hang --blame-hang-timeout 10m \
    "$@" || failed+=("$project")
done
if ((${#failed[@]})); then
  echo "test.sh: failures in ${failed[*]}" >&2
  exit 1
fi
