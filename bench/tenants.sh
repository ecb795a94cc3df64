#!/usr/bin/env bash
# The tenant workload: many tenants' credentials (access tokens and API keys of users on both
# plans) with Zipf-like popularity, plus anonymous traffic, across two proxy replicas. Starts
# PostgreSQL, Redis, the auth service, the sample backend and one pair of gateway proxies per row
# (rate limiting off, then one pair per --modes entry) directly on loopback, seeds the tenants
# straight into the auth service's tables (psql \copy), loads each pair with
# bench/Gateway.Bench.Tenants in interleaved rounds (A B C A B C ...) and prints a markdown table:
# req/s, p50, p99, answers, Redis calls and CPU per call and per decision, auth calls per second,
# and how closely the limiter held the keys that were offered more than their limit.
#
#   bench/tenants.sh            normal run (~15 min), table also saved to bench/results/<date>-<host>-tenants.md
#   bench/tenants.sh --quick    smoke run (1,000 keys, seconds of load per row), nothing saved
#
# Everything it starts is stopped by PID on exit, Ctrl+C or error. See bench/README.md.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
REPO_DIR=$(dirname "$BENCH_DIR")
# shellcheck source=bench/lib.sh
source "$BENCH_DIR/lib.sh"

usage() {
  cat <<EOF
Usage: bench/tenants.sh [--quick] [--no-build] [--keys N] [--users N] [--zipf S] [--anonymous-share P]
                        [--duration S] [--warmup S] [--settle S] [--rounds N] [--connections N] [--rate R]
                        [--client-addresses N] [--no-prime] [--auth-ttl M]
                        [--modes LIST] [--references LIST] [--cluster] [--alt-proxy DIR] [--plan NAME=L/W@SHARE]... [--keep-json DIR]

  --quick              smoke run: 1,000 keys, plans with 2 s windows, 2 s warm-up passes and one
                       6 s round per row; no results file
  --no-build           use the last Release build in bench/artifacts
  --keys N             distinct credentials (default 10000; half access tokens, half API keys)
  --users N            users owning them (default: one per credential)
  --zipf S             popularity exponent: the key of rank r gets a share proportional to 1/r^S (default 1.0)
  --anonymous-share P  share of requests without a credential, to the anonymous route (default 0.1)
  --duration S         seconds per measurement (default 30: at least two complete 10 s windows)
  --warmup S           seconds of each of the two warm-up passes over the rows (default 15)
  --settle S           after those, at most this many more seconds of warm-up per row, in ${settle_window} s
                       passes, until its proxies' and the backend's JIT has settled (default 120; none with --quick)
  --rounds N           interleaved rounds, every row once per round (default 3)
  --connections N      requests in flight (HTTP/1.1 connections) of the load tool (default 64)
  --client-addresses N tenants come from N loopback addresses (127.1.0.1 on; credential i from address
                       i mod N, anonymous requests from any), each a client of its own to the proxies;
                       0: everything from 127.0.0.1 (default 256)
  --rate R             open loop at R requests per second in all (default: closed loop)
  --modes LIST         rate-limit modes, one row and one proxy pair each (default strict,batched,approximate);
                       any name the proxy's Gateway:RateLimiting Mode accepts
  --references LIST    rows to compare with, before the tenant rows (default yarp,nginx,hotkey; none: only
                       the tenant rows): yarp = two bare YARP hosts (no authentication, no limit),
                       nginx = the nginx gateway peer (two instances: auth_request to a token-check
                       service with proxy_cache per credential, limit_req per credential local to
                       each), hotkey = the full chain for one hot access token (the default mode,
                       a per-user limit no run reaches, no anonymous share)
  --cluster            also run the hot-key row and every --modes row with their proxies on a six-node
                       Redis Cluster (three primaries, a replica each; rows "<row>_cluster"), in the
                       same interleaved rounds as the rows on one Redis (the auth service stays on
                       the single one); Redis columns then sum the cluster's primaries
  --alt-proxy DIR      an A/B run: also run the hot-key row and every --modes row with another build of
                       the proxy (DIR holds its Gateway.Proxy.dll, e.g. an older commit's Release
                       output; rows "<row>_alt"), in the same interleaved rounds, every other server shared
  --plan NAME=L/W@S    a plan: L requests per W seconds for a share S of the users (repeatable;
                       default free=600/10@0.8 pro=3000/10@0.2, with --quick free=120/2@0.8 pro=600/2@0.2)
  --no-prime           skip sending every credential once through every proxy before the warm-up (then
                       rows start with different numbers of uncached keys; the tail keys' first lookups
                       land in the rounds)
  --auth-ttl M         minutes a positive auth answer is cached, by the gateway rows and the nginx peer
                       alike (default 60: longer than the run). Each row idles while the others are
                       measured (about 4 minutes a cycle); with the shipped 5 minutes, the keys a row
                       learned in one round expire before its next one, a wave of lookups no
                       continuously loaded replica sees (there, refresh-ahead revalidates keys in use
                       before they expire). What misses cost is bench/cold-start.sh's subject; 5 gives
                       the shipped TTL
  --keep-json DIR      copy every measurement's JSON summary (per-key counts included) to DIR

Environment: BENCH_CLIENT_CPUS / BENCH_SERVER_CPUS override the taskset CPU lists (default 0 and 1).
BENCH_PERF_ROWS=LIST with BENCH_PERF_DIR=DIR: in the last round, perf samples the first proxy of each
listed row (cpu-clock, call graphs, as bench/profile.sh) and DIR gets its stacks and a measurements
line for the profile report (Gateway.Bench.Report profile; see bench/README.md).
EOF
}

