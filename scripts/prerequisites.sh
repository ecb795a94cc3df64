#!/usr/bin/env bash
# Installs (or, without root, names) the system packages Gateway needs on Debian/Ubuntu.
# Usage: scripts/prerequisites.sh run|test|bench
set -euo pipefail

purpose=${1:-run}

need_packages=()
have_command() { command -v "$1" >/dev/null 2>&1; }

if ! have_command dotnet; then
  echo "The .NET 10 SDK is required: https://dot.net (dotnet was not found on PATH)." >&2
  exit 1
fi

# Redis and PostgreSQL run as executables when no container runtime is available.
have_command redis-server || need_packages+=(redis-server)
compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || need_packages+=(postgresql)

# The dashboard's build restores Chart.js from npm (pinned by Gateway.Dashboard/package-lock.json).
have_command npm || need_packages+=(nodejs npm)

case "$purpose" in
  test)
    # The dashboard's end-to-end test drives Debian's Chromium through Playwright.
    have_command chromium || need_packages+=(chromium)
    ;;
  bench)
    have_command nginx || need_packages+=(nginx)
    have_command wrk || need_packages+=(wrk)
    # HTTP/2, TLS and gRPC rows of bench/run.sh.
    have_command h2load || need_packages+=(nghttp2-client)
    have_command openssl || need_packages+=(openssl)
    ;;
esac

if [ ${#need_packages[@]} -eq 0 ]; then
  exit 0
fi

echo "Installing missing system packages: ${need_packages[*]}"
if [ "$(id -u)" -eq 0 ]; then
  sudo_cmd=()
elif have_command sudo && sudo -n true 2>/dev/null; then
  sudo_cmd=(sudo)
else
  echo "Cannot install packages without root. Run:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${need_packages[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${need_packages[@]}" >/dev/null

# The Debian packages start system-wide servers on their default ports where an init system runs;
# Gateway starts its own on free ports, so those are left alone.
echo "Installed: ${need_packages[*]}"
