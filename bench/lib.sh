# shellcheck shell=bash disable=SC2034  # sets variables for the scripts that source it
# Shared by the bench/*.sh scripts (sourced, not run; the caller sets BENCH_DIR and
# REPO_DIR and runs under `set -euo pipefail`): process bookkeeping that stops every started process
# by PID, loopback helpers, Release builds into bench/artifacts, and the start-up of Redis,
# PostgreSQL and Gateway.Auth the way the AppHost's executables path runs them.

# Its own build output, so a benchmark never races test.sh or an IDE over bin/ and obj/.
ARTIFACTS_DIR=$BENCH_DIR/artifacts
# The AppHost's wrappers for host-installed Redis and PostgreSQL: the benchmark runs the servers
# exactly as `./run.sh` does (passwords, SCRAM authentication, persistence off for Redis).
APPHOST_SCRIPTS=$REPO_DIR/Gateway.AppHost/scripts

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }

# 48 hex characters: safe inside connection strings and config files without quoting.
random_secret() { od -An -tx1 -N24 /dev/urandom | tr -d ' \n'; }

# --- pinning ---------------------------------------------------------------------------------
# Two cores: the load generator alone on CPU 0, every server process on CPU 1. The load generator
# then never steals time from what is measured, and each server gets exactly one core (see
# bench/README.md). Sets client_pin, server_pin and pinning (a sentence for the results file).
setup_pinning() { # load-generator-name
  client_pin=() server_pin=()
  if (($(nproc) >= 2)); then
    client_pin=(taskset -c "${BENCH_CLIENT_CPUS:-0}")
    server_pin=(taskset -c "${BENCH_SERVER_CPUS:-1}")
    pinning="$1 on CPU ${BENCH_CLIENT_CPUS:-0}, every server on CPU ${BENCH_SERVER_CPUS:-1} (taskset)"
  else
    pinning="none (1 CPU: $1 and the servers share it; ratios only)"
    log "only one CPU: running unpinned, absolute numbers mean little"
  fi
}