# --- options --------------------------------------------------------------------------------
command_line="bench/tenants.sh${*:+ $*}"
quick=0 build=1 keys=10000 users= zipf=1.0 anonymous_share=0.1 duration=30 warmup=15 settle=120 rounds=3
connections=64 rate= modes=strict,batched,approximate references=yarp,nginx,hotkey keep_json= plans=() client_addresses=256 prime=1 auth_ttl=60 cluster=0 alt_proxy=
# --quick only changes the defaults, so '--quick --rounds 2' means what it says.
for arg in "$@"; do
  if [[ $arg == --quick ]]; then quick=1 keys=1000 duration=6 warmup=2 rounds=1 prime=0; fi
done
while (($#)); do
  case $1 in
    --quick) ;;
    --no-build) build=0 ;;
    --keys) keys=${2:?}; shift ;;
    --users) users=${2:?}; shift ;;
    --zipf) zipf=${2:?}; shift ;;
    --anonymous-share) anonymous_share=${2:?}; shift ;;
    --duration) duration=${2:?}; shift ;;
    --warmup) warmup=${2:?}; shift ;;
    --settle) settle=${2:?}; shift ;;
    --rounds) rounds=${2:?}; shift ;;
    --connections) connections=${2:?}; shift ;;
    --client-addresses) client_addresses=${2:?}; shift ;;
    --rate) rate=${2:?}; shift ;;
    --modes) modes=${2:?}; shift ;;
    --references) references=${2:?}; shift ;;
    --cluster) cluster=1 ;;
    --alt-proxy) alt_proxy=${2:?}; shift ;;
    --plan) plans+=("${2:?}"); shift ;;
    --keep-json) keep_json=${2:?}; shift ;;
    --prime) prime=1 ;;
    --no-prime) prime=0 ;;
    --auth-ttl) auth_ttl=${2:?}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "Unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
for n in "$keys" "$duration" "$warmup" "$settle" "$rounds" "$connections" "$auth_ttl" ${users:+"$users"} ${rate:+"$rate"}; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "Options take positive integers, got '$n'." >&2; exit 2; }
done
((auth_ttl <= 60)) || { echo "--auth-ttl takes 1 to 60 (minutes), got '$auth_ttl'." >&2; exit 2; }
[[ $client_addresses =~ ^[0-9]+$ ]] && ((client_addresses <= 62500)) || { echo "--client-addresses takes 0 to 62500, got '$client_addresses'." >&2; exit 2; }
[[ $zipf =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "--zipf takes a number, got '$zipf'." >&2; exit 2; }
[[ $anonymous_share =~ ^(0(\.[0-9]+)?|1(\.0+)?)$ ]] || { echo "--anonymous-share takes a number from 0 to 1, got '$anonymous_share'." >&2; exit 2; }
if ((${#plans[@]} == 0)); then
  if ((quick)); then plans=(free=120/2@0.8 pro=600/2@0.2); else plans=(free=600/10@0.8 pro=3000/10@0.2); fi
fi
mode_list=()
for mode in ${modes//,/ }; do
  [[ $mode =~ ^[A-Za-z][A-Za-z0-9]*$ ]] || { echo "--modes: '$mode' is not a mode name." >&2; exit 2; }
  mode=${mode,,}
  [[ " ${mode_list[*]} " == *" $mode "* ]] || mode_list+=("$mode")
done
reference_list=()
for reference in ${references//,/ }; do
  case $reference in
    none) ;;
    yarp|nginx|hotkey) [[ " ${reference_list[*]} " == *" $reference "* ]] || reference_list+=("$reference") ;;
    *) echo "--references: '$reference' is not one of yarp, nginx, hotkey, none." >&2; exit 2 ;;
  esac
done
if [[ -n $keep_json ]]; then mkdir -p "$keep_json"; keep_json=$(cd "$keep_json" && pwd); fi

# --- prerequisites ---------------------------------------------------------------------------
# Profiling (BENCH_PERF_ROWS): JIT-compiled frames named through the runtime's perf map, framework
# code JIT-compiled too (not ReadyToRun), as bench/profile.sh does; every row alike.
[[ -n ${BENCH_PERF_ROWS:-} ]] && dotnet_settings+=(DOTNET_PerfMapEnabled=3 DOTNET_PerfMapShowOptimizationTiers=1 DOTNET_EnableWriteXorExecute=0 DOTNET_ReadyToRun=0)
"$REPO_DIR/scripts/prerequisites.sh" test
[[ " ${reference_list[*]} " == *" nginx "* ]] && "$REPO_DIR/scripts/prerequisites.sh" bench
tools=(dotnet redis-server redis-cli taskset getconf)
[[ " ${reference_list[*]} " == *" nginx "* ]] && tools+=(nginx)
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null || die "'$tool' not found (scripts/prerequisites.sh installs the packages)."
done
psql="$(postgres_bin_dir)/psql"
[[ -x $psql ]] || die "PostgreSQL not found (scripts/prerequisites.sh installs the packages)."

# The load tool on CPU 0, every server (both proxies of every row, the backend, Redis, the auth
# service, PostgreSQL) on CPU 1: one core serves the whole deployment (bench/README.md).
setup_pinning "the load tool (Gateway.Bench.Tenants)"
bench_init

# --- build -----------------------------------------------------------------------------------
if ((build)); then
  build_projects "$REPO_DIR/Gateway.SampleApi/Gateway.SampleApi.csproj" "$REPO_DIR/Gateway.Proxy/Gateway.Proxy.csproj" \
    "$REPO_DIR/Gateway.Auth/Gateway.Auth.csproj" "$BENCH_DIR/Gateway.Bench.Tenants/Gateway.Bench.Tenants.csproj" \
    "$BENCH_DIR/Gateway.Bench.BareYarp/Gateway.Bench.BareYarp.csproj" "$BENCH_DIR/Gateway.Bench.TokenCheck/Gateway.Bench.TokenCheck.csproj"
fi
require_built Gateway.SampleApi Gateway.Proxy Gateway.Auth Gateway.Bench.Tenants
[[ " ${reference_list[*]} " == *" yarp "* ]] && require_built Gateway.Bench.BareYarp
[[ " ${reference_list[*]} " == *" nginx "* ]] && require_built Gateway.Bench.TokenCheck
tenants_tool=(dotnet "$(app_dir Gateway.Bench.Tenants)/Gateway.Bench.Tenants.dll")

# --- rows --------------------------------------------------------------------------------------
# Row "off": the tenant mix with rate limiting disabled on both routes (start_gateway's default).
# Row "<mode>": every policy of its proxies in that mode (Gateway:RateLimiting:Mode), the tenants'
# route /api with a per-credential policy whose limit is the caller's plan, the anonymous route
# /public with a per-client-address policy in the same mode and a limit no run reaches (so the
# anonymous share pays for a decision but is never refused: all the load comes from 127.0.0.1).
# Reference rows (--references), before those: "yarp" (bare YARP, no authentication, both paths to
# the backend's /api/hello), "nginx" (the nginx gateway peer, start_nginx_gateway), "hotkey" (the
# gateway's full chain for one hot access token: the shipped default mode, a per-user policy with a
# limit no run reaches; run.sh's rate limited rows, driven by the same tool as the tenant rows).
# With --cluster, "<row>_cluster": the same row with its proxies on a Redis Cluster.
cluster_rows=()
if ((cluster)); then
  [[ " ${reference_list[*]} " == *" hotkey "* ]] && cluster_rows+=(hotkey_cluster)
  for mode in "${mode_list[@]}"; do cluster_rows+=("${mode}_cluster"); done
fi
# With --alt-proxy, "<row>_alt": the same row served by the other build.
alt_rows=()
if [[ -n $alt_proxy ]]; then
  [[ -f $alt_proxy/Gateway.Proxy.dll ]] || { echo "--alt-proxy: $alt_proxy/Gateway.Proxy.dll not found." >&2; exit 2; }
  alt_proxy=$(cd "$alt_proxy" && pwd)
  # The directory's name labels the rows (name it after the commit); BENCH_ALT_LABEL overrides it.
  alt_label=${BENCH_ALT_LABEL:-$(basename "$alt_proxy")}
  [[ " ${reference_list[*]} " == *" hotkey "* ]] && alt_rows+=(hotkey_alt)
  for mode in "${mode_list[@]}"; do alt_rows+=("${mode}_alt"); done
fi
row_keys=("${reference_list[@]}" off "${mode_list[@]}" "${alt_rows[@]}" "${cluster_rows[@]}")
tenant_rows=(off "${mode_list[@]}")
is_gateway_row() { [[ $1 != yarp && $1 != nginx ]]; }
is_cluster_row() { [[ $1 == *_cluster ]]; }
is_alt_row() { [[ $1 == *_alt ]]; }
# What a row is, wherever its Redis and whichever build.
row_base() { local base=${1%_cluster}; printf '%s' "${base%_alt}"; }
# Rows without a limit at the plans' level: their accuracy column says how far over it keys were offered.
is_unlimited_row() { local base; base=$(row_base "$1"); [[ $base == yarp || $base == hotkey || $base == off ]]; }
row_label() {
  if is_cluster_row "$1"; then
    printf '%s, Redis Cluster (3 primaries + 3 replicas)\n' "$(row_label "$(row_base "$1")")"
    return
  fi
  if is_alt_row "$1"; then
    printf '%s, build %s\n' "$(row_label "$(row_base "$1")")" "$alt_label"
    return
  fi
  case $1 in
    yarp) echo "bare YARP (tenant mix, no authentication)" ;;
    nginx) echo "nginx gateway peer (tenant mix; auth_request, limit_req per instance)" ;;
    hotkey) echo "hot key, full chain (one access token, default mode)" ;;
    off) echo "tenant mix, rate limiting off" ;;
    *) echo "tenant mix, $1" ;;
  esac
}
# What the load tool sends to the row besides the common options.
row_load_args() { # row
  case $(row_base "$1") in
    yarp) printf -- '--anonymous-path\n/api/hello\n' ;;
    hotkey) printf -- '--keys\n1\n--anonymous-share\n0\n' ;;
  esac
}
row_env() { # row
  local mode policy anon
  mode=$(row_base "$1") policy="tenant-$(row_base "$1")" anon="tenant-anon-$(row_base "$1")"
  echo "Gateway__RateLimiting__Replicas=2"
  echo "Gateway__AuthCache__PositiveTtl=$(printf '%02d:%02d:00' $((auth_ttl / 60)) $((auth_ttl % 60)))"
  [[ $mode == off ]] && return 0
  if [[ $mode == hotkey ]]; then
    echo "ReverseProxy__Routes__api__RateLimiterPolicy=$policy"
    echo "Gateway__RateLimiting__Policies__${policy}__Partition=User"
    echo "Gateway__RateLimiting__Policies__${policy}__Limit=2000000000"
    echo "Gateway__RateLimiting__Policies__${policy}__FailMode=Local"
    return 0
  fi
  echo "Gateway__RateLimiting__Mode=${mode^}"
  echo "ReverseProxy__Routes__api__RateLimiterPolicy=$policy"
  echo "Gateway__RateLimiting__Policies__${policy}__Partition=ApiKey"
  echo "Gateway__RateLimiting__Policies__${policy}__Mode=${mode^}"
  echo "Gateway__RateLimiting__Policies__${policy}__FailMode=Local"
  echo "ReverseProxy__Routes__public__RateLimiterPolicy=$anon"
  echo "Gateway__RateLimiting__Policies__${anon}__Partition=ClientIp"
  echo "Gateway__RateLimiting__Policies__${anon}__Limit=2000000000"
  echo "Gateway__RateLimiting__Policies__${anon}__Mode=${mode^}"
  echo "Gateway__RateLimiting__Policies__${anon}__FailMode=Local"
}