# The single CPU the servers are pinned to, or nothing (unpinned, or a list of CPUs).
server_cpu_number() {
  if ((${#server_pin[@]})) && [[ ${BENCH_SERVER_CPUS:-1} =~ ^[0-9]+$ ]]; then
    printf '%s' "${BENCH_SERVER_CPUS:-1}"
  fi
}

# --- process bookkeeping ---------------------------------------------------------------------
# Each started process is remembered with its kernel start time, so cleanup can never signal a
# process that merely reused one of our PIDs.
bench_init() {
  work_dir=$(mktemp -d -t gateway-bench.XXXXXXXX)
  started=()      # "pid:starttime:name", in start order
  client_pid=     # the load generator while it runs
  cleanup_files=() # files outside the work directory to delete on exit (bench/profile.sh's perf maps)
  helpers=()       # "pid:starttime" of other short-lived tools while they run (bench/profile.sh's perf)
  clk_tck=$(getconf CLK_TCK)
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

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
  [[ -n $client_pid ]] && kill -TERM "$client_pid" 2>/dev/null
  for entry in "${helpers[@]}"; do
    IFS=: read -r pid start <<<"$entry"
    ours_alive "$pid" "$start" && kill -TERM "$pid" 2>/dev/null
  done
  # Newest first: the proxies go before the backend, auth service and databases they talk to.
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
  # BENCH_KEEP_WORK=1 keeps the servers' logs and the load tool's summaries for a post-mortem.
  if [[ ${BENCH_KEEP_WORK:-0} == 1 ]]; then log "kept $work_dir (BENCH_KEEP_WORK=1)"; else rm -rf "$work_dir"; fi
  ((${#cleanup_files[@]})) && rm -f "${cleanup_files[@]}"
  exit "$status"
}

# Starts a server in the background; its PID is the program's own (taskset and env exec it).
# Sets pid_<name> ('-' becomes '_'). Secrets go in as variable assignments before the call
# (`SECRET=... start_server ...`): they reach the program's environment without ever being
# part of a command line that ps could show.
start_server() { # name command...
  local name=$1
  shift
  "$@" >"$work_dir/$name.log" 2>&1 &
  remember "$!" "$name"
  printf -v "pid_${name//-/_}" '%s' "$!"
}

# The AppHost's wrapper scripts run the real server as their one child: remember that child
# too (its CPU time is what a row is charged with, and cleanup then stops it even if its wrapper
# were killed), as pid_<name>_server.
adopt_child() { # name
  local pid_var="pid_${1//-/_}" child
  child=$(cat "/proc/${!pid_var}/task/${!pid_var}/children" 2>/dev/null || true)
  read -r child _ <<<"$child"
  [[ -n $child ]] || fail_with_log "$1" "$1 has no server process"
  remember "$child" "$1"
  printf -v "pid_${1//-/_}_server" '%s' "$child"
}

fail_with_log() { # name message
  log "last lines of $1's output:"
  tail -n 30 "$work_dir/$1.log" >&2 || true
  die "$2"
}

# A server that died mid-run would otherwise show up only as failed requests.
check_servers() {
  local entry pid start name
  for entry in "${started[@]}"; do
    IFS=: read -r pid start name <<<"$entry"
    ours_alive "$pid" "$start" || fail_with_log "$name" "$name ($pid) exited during the run"
  done
}

# --- loopback helpers ------------------------------------------------------------------------
claimed_ports=" "
# Ports are taken below the kernel's ephemeral range (32768-60999 by default): inside it, any
# outgoing loopback connection (a test suite running next to us makes thousands) can be holding
# the port as its local end, and the server's bind would then fail although nothing listens.
read -r ephemeral_low _ 2>/dev/null </proc/sys/net/ipv4/ip_local_port_range || ephemeral_low=32768
((ephemeral_low > 12000)) || ephemeral_low=32768
# Sets variable $1 to a loopback port nothing listens on (no connect succeeds) and we did not hand out.
free_port() {
  local port
  for _ in {1..200}; do
    port=$((10000 + RANDOM % (ephemeral_low - 10000)))
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
http_get() { # port path [header]
  local fd line
  { exec {fd}<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\n%sConnection: close\r\n\r\n' "$2" "$1" "${3:+$3$'\r\n'}" >&"$fd"
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
build_projects() { # csproj...
  local project
  for project in "$@"; do
    log "building $(basename "$project" .csproj) (Release)"
    dotnet build "$project" -c Release --artifacts-path "$ARTIFACTS_DIR" -nologo -v q \
      >"$work_dir/build.log" 2>&1 || { cat "$work_dir/build.log" >&2; die "build failed: $project"; }
  done
}
app_dir() { printf '%s/bin/%s/release' "$ARTIFACTS_DIR" "$1"; }
require_built() { # app...
  local app
  for app in "$@"; do
    [[ -f $(app_dir "$app")/$app.dll ]] || die "$app is not built; run without --no-build"
  done
}

# Same runtime settings for every .NET process: Production, no OTLP exporter, and inline socket
# completions (measured here as part of the YARP tuning). The environment is explicit so a shell
# that happens to export ASPNETCORE_ENVIRONMENT=Development cannot change the results. `env -C`
# sets the working directory, which is where ASP.NET Core looks for appsettings.json.
dotnet_env=(env -u OTEL_EXPORTER_OTLP_ENDPOINT -u DOTNET_ENVIRONMENT -u ASPNETCORE_URLS)
#
# DOTNET_JitDisasmSummary makes the JIT log one line per method it compiles (the shipped runtime
# honours it); every start_* function below points it at a file of the server's own with
# DOTNET_JitStdOutFile (jit_log). The warm-up reads those files to know when a server runs its
# final, tier-1 code (jit_compiled). In a warmed-up process the JIT compiles nothing, so the
# setting costs nothing while measuring.
dotnet_settings=(ASPNETCORE_ENVIRONMENT=Production DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 DOTNET_JitDisasmSummary=1)

# The JIT's log of server $1.
jit_log() { printf '%s/%s.jit' "$work_dir" "$1"; }

# Methods compiled so far by the named servers (a name without a JIT log, e.g. nginx, counts 0).
jit_compiled() { # name...
  local total=0 name lines
  for name in "$@"; do
    [[ -f $(jit_log "$name") ]] || continue
    lines=$(wc -l <"$(jit_log "$name")")
    total=$((total + lines))
  done
  printf '%d' "$total"
}

# A fixed warm-up is not enough on a slow core: loaded alone on 2026-12-01's machine, bare YARP
# reached its final code after ~45 s of load and the rate limited gateway, with several times as
# much code to tier up (ASP.NET's authentication, authorization and rate limiting, gRPC, Redis),
# after ~90 s. How much of that a fixed warm-up covers depends on how many targets share it.
# warm_until_settled repeats a warm-up pass of settle_window seconds until the servers a target's
# requests pass through compile fewer than settled_methods methods in one (rarely run code, such
# as the 5 s health probes, keeps tiering up for minutes, so "none" would never come), or until it
# has spent max seconds; it adds "<key> <seconds> s" to settled_targets, marked "(not settled)" if
# it gave up. settled_summary prints that list for a results file.
settle_window=5 settled_methods=20 settled_targets=()
warm_until_settled() { # key max-seconds "server..." warm-up-command...
  local key=$1 max=$2 servers=$3 spent=0 before compiled
  shift 3
  while :; do
    # shellcheck disable=SC2086  # a list of server names
    before=$(jit_compiled $servers)
    "$@"
    spent=$((spent + settle_window))
    # shellcheck disable=SC2086
    compiled=$(($(jit_compiled $servers) - before))
    if ((compiled < settled_methods)); then
      settled_targets+=("$key $spent s")
      return 0
    fi
    if ((spent >= max)); then
      log "warning: $servers still compiled $compiled methods in the last ${settle_window} s pass after $spent s of extra warm-up"
      settled_targets+=("$key $spent s (not settled)")
      return 0
    fi
  done
}
settled_summary() {
  local IFS=,
  local joined="${settled_targets[*]}"
  printf '%s' "${joined//,/, }"
}

# --- Redis, PostgreSQL, Gateway.Auth ---------------------------------------------------------
# The newest installed PostgreSQL's bin directory (the glob itself when none is installed).
postgres_bin_dir() { local dirs=(/usr/lib/postgresql/*/bin); printf '%s\n' "${dirs[@]}" | sort -V | tail -n 1; }

# redis-server with a password (the AppHost's run-redis.sh); waits for PING, sets pid_<name>_server.
start_redis() { # name port password
  log "starting redis-server on 127.0.0.1:$2"
  # TMPDIR: its private config file lives (and dies) in our work directory.
  REDIS_PASSWORD=$3 TMPDIR=$work_dir start_server "$1" "${server_pin[@]}" "$APPHOST_SCRIPTS/run-redis.sh" "$2"
}
wait_redis() { # name port password
  local pid_var="pid_${1//-/_}" deadline=$((SECONDS + 20))
  until [[ $(REDISCLI_AUTH=$3 redis-cli -h 127.0.0.1 -p "$2" ping 2>/dev/null) == PONG ]]; do
    kill -0 "${!pid_var}" 2>/dev/null || fail_with_log "$1" "redis-server exited during start-up"
    ((SECONDS < deadline)) || fail_with_log "$1" "redis-server did not answer PING within 20 s"
    sleep 0.2
  done
  adopt_child "$1"
}

# A six-node Redis Cluster (three primaries, a replica each, as tests/Gateway.IntegrationTests'
# RedisClusterFixture builds): redis-server processes on the server CPU, each with a private
# configuration file in the work directory (password as requirepass and, for the replicas,
# masterauth), made a cluster by redis-cli --cluster create; returns once every node says
# cluster_state:ok. Sets redis_cluster_ports (all six) and redis_cluster_nodes ("host:port,...").
start_redis_cluster() { # password port...
  local password=$1 port dir i=0 deadline
  shift
  redis_cluster_ports=("$@") redis_cluster_nodes=
  for port in "$@"; do
    dir=$work_dir/redis-cluster-$i
    mkdir -p "$dir"
    (umask 077; cat >"$dir/redis.conf" <<CONF
port $port
bind 127.0.0.1
protected-mode yes
requirepass "$password"
masterauth "$password"
cluster-enabled yes
cluster-config-file nodes.conf
cluster-node-timeout 5000
save ""
appendonly no
dir $dir
CONF
    )
    log "starting Redis Cluster node $i on 127.0.0.1:$port"
    start_server "redis-cluster-$i" "${server_pin[@]}" redis-server "$dir/redis.conf"
    redis_cluster_nodes+=${redis_cluster_nodes:+,}127.0.0.1:$port
    i=$((i + 1))
  done
  i=0
  for port in "$@"; do
    deadline=$((SECONDS + 20))
    until [[ $(REDISCLI_AUTH=$password redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null) == PONG ]]; do
      ((SECONDS < deadline)) || fail_with_log "redis-cluster-$i" "Redis Cluster node $i did not answer PING within 20 s"
      sleep 0.2
    done
    i=$((i + 1))
  done
  REDISCLI_AUTH=$password redis-cli --cluster create ${redis_cluster_nodes//,/ } --cluster-replicas 1 --cluster-yes     >"$work_dir/redis-cluster-create.log" 2>&1 || fail_with_log redis-cluster-create "redis-cli --cluster create failed"
  deadline=$((SECONDS + 60))
  for port in "$@"; do
    until REDISCLI_AUTH=$password redis-cli -h 127.0.0.1 -p "$port" cluster info 2>/dev/null | grep -q '^cluster_state:ok'; do
      ((SECONDS < deadline)) || die "the Redis Cluster did not reach cluster_state:ok within 60 s"
      sleep 0.2
    done
  done
}

# The cluster's primaries now (ports), for per-primary statistics.
redis_cluster_primaries() { # password
  local port
  for port in "${redis_cluster_ports[@]}"; do
    if [[ $(REDISCLI_AUTH=$1 redis-cli -h 127.0.0.1 -p "$port" role 2>/dev/null | head -n 1) == master ]]; then printf '%s\n' "$port"; fi
  done
}

# A throwaway PostgreSQL (the AppHost's run-postgres.sh: initdb with SCRAM and the password, run as
# the postgres user when root) in the work directory, durability off; waits until it accepts the
# password, creates the database and sets pid_<name>_server (the postmaster).
start_postgres() { # name port password
  log "starting PostgreSQL on 127.0.0.1:$2"
  POSTGRES_PASSWORD=$3 POSTGRES_EPHEMERAL=true TMPDIR=$work_dir \
    start_server "$1" "${server_pin[@]}" "$APPHOST_SCRIPTS/run-postgres.sh" "$work_dir/$1" "$2"
}
wait_postgres() { # name port password database
  local pid_var="pid_${1//-/_}" deadline=$((SECONDS + 60)) psql
  psql="$(postgres_bin_dir)/psql"
  # initdb runs first: allow for it on a busy core.
  until PGPASSWORD=$3 PGCONNECT_TIMEOUT=2 "$psql" -h 127.0.0.1 -p "$2" -U postgres -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1; do
    kill -0 "${!pid_var}" 2>/dev/null || fail_with_log "$1" "PostgreSQL exited during start-up"
    ((SECONDS < deadline)) || fail_with_log "$1" "PostgreSQL did not accept connections within 60 s"
    sleep 0.3
  done
  adopt_child "$1"
  # The auth service creates its tables, not its database (the AppHost's AddDatabase does that).
  PGPASSWORD=$3 "$psql" -h 127.0.0.1 -p "$2" -U postgres -d postgres -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $4" >/dev/null \
    || fail_with_log "$1" "could not create database $4"
}

# Gateway.Auth as the AppHost wires it: gRPC on an h2c-only endpoint, /health on an HTTP/1 one.
# Without inline socket completions, as the AppHost runs it: with them, Npgsql's multiplexing
# write loop ran on the socket engine's thread and spin-waited there, which stopped every socket
# of the process (bench/tenants.sh, 2026-12-03: the auth service stopped answering and accepting
# for good; the service now turns multiplexing off when it sees the setting).
start_auth() { # name grpc-port http-port postgres-port postgres-password redis-port redis-password [app-dir]
  log "starting Gateway.Auth: gRPC (h2c) on 127.0.0.1:$2, HTTP/1 health on 127.0.0.1:$3"
  ConnectionStrings__authdb="Host=127.0.0.1;Port=$4;Username=postgres;Password=$5;Database=authdb" \
  ConnectionStrings__redis="127.0.0.1:$6,password=$7" \
    start_server "$1" "${server_pin[@]}" "${dotnet_env[@]}" -C "${8:-$(app_dir Gateway.Auth)}" "${dotnet_settings[@]}" DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=0 DOTNET_JitStdOutFile="$(jit_log "$1")" \
      Kestrel__Endpoints__grpc__Url="http://127.0.0.1:$2" Kestrel__Endpoints__grpc__Protocols=Http2 \
      Kestrel__Endpoints__http__Url="http://127.0.0.1:$3" Kestrel__Endpoints__http__Protocols=Http1 \
      dotnet Gateway.Auth.dll
}

# --- the benchmark's own servers (bench/run.sh, bench/profile.sh) -----------------------------
# The sample backend (Production, its usual service defaults).
start_backend() { # name port [setting...] (later settings win)
  log "starting sample backend on 127.0.0.1:$2"
  start_server "$1" "${server_pin[@]}" "${dotnet_env[@]}" -C "$(app_dir Gateway.SampleApi)" "${dotnet_settings[@]}" DOTNET_JitStdOutFile="$(jit_log "$1")" \
    ASPNETCORE_URLS="http://127.0.0.1:$2" \
    "${@:3}" \
    dotnet Gateway.SampleApi.dll
}

# bench/Gateway.Bench.BareYarp: one catch-all route to the backend, nothing else.
start_bare_yarp() { # name port backend-port [setting...] (later settings win)
  log "starting bare YARP on 127.0.0.1:$2"
  start_server "$1" "${server_pin[@]}" "${dotnet_env[@]}" -C "$(app_dir Gateway.Bench.BareYarp)" "${dotnet_settings[@]}" DOTNET_JitStdOutFile="$(jit_log "$1")" \
    ASPNETCORE_URLS="http://127.0.0.1:$2" \
    ReverseProxy__Clusters__backend__Destinations__backend__Address="http://127.0.0.1:$3" \
    "${@:4}" \
    dotnet Gateway.Bench.BareYarp.dll
}

# The rate limited rows run gateways of their own, identical to the main one except that the
# shipped /api route carries a per-user policy bench-<mode> (strict, batched or approximate): same route, same
# path, same transforms as the cached-token row, so the rows differ by the limiter alone.
# Listens on $gateway_rl_<mode>_port; sets pid_gateway_rl_<mode> (start_gateway's later settings win).
start_rl_gateway() { # mode [setting...]
  local port_var=gateway_rl_${1}_port
  log "starting gateway proxy with a $1 per-user limit on /api on 127.0.0.1:${!port_var}"
  start_gateway "gateway-rl-$1" "${!port_var}" \
    "ReverseProxy__Routes__api__RateLimiterPolicy=bench-$1" \
    "Gateway__RateLimiting__Policies__bench-$1__Partition=User" \
    "Gateway__RateLimiting__Policies__bench-$1__Mode=${1^}" \
    "${@:2}"
}

# shellcheck disable=SC2154  # backend_port, redis_port, redis_password, gateway_auth_env: the caller sets them
# The real Gateway.Proxy with its own appsettings.json (routes, auth cache, logging) as shipped;
# only what the AppHost would inject is supplied, with the sampleapi cluster pointing straight at
# the backend ($backend_port), Redis at $redis_port/$redis_password, plus gateway_auth_env (the
# auth service's gRPC address in place of service discovery). The anonymous and cached-token
# routes run without rate limiting (YARP's "Disable" policy on `public` and `api`): the shipped
# limits would turn most of a load test into 429s; the rate limited rows get gateways of their own
# (start_rl_gateway). Each gateway serves its own files (Gateway__RuntimeConfig__Enabled=false):
# with the store on, the first gateway would store its routes as version 1 and every later one,
# whatever its settings, would serve that version.
start_gateway() { # name port [setting...]
  local name=$1 port=$2
  shift 2
  # gateway_redis: another Redis for this gateway (a Redis Cluster's nodes), its password included;
  # gateway_app: another build's directory (tenants.sh --alt-proxy).
  ConnectionStrings__redis="${gateway_redis:-127.0.0.1:$redis_port,password=$redis_password}" \
    start_server "$name" "${server_pin[@]}" "${dotnet_env[@]}" -C "${gateway_app:-$(app_dir Gateway.Proxy)}" "${dotnet_settings[@]}" DOTNET_JitStdOutFile="$(jit_log "$name")" \
      ASPNETCORE_URLS="http://127.0.0.1:$port" \
      ReverseProxy__Clusters__sampleapi__Destinations__sampleapi__Address="http://127.0.0.1:$backend_port" \
      ReverseProxy__Clusters__sampleapi-grpc__Destinations__sampleapi__Address="http://127.0.0.1:${backend_grpc_port:-$backend_port}" \
      ReverseProxy__Routes__public__RateLimiterPolicy=Disable ReverseProxy__Routes__api__RateLimiterPolicy=Disable \
      Gateway__RuntimeConfig__Enabled=false \
      "${gateway_auth_env[@]}" \
      "$@" \
      dotnet Gateway.Proxy.dll
}

# The gateway's anonymous route: /public/... where /api/... requires a credential (the
# authentication work), /api/... before that. Sets gateway_anon_path to the first that answers
# 200 without one.
find_anon_path() { # gateway-port
  local path response
  gateway_anon_path=
  for path in /public/hello /api/hello; do
    response=$(http_get "$1" "$path" || true)
    if [[ $response == "HTTP/1.1 200 "* && $response == *"Hello from the sample API"* ]]; then
      gateway_anon_path=$path
      return 0
    fi
  done
  fail_with_log gateway "the gateway answered neither /public/hello nor /api/hello without a credential"
}

# POSTs a JSON body read from stdin (so no secret is on a command line) to the gateway; prints
# the body, then the status code on the last line.
gateway_post_json() { # gateway-port path
  curl -sS --max-time 30 -H 'Content-Type: application/json' --data-binary @- \
    -w '\n%{http_code}' "http://127.0.0.1:$1$2"
}

# A user of its own, signed up and logged in through the gateway's public account endpoints; the
# access token (1 h lifetime) is then served from the proxy's auth cache. Checks that /api/hello
# answers 401 without the token and 200 with it. Sets auth_header.
sign_up_bench_user() { # gateway-port
  local port=$1 user password credentials response token
  user="bench-$(random_secret | cut -c1-12)"
  password=$(random_secret)
  credentials="{\"userName\":\"$user\",\"password\":\"$password\"}"
  response=$(gateway_post_json "$port" /auth/register <<<"$credentials") || fail_with_log gateway "POST /auth/register failed"
  [[ ${response##*$'\n'} == 201 ]] || fail_with_log auth "POST /auth/register answered ${response##*$'\n'}: ${response%$'\n'*}"
  response=$(gateway_post_json "$port" /auth/login <<<"$credentials") || fail_with_log gateway "POST /auth/login failed"
  [[ ${response##*$'\n'} == 200 ]] || fail_with_log auth "POST /auth/login answered ${response##*$'\n'}"
  token=$(sed -n 's/.*"accessToken":"\([^"]*\)".*/\1/p' <<<"${response%$'\n'*}")
  [[ -n $token ]] || die "the login answer has no accessToken"
  auth_header="Authorization: Bearer $token"
  # The route must really be authenticated (401 without the token) and let the token through.
  response=$(http_get "$port" /api/hello || true)
  [[ $response == "HTTP/1.1 401 "* ]] || fail_with_log gateway "GET /api/hello without a token answered: ${response%%$'\n'*}"
  response=$(http_get "$port" /api/hello "$auth_header" || true)
  [[ $response == "HTTP/1.1 200 "* && $response == *"Hello from the sample API"* ]] \
    || fail_with_log gateway "GET /api/hello with the token answered: ${response%%$'\n'*}"
}

# A rate limited gateway must refuse a request without the token and let $auth_header through
# with the limiting headers of its policy set (the limiter ran).
check_rl_route() { # gateway-port mode
  local response
  response=$(http_get "$1" /api/hello || true)
  [[ $response == "HTTP/1.1 401 "* ]] || fail_with_log "gateway-rl-$2" "GET /api/hello without a token answered: ${response%%$'\n'*}"
  response=$(http_get "$1" /api/hello "$auth_header" || true)
  [[ $response == "HTTP/1.1 200 "* && $response == *"Hello from the sample API"* ]] \
    || fail_with_log "gateway-rl-$2" "GET /api/hello with the token answered: ${response%%$'\n'*}"
  grep -qi '^RateLimit-Policy: "bench-'"$2"'"' <<<"$response" \
    || fail_with_log "gateway-rl-$2" "GET /api/hello answered without a RateLimit-Policy header of bench-$2"
}

# --- results ---------------------------------------------------------------------------------
# The first rows of every results file's machine facts.
common_facts() { # command-line
  local commit
  commit=$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo unknown)
  if [[ -n $(git -C "$REPO_DIR" status --porcelain 2>/dev/null) ]]; then commit+=" (with uncommitted changes)"; fi
  echo "| fact | value |"
  echo "|---|---|"
  echo "| command | \`$1\` |"
  echo "| commit | $commit |"
  echo "| CPUs (nproc) | $(nproc) |"
  echo "| CPU model | $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1) |"
  echo "| memory | $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) |"
  echo "| kernel | $(uname -sr) |"
  echo "| .NET SDK | $(dotnet --version) |"
}

results_host() { uname -n | tr -c 'A-Za-z0-9._\n-' '_'; }

# --- tenants (bench/tenants.sh, bench/cold-start.sh) -------------------------------------------
# shellcheck disable=SC2154  # tenants_tool, postgres_port, postgres_password: the caller sets them
# Seeds N credentials over users (Gateway.Bench.Tenants seed: shapes and SHA-256 rules of the auth
# service's Credentials.cs) straight into the auth service's tables, in one transaction: plans
# (created or updated), users, access tokens, API keys. psql's \copy reads the files client side.
# The auth service must have migrated its schema (its /health is Healthy).
seed_tenants() { # dir keys users-or-empty plan...
  local dir=$1 keys=$2 users=$3 seeded_at psql
  shift 3
  psql="$(postgres_bin_dir)/psql"
  log "seeding $keys credentials over ${users:-$keys} users (plans: $*)"
  local -a args=(seed --out "$dir" --keys "$keys")
  [[ -n $users ]] && args+=(--users "$users")
  local plan
  for plan in "$@"; do args+=(--plan "$plan"); done
  "${tenants_tool[@]}" "${args[@]}" 2>"$work_dir/seed.log" || { cat "$work_dir/seed.log" >&2; die "seeding failed"; }
  seeded_at=$SECONDS
  PGPASSWORD=$postgres_password "$psql" -h 127.0.0.1 -p "$postgres_port" -U postgres -d authdb -v ON_ERROR_STOP=1 -q >"$work_dir/copy.log" 2>&1 <<SQL || { cat "$work_dir/copy.log" >&2; die "psql \\copy of the seed failed"; }
BEGIN;
CREATE TEMP TABLE seed_plans (name text, requests_per_window integer, window_seconds integer) ON COMMIT DROP;
\copy seed_plans FROM '$dir/plans.csv' WITH (FORMAT csv, HEADER true)
INSERT INTO plans (name, requests_per_window, window_seconds) SELECT name, requests_per_window, window_seconds FROM seed_plans
  ON CONFLICT (name) DO UPDATE SET requests_per_window = EXCLUDED.requests_per_window, window_seconds = EXCLUDED.window_seconds, updated_at = now();
\copy users (id, user_name, user_name_normalized, password_hash, plan, roles) FROM '$dir/users.csv' WITH (FORMAT csv, HEADER true)
\copy access_tokens (token_hash, user_id, expires_at) FROM '$dir/access_tokens.csv' WITH (FORMAT csv, HEADER true)
\copy api_keys (id, key_hash, user_id, name, prefix) FROM '$dir/api_keys.csv' WITH (FORMAT csv, HEADER true)
COMMIT;
ANALYZE;
SQL
  log "seed copied in $((SECONDS - seeded_at)) s: $(PGPASSWORD=$postgres_password "$psql" -h 127.0.0.1 -p "$postgres_port" -U postgres -d authdb -Atqc \
    "SELECT (SELECT count(*) FROM users) || ' users, ' || (SELECT count(*) FROM access_tokens) || ' access tokens, ' || (SELECT count(*) FROM api_keys) || ' API keys'")"
}