# --- servers ---------------------------------------------------------------------------------
for name in backend redis postgres auth_grpc auth_http; do free_port "${name}_port"; done
cluster_ports=()
if ((cluster)); then
  for i in 0 1 2 3 4 5; do free_port cluster_port; cluster_ports+=("$cluster_port"); done
fi
for row in "${row_keys[@]}"; do
  free_port "gw_${row}_1_port"
  free_port "gw_${row}_2_port"
done
redis_password=$(random_secret) postgres_password=$(random_secret)

start_postgres postgres "$postgres_port" "$postgres_password"
start_backend backend "$backend_port"
start_redis redis "$redis_port" "$redis_password"
wait_ready backend "$backend_port" /api/hello "Hello from the sample API"
wait_redis redis "$redis_port" "$redis_password"
wait_postgres postgres "$postgres_port" "$postgres_password" authdb
if ((cluster)); then
  start_redis_cluster "$redis_password" "${cluster_ports[@]}"
  cluster_connection="$redis_cluster_nodes,password=$redis_password"
fi
start_auth auth "$auth_grpc_port" "$auth_http_port" "$postgres_port" "$postgres_password" "$redis_port" "$redis_password"
gateway_auth_env=(Gateway__AuthService__Address="http://127.0.0.1:$auth_grpc_port")

# The nginx peer as its users build one: one nginx per replica (worker_processes 1, like each
# proxy's one core share), in front of the same backend and, through a token-check service
# (bench/Gateway.Bench.TokenCheck: ValidateToken over gRPC, 200 with the identity in headers or
# 401), the same auth service. auth_request caches the check's answers per credential
# (proxy_cache: 200s for --auth-ttl minutes like the gateway's auth cache, 401s 10 s, proxy_cache_lock as
# single flight). limit_req runs in nginx's preaccess phase, before auth_request (access phase), so
# its key is the raw credential header and its rate one for every plan: the first --plan's
# (L/W, per second), with a second's worth of burst, nodelay. A 429 carries RateLimit-Policy so
# the load tool counts it as the limiter's.
start_nginx_gateway() { # name port check-port
  local dir=$work_dir/$1 user= plan=${plans[0]#*=} limit window rate burst
  limit=${plan%%/*} window=${plan#*/} window=${window%%@*}
  rate=$((limit * 60 / window)) burst=$(((limit + window - 1) / window))
  mkdir -p "$dir"
  # Started as root, nginx would drop its worker to 'nobody', which cannot enter this private
  # temporary directory (and Debian has no 'nobody' group); keep the invoking user instead.
  ((EUID == 0)) && user="user $(id -un) $(id -gn);"
  cat >"$dir/nginx.conf" <<NGINX
$user
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log stderr warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $dir/client_body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  proxy_cache_path $dir/auth-cache levels=1:2 keys_zone=auth:16m max_size=256m inactive=${auth_ttl}m use_temp_path=off;
  limit_req_zone "\$http_authorization\$http_x_api_key" zone=per_credential:32m rate=${rate}r/m;
  limit_req_status 429;
  upstream backend { server 127.0.0.1:$backend_port; keepalive 64; keepalive_requests 1000000; }
  upstream tokencheck { server 127.0.0.1:$3; keepalive 32; keepalive_requests 1000000; }
  server {
    listen 127.0.0.1:$2;
    server_tokens off;
    location /api/ {
      auth_request /_auth;
      auth_request_set \$user_id \$upstream_http_x_user_id;
      auth_request_set \$user_name \$upstream_http_x_user_name;
      auth_request_set \$user_plan \$upstream_http_x_user_plan;
      limit_req zone=per_credential burst=$burst nodelay;
      add_header RateLimit-Policy '"nginx-per-credential"' always;
      proxy_set_header X-User-Id \$user_id;
      proxy_set_header X-User-Name \$user_name;
      proxy_set_header X-User-Plan \$user_plan;
      proxy_set_header Authorization "";
      proxy_set_header X-Api-Key "";
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_pass http://backend;
    }
    location /public/ {
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      # As the gateway's own anonymous route: into the sample API's /public space, not /api.
      proxy_pass http://backend;
    }
    location = /_auth {
      internal;
      proxy_pass http://tokencheck/check;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_cache auth;
      proxy_cache_key "\$http_authorization|\$http_x_api_key";
      proxy_cache_valid 200 ${auth_ttl}m;
      proxy_cache_valid 401 10s;
      proxy_cache_lock on;
    }
  }
}
NGINX
  start_server "$1" "${server_pin[@]}" nginx -p "$dir" -c "$dir/nginx.conf" -e stderr
}

if [[ " ${reference_list[*]} " == *" nginx "* ]]; then
  free_port tokencheck_port
  log "starting the nginx peer's token-check service on 127.0.0.1:$tokencheck_port"
  start_server tokencheck "${server_pin[@]}" "${dotnet_env[@]}" -C "$(app_dir Gateway.Bench.TokenCheck)" "${dotnet_settings[@]}" DOTNET_JitStdOutFile="$(jit_log tokencheck)" \
    ASPNETCORE_URLS="http://127.0.0.1:$tokencheck_port" AuthService__Address="http://127.0.0.1:$auth_grpc_port" \
    dotnet Gateway.Bench.TokenCheck.dll
fi

# Every pair up front, so that the rows can be interleaved; idle proxies cost the server core only
# their 5 s health probes.
for row in "${row_keys[@]}"; do
  if [[ $row == yarp || $row == nginx ]]; then
    for replica in 1 2; do
      port_var=gw_${row}_${replica}_port
      if [[ $row == yarp ]]; then
        start_bare_yarp "gw-$row-$replica" "${!port_var}" "$backend_port"
      else
        log "starting nginx gateway peer $replica on 127.0.0.1:${!port_var}"
        start_nginx_gateway "gw-$row-$replica" "${!port_var}" "$tokencheck_port"
      fi
    done
    continue
  fi
  mapfile -t settings < <(row_env "$row")
  row_redis= row_app=
  is_cluster_row "$row" && row_redis=$cluster_connection
  is_alt_row "$row" && row_app=$alt_proxy
  for replica in 1 2; do
    port_var=gw_${row}_${replica}_port
    log "starting gateway proxy $replica of row '$row' on 127.0.0.1:${!port_var}"
    gateway_redis=$row_redis gateway_app=$row_app start_gateway "gw-$row-$replica" "${!port_var}" "${settings[@]}"
  done
done

# /health is healthy once the schema is migrated: then the tenants can be copied in.
wait_ready auth "$auth_http_port" /health Healthy
[[ " ${reference_list[*]} " == *" nginx "* ]] && wait_ready tokencheck "$tokencheck_port" /stats validateCalls
for row in "${row_keys[@]}"; do
  for replica in 1 2; do
    port_var=gw_${row}_${replica}_port
    if is_gateway_row "$row"; then
      # A mode the proxy does not know stops it at start-up (its log, printed, names the value).
      wait_ready "gw-$row-$replica" "${!port_var}" /health Healthy 90
    else
      # Bare YARP passes every path through, and the backend serves only /api.
      wait_ready "gw-$row-$replica" "${!port_var}" "$([[ $row == yarp ]] && echo /api/hello || echo /public/hello)" "Hello from the sample API" 90
    fi
  done
done

# --- seed --------------------------------------------------------------------------------------
seed_dir=$work_dir/seed
seed_tenants "$seed_dir" "$keys" "$users" "${plans[@]}"
credentials=$seed_dir/credentials.csv
admin_header="Authorization: Bearer $(<"$seed_dir/admin-token")"
# The two most popular credentials: an access token and an API key (the seed alternates kinds).
header_of() { # line-number
  local kind credential
  IFS=, read -r kind credential _ < <(sed -n "$1p" "$credentials")
  if [[ $kind == access_token ]]; then printf 'Authorization: Bearer %s' "$credential"; else printf 'X-Api-Key: %s' "$credential"; fi
}
# http_get, again while the proxy answers 503 or nothing: the first lookups of a cold auth service,
# or one that shares a saturated core, can miss the proxy's 300 ms deadline and open its breaker for 5 s.
http_get_settled() { # port path [header]
  local response attempt
  for attempt in {1..30}; do
    response=$(http_get "$@" || true)
    # No answer within http_get's 2 s (a lookup queued behind a busy core) is tried again too.
    # nginx answers 500 for a token check that could not reach the auth service.
    [[ -z $response || $response == "HTTP/1.1 503 "* || $response == "HTTP/1.1 500 "* ]] || break
    sleep 0.5
  done
  printf '%s\n' "$response"
}
# Each proxy: 401 without a credential on /api, 200 with a seeded token and a seeded API key, the
# row's policy on the answer (the limiter ran), and the admin token opens its diagnostics.
for row in "${row_keys[@]}"; do
  [[ $row == yarp ]] && continue
  for replica in 1 2; do
    port_var=gw_${row}_${replica}_port port=${!port_var} name=gw-$row-$replica
    response=$(http_get "$port" /api/hello || true)
    [[ $response == "HTTP/1.1 401 "* ]] || fail_with_log "$name" "GET /api/hello without a credential answered: ${response%%$'\n'*}"
    for line in 2 3; do
      response=$(http_get_settled "$port" /api/hello "$(header_of "$line")")
      [[ $response == "HTTP/1.1 200 "* && $response == *"Hello from the sample API"* ]] \
        || fail_with_log "$name" "GET /api/hello with seeded credential $((line - 1)) answered: ${response%%$'\n'*}"
      if [[ $row != off && $row != nginx ]]; then
        grep -qi '^RateLimit-Policy: "tenant-'"$(row_base "$row")"'"' <<<"$response" \
          || fail_with_log "$name" "GET /api/hello answered without the RateLimit-Policy header of tenant-$(row_base "$row")"
      fi
      # The identity the token check resolved reached the backend (the sample API echoes it).
      if [[ $row == nginx && $line == 2 ]]; then
        response=$(http_get "$port" /api/echo "$(header_of "$line")")
        [[ $response == *'"x-user-id"'* || $response == *'X-User-Id'* ]] \
          || fail_with_log "$name" "GET /api/echo through nginx did not carry X-User-Id: ${response##*$'\n'}"
      fi
    done
    response=$(http_get "$port" /public/hello || true)
    [[ $response == "HTTP/1.1 200 "* ]] || fail_with_log "$name" "GET /public/hello answered: ${response%%$'\n'*}"
    [[ $row == nginx ]] && continue
    response=$(http_get_settled "$port" /gateway/diagnostics "$admin_header")
    [[ $response == "HTTP/1.1 200 "* && $response == *validateCalls* ]] || fail_with_log "$name" "GET /gateway/diagnostics as the seeded admin answered: ${response%%$'\n'*}"
  done
done

# --- measurement helpers -------------------------------------------------------------------------
# The diagnostics of both proxies of a row, summed: ValidateToken calls, and rate limiter decisions.
row_diagnostics() { # row -> "auth-calls decisions lookups-refused"
  local replica port_var body calls=0 decisions=0 refused=0 c d r
  case $1 in
    yarp) printf '0 0 0'; return ;;
    # The token-check service's ValidateToken calls (both nginx instances share it); nginx counts no decisions.
    nginx)
      http_get "$tokencheck_port" /stats | "${tenants_tool[@]}" report diagnostics
      return ;;
  esac
  for replica in 1 2; do
    port_var=gw_${1}_${replica}_port
    body=$(http_get_settled "${!port_var}" /gateway/diagnostics "$admin_header")
    # The admin's own token is a cache entry like any other: while a proxy's breaker stays open after
    # it expired, the diagnostics cannot be read. The measurement stands; its auth and decision cells say "-".
    read -r c d r < <("${tenants_tool[@]}" report diagnostics <<<"$body")
    if [[ $c == - ]]; then
      log "warning: row '$1': /gateway/diagnostics answered: ${body:0:80}"
      printf -- '- - -'
      return
    fi
    calls=$((calls + c)) decisions=$((decisions + d)) refused=$((refused + r))
  done
  printf '%d %d %d' "$calls" "$decisions" "$refused"
}

# Redis INFO commandstats: "script-calls script-usec commands". A script call (EVALSHA, EVAL) is
# one round trip whose usec includes the commands it runs; those commands (TIME, HMGET, HSET,
# PEXPIRE for the sliding window) are counted in commandstats as well, so "commands" (every one
# but INFO, ours) is the work Redis did, scripts' insides included, and any command a limiter sends
# outside a script shows there.
# A cluster row's: the sum over the cluster's primaries (the replicas only replay their writes).
redis_stats() { # row
  local ports=("$redis_port") port
  is_cluster_row "$1" && mapfile -t ports < <(redis_cluster_primaries "$redis_password")
  for port in "${ports[@]}"; do
    REDISCLI_AUTH=$redis_password redis-cli -h 127.0.0.1 -p "$port" info commandstats 2>/dev/null
  done \
    | awk -F'[:,=]' '$1 ~ /^cmdstat_/ && $1 != "cmdstat_info" { commands += $3; if ($1 == "cmdstat_evalsha" || $1 == "cmdstat_eval") { scripts += $3; usec += $5 } }
        END { printf "%d %d %d", scripts, usec, commands }'
}

# CPU ticks of a process and all its descendants (PostgreSQL serves each connection from a child):
# user + system time of each, plus that of its children that exited (cutime, cstime), so a
# descendant that ends between two samples is still counted. /proc/PID/stat is read once per
# process (one that exits meanwhile counts 0, its time moving to its parent's cutime).
tree_ticks() { # pid
  local stat child children total
  local -a f
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || { printf 0; return; }
  stat=${stat##*) }
  read -r -a f <<<"$stat"
  # f[0] is field 3 of proc(5): utime, stime, cutime, cstime are fields 14-17.
  total=$((f[11] + f[12] + f[13] + f[14]))
  for children in /proc/"$1"/task/*/children; do
    for child in $(cat "$children" 2>/dev/null); do total=$((total + $(tree_ticks "$child"))); done
  done
  printf '%d' "$total"
}
# Our servers' CPU ticks: each started process with its descendants, once (the AppHost's wrapper
# scripts and the server they run are both in the list).
our_ticks() {
  local total=0 entry pids=" " pid
  for entry in "${started[@]}"; do pids+="${entry%%:*} "; done
  for entry in "${started[@]}"; do
    pid=${entry%%:*}
    [[ $pids == *" $(stat_field "$pid" 4 || echo -) "* ]] && continue
    total=$((total + $(tree_ticks "$pid")))
  done
  printf '%d' "$total"
}
server_cpu_line=
[[ -n $(server_cpu_number) ]] && server_cpu_line="cpu$(server_cpu_number)"
core_busy_ticks() {
  [[ -n $server_cpu_line ]] || { printf 0; return; }
  awk -v cpu="$server_cpu_line" '$1 == cpu { printf "%d", $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat
}

row_urls() { # row -> --url arguments
  local replica port_var
  for replica in 1 2; do
    port_var=gw_${1}_${replica}_port
    printf -- '--url\nhttp://127.0.0.1:%s\n' "${!port_var}"
  done
}

# One run of the load tool against row $1's pair: $2 seconds; $3 = round (recorded) or a warm-up
# label. Appends a line to results.tsv for rounds.
results=$work_dir/results.tsv
: >"$results"
mkdir -p "$work_dir/json"
measure() { # row seconds round|label
  local row=$1 seconds=$2 round=$3 label out line
  check_servers
  label="$(row_label "$row") [$([[ $round =~ ^[0-9]+$ ]] && echo "round $round" || echo "$round")]"
  out=$work_dir/json/$row-${round// /-}
  local -a urls args
  mapfile -t urls < <(row_urls "$row")
  local -a extra
  mapfile -t extra < <(row_load_args "$row")
  args=(load "${urls[@]}" --credentials "$credentials" --duration "$seconds" --connections "$connections"
    --zipf "$zipf" --anonymous-share "$anonymous_share" --client-addresses "$client_addresses" --label "$label" --keys-tsv "$out.keys.tsv"
    "${extra[@]}")
  [[ -n $rate ]] && args+=(--rate "$rate")
  local diag_before diag_after redis_before redis_after core_before core_after ours_before ours_after
  diag_before=$(row_diagnostics "$row")
  redis_before=$(redis_stats "$row")
  core_before=$(core_busy_ticks) ours_before=$(our_ticks)
  local perf_pid='' perf_target='' cpu_before=0
  if [[ -n ${BENCH_PERF_ROWS:-} && $round == "$rounds" && ",$BENCH_PERF_ROWS," == *",$row,"* ]]; then
    perf_target=pid_gw_${row}_1
    perf_target=${!perf_target}
    "${client_pin[@]}" perf record -q -e cpu-clock -F 1999 -g -p "$perf_target" -o "$work_dir/$row.perf.data" -- sleep "$seconds" >"$work_dir/$row.perf.log" 2>&1 &
    perf_pid=$!
    cpu_before=$(tree_ticks "$perf_target")
  fi
  # In the background so that a signal reaches the trap at once, not after the measurement.
  "${client_pin[@]}" "${tenants_tool[@]}" "${args[@]}" >"$out.json" 2>"$out.log" &
  client_pid=$!
  wait "$client_pid" || { cat "$out.log" >&2; die "the load tool failed against row '$row'"; }
  client_pid=
  if [[ -n $perf_pid ]]; then
    local cpu_after
    cpu_after=$(tree_ticks "$perf_target")
    wait "$perf_pid" || { cat "$work_dir/$row.perf.log" >&2; die "perf record failed for row '$row'"; }
    mkdir -p "${BENCH_PERF_DIR:?BENCH_PERF_DIR is needed with BENCH_PERF_ROWS}"
    "${client_pin[@]}" perf script -i "$work_dir/$row.perf.data" -F comm,tid,period,ip,sym,dso 2>/dev/null | gzip -1 >"$BENCH_PERF_DIR/$row.stacks.gz"
    # Half of the pair's requests went to this proxy (the load tool alternates).
    # shellcheck disable=SC2046 # the load tool's summary line is key=value words on purpose
    "${tenants_tool[@]}" report perf-measurement row="$row" seconds="$seconds" cpu_us=$(((cpu_after - cpu_before) * (1000000 / clk_tck))) \
      $(sed -n 's/^TENANTS //p' "$out.log") >>"$BENCH_PERF_DIR/measurements.tsv"
  fi
  core_after=$(core_busy_ticks) ours_after=$(our_ticks)
  redis_after=$(redis_stats "$row")
  diag_after=$(row_diagnostics "$row")
  grep -v '^TENANTS ' "$out.log" >&2 || true
  line=$(sed -n 's/^TENANTS //p' "$out.log")
  [[ -n $line ]] || { cat "$out.log" >&2; die "no summary from the load tool for row '$row'"; }
  [[ -n $keep_json ]] && cp "$out.json" "$keep_json/$row-$round.json"
  local -A m=()
  local pair
  for pair in $line; do m[${pair%%=*}]=${pair#*=}; done
  ((${m[s401]} == 0)) || die "row '$row': ${m[s401]} seeded credentials were rejected (401): the seed does not match the auth service"
  [[ $round =~ ^[0-9]+$ ]] || return 0
  local -a d0 d1 r0 r1
  read -r -a d0 <<<"$diag_before"; read -r -a d1 <<<"$diag_after"
  diag_delta() { if [[ ${d0[$1]} == - || ${d1[$1]} == - ]]; then printf -- -; else printf '%d' $((d1[$1] - d0[$1])); fi; }
  read -r -a r0 <<<"$redis_before"; read -r -a r1 <<<"$redis_after"
  # shellcheck disable=SC2086 # the load tool's summary line is key=value words on purpose
  "${tenants_tool[@]}" report measurement $line row="$row" round="$round" seconds="$seconds" \
    calls=$((r1[0] - r0[0])) usec=$((r1[1] - r0[1])) commands=$((r1[2] - r0[2])) \
    auth="$(diag_delta 0)" decisions="$(diag_delta 1)" lookups_refused="$(diag_delta 2)" \
    tick_us=$((1000000 / clk_tck)) core_ticks=$((core_after - core_before)) our=$((ours_after - ours_before)) core="$server_cpu_line" >>"$results"
}

# --- load --------------------------------------------------------------------------------------
started_at=$(date -u '+%Y-%m-%d %H:%M UTC')
prime_seconds=()
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# Unless --no-prime, every proxy learns every credential once (each replica has its own auth cache), so
# no row starts with more cache misses than another, and (with --auth-ttl longer than the run) the
# rounds measure the limiter, not lookups. Without it the warm-up passes do most of that, and the
# rounds see the tail keys' first lookups: the auth calls/s column. 16 connections (8 lookups in
# flight per proxy): lookups of cold proxies and a cold auth service on one shared core can miss
# the proxies' deadline and open their breakers (503); the tool tries those again after a pause.
for row in "${row_keys[@]}"; do
  ((prime)) || break
  [[ $row == yarp || $(row_base "$row") == hotkey ]] && continue # no credentials, or one
  mapfile -t urls < <(row_urls "$row")
  log "priming the auth caches of row '$row': every credential once through each proxy"
  primed_at=$SECONDS
  "${client_pin[@]}" "${tenants_tool[@]}" load "${urls[@]}" --credentials "$credentials" --prime --connections 16 --report-keys 0 --client-addresses "$client_addresses" \
    --label "prime $row" >/dev/null 2>"$work_dir/prime.log" || { cat "$work_dir/prime.log" >&2; die "priming row '$row' failed"; }
  grep -v '^TENANTS ' "$work_dir/prime.log" >&2 || true
  prime_seconds+=("$row $((SECONDS - primed_at)) s")
  grep -q ' s401=0 ' "$work_dir/prime.log" || die "priming row '$row': seeded credentials were rejected (401)"
  unprimed=$(sed -n 's/.* unprimed=\([0-9]*\).*/\1/p' "$work_dir/prime.log")
  ((${unprimed:-0} == 0)) || log "warning: priming row '$row' left $unprimed credentials uncached (answers other than 2xx after every retry)"
done

log "load: ${connections} connections$([[ -n $rate ]] && echo ", open loop at $rate req/s"), 2 warm-up passes of ${warmup} s per row, more until its JIT settles, then $rounds round(s) of ${duration} s per row"
for pass in 1 2; do
  for row in "${row_keys[@]}"; do measure "$row" "$warmup" "warm-up $pass"; done
done
if ((!quick)); then
  for row in "${row_keys[@]}"; do
    servers="gw-$row-1 gw-$row-2 backend"
    [[ $row == nginx ]] && servers="tokencheck backend"
    warm_until_settled "$row" "$settle" "$servers" measure "$row" "$settle_window" "JIT"
  done
fi
for ((round = 1; round <= rounds; round++)); do
  for row in "${row_keys[@]}"; do measure "$row" "$duration" "$round"; done
done

# --- report --------------------------------------------------------------------------------------
labels=()
for row in "${row_keys[@]}"; do labels+=("$(row_label "$row")"); done
unlimited_rows=()
for row in "${row_keys[@]}"; do is_unlimited_row "$row" && unlimited_rows+=("$row"); done
# The figures and tables are computed by the load tool (Gateway.Bench.Tenants report, on the shared
# bench/Gateway.Bench.Measure).
table=$("${tenants_tool[@]}" report table "$results" "${row_keys[*]}" "$(IFS='|'; echo "${labels[*]}")" "${unlimited_rows[*]}")

# The most popular keys, last round: admitted requests per second of each row against the limit.
last=$rounds
key_rows=(off)
[[ " ${reference_list[*]} " == *" nginx "* ]] && key_rows+=(nginx)
key_rows+=("${mode_list[@]}")
for row in "${alt_rows[@]}" "${cluster_rows[@]}"; do is_unlimited_row "$row" || key_rows+=("$row"); done
key_labels=()
for row in "${key_rows[@]}"; do key_labels+=("$(row_label "$row")"); done
key_files=()
for row in "${key_rows[@]}"; do key_files+=("$row=$work_dir/json/$row-$last.keys.tsv"); done
keys_table=$("${tenants_tool[@]}" report keys "$duration" "$(IFS='|'; echo "${key_labels[*]}")" "${key_files[@]}")

other_load=$("${tenants_tool[@]}" report other-load "$results")
client_load=$("${tenants_tool[@]}" report client-load "$results")
errors_total=$("${tenants_tool[@]}" report errors "$results")

legend="Median of $rounds interleaved round(s) (min–max). Workload: $keys credentials (access tokens and API keys, alternating) of ${users:-$keys} users, \
plans ${plans[*]} (limit per window @ share of users), popularity Zipf s=$zipf by rank, ${anonymous_share} of the requests anonymous (GET /public/hello), \
the rest GET /api/hello with the credential; $connections connections$([[ -n $rate ]] && echo ", open loop at $rate req/s" || echo ", closed loop"), \
requests alternating between the row's two proxies, positive auth answers cached ${auth_ttl} min (gateway and nginx alike), ${duration} s per measurement after $( ((prime)) && echo "every proxy had seen every credential once, " )2 × ${warmup} s of warm-up$( ((quick)) || echo " and ${settle_window} s passes until each row's JIT had settled"). \
× bare YARP, × rate limiting off: req/s ÷ that row's req/s in the same round, median (min–max) of the rounds' ratios. \
Bare YARP: two bare YARP hosts, credentials ignored, the anonymous share to /api/hello. nginx gateway peer: two nginx $(nginx -v 2>&1 | sed 's/.*nginx\///') instances (one worker each): auth_request to a token-check service (ValidateToken over gRPC) cached per credential (proxy_cache, 200s ${auth_ttl} min, 401s 10 s, proxy_cache_lock), \
limit_req per credential header at the first plan's rate with a second's burst (nodelay; limit_req runs before auth_request, so one rate for every plan), each instance counting alone; its auth calls/s are the token-check service's. \
Hot key: the gateway's full chain for the most popular access token alone, no anonymous share, a per-user policy in the default mode with a limit no run reaches. \
Each row has a proxy pair of its own (Gateway:RateLimiting:Replicas=2); the limited rows run every policy in their mode, a per-credential policy (Partition=ApiKey, the plan's limit) on /api \
and a per-client-address policy with an unreachable limit on /public. 429 %: refusals of the rate limiter (answers with RateLimit-Policy); 503 + other: 503s, 429s without it (auth lookups refused), \
other statuses and errors. Redis calls/req: script calls (EVALSHA + EVAL of INFO commandstats, before and after) per request, each one round trip; commands/req: every command Redis ran but INFO, \
the scripts' own commands included, per request; µs/call and µs/decision: the scripts' commandstats usec per script call and per rate limiter decision (the pair's /gateway/diagnostics). Auth calls/s: ValidateToken calls of the pair per second. Admitted ÷ limit per window: for every key and complete window of its plan (Unix-epoch aligned, as the limiter counts) \
in which more than its limit reached the limiter (2xx + its 429s; requests answered 503 before it are left out), admitted requests ÷ limit; median of the rounds' means (lowest–highest single window). \
429s under ½ limit: refusals of keys of which never half their limit reached the limiter in any window, over all rounds (an exact limiter gives 0). Load tool CPU (CPU 0): $client_load of a core. Other processes on the server core: $other_load. See bench/README.md."

printf '\n%s\n\nThe most popular keys, round %s:\n\n%s\n\n%s\n' "$table" "$last" "$keys_table" "$legend"

if ((!quick)); then
  host=$(results_host)
  report=$BENCH_DIR/results/$(date -u +%Y-%m-%d)-$host-tenants.md
  mkdir -p "$BENCH_DIR/results"
  {
    echo "# Tenant workload, $started_at, $host"
    echo
    common_facts "$command_line"
    echo "| redis | $(redis-server --version | cut -d' ' -f3) |"
    echo "| PostgreSQL | $("$(postgres_bin_dir)/postgres" --version | sed 's/^postgres (PostgreSQL) //') (fsync off: throwaway data) |"
    echo "| pinning | $pinning |"
    [[ -n $alt_proxy ]] && echo "| other build (rows \"…, build $alt_label\") | $alt_proxy |"
    ((cluster)) && echo "| Redis Cluster (rows \"…, Redis Cluster\") | six redis-server processes on the server CPU: 3 primaries, 3 replicas, cluster-node-timeout 5 s |"
    echo "| load average at start | $load_before |"
    echo "| priming (every credential through every proxy) | $( ((prime)) && { IFS=,; echo "${prime_seconds[*]}" | sed 's/,/, /g'; } || echo "none (--no-prime)") |"
    echo "| extra warm-up until the JIT settled | $(settled_summary) |"
    echo "| other processes on the server core | $other_load |"
    echo
    echo "$table"
    echo
    echo "The most popular keys, round $last:"
    echo
    echo "$keys_table"
    echo
    echo "$legend"
  } >"$report.tmp"
  mv "$report.tmp" "$report"
  log "saved $report"
fi

((errors_total == 0)) || die "$errors_total request(s) got no answer (connection errors or timeouts); see the progress lines"
