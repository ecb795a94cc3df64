#!/usr/bin/env python3
"""Aggregates bench/profile.sh's perf samples into markdown tables.

Input per target: <prefix>.stacks.gz (`perf script -F comm,tid,period,ip,sym,dso` output, gzip)
and optionally <prefix>.counters.csv (dotnet-counters System.Runtime, csv); plus the measurements
file (key, requests, seconds, req/s, p50, p99, other-processes %, process CPU µs over the window).

Every figure is normalised per request: a bucket's share of the target process's samples times the
process's CPU per request measured from /proc over the same wrk window. Differences are taken
against the `yarp` target (bare YARP), so a gateway row says what it spends that YARP does not.
"""
import argparse
import collections
import csv
import gzip
import re

# Component of a managed frame, by the prefix of its type's full name; first match wins.
GROUPS = [
    ("Gateway.Proxy.Authentication", "Gateway: authentication"),
    ("Gateway.Proxy.RateLimiting", "Gateway: rate limiting"),
    ("Gateway.Proxy.Telemetry", "Gateway: telemetry (metrics middleware, route stats)"),
    ("Gateway.Proxy.Forwarding", "Gateway: forwarding (retry, identity transforms)"),
    ("Gateway.", "Gateway: other"),
    ("OpenTelemetry.", "OpenTelemetry SDK + instrumentation"),
    ("System.Diagnostics.Metrics", "System.Diagnostics.Metrics (instruments, listeners)"),
    ("System.Diagnostics.Activity", "Activity / ActivitySource (tracing)"),
    ("System.Diagnostics.DiagnosticListener", "DiagnosticListener / DiagnosticSource"),
    ("System.Diagnostics.DiagnosticSource", "DiagnosticListener / DiagnosticSource"),
    ("Microsoft.AspNetCore.Hosting", "ASP.NET Core hosting (HostingApplication, request diagnostics)"),
    ("Microsoft.AspNetCore.Server.Kestrel", "Kestrel"),
    ("Microsoft.AspNetCore.Routing", "ASP.NET Core routing"),
    ("Microsoft.AspNetCore.Authentication", "ASP.NET Core authentication"),
    ("Microsoft.AspNetCore.Authorization", "ASP.NET Core authorization"),
    ("Microsoft.AspNetCore.RateLimiting", "ASP.NET Core rate limiting (+ System.Threading.RateLimiting)"),
    ("System.Threading.RateLimiting", "ASP.NET Core rate limiting (+ System.Threading.RateLimiting)"),
    ("Microsoft.AspNetCore.Diagnostics", "ASP.NET Core diagnostics (exception handler, status code pages)"),
    ("Microsoft.AspNetCore.Http", "ASP.NET Core HTTP abstractions (context, headers, features)"),
    ("Microsoft.AspNetCore.", "ASP.NET Core other"),
    ("Microsoft.Extensions.Logging", "Microsoft.Extensions.Logging"),
    ("Microsoft.Extensions.ServiceDiscovery", "Service discovery"),
    ("Microsoft.Extensions.", "Microsoft.Extensions other (DI, options, primitives)"),
    ("Yarp.", "YARP"),
    ("System.Net.Http", "System.Net.Http (HttpClient to the backend)"),
    ("System.Net.Sockets", "System.Net.Sockets"),
    ("System.Net.", "System.Net other"),
    ("StackExchange.Redis", "StackExchange.Redis"),
    ("Pipelines.Sockets.Unofficial", "StackExchange.Redis"),
    ("Polly", "Polly / resilience"),
    ("Grpc.", "gRPC client"),
    ("System.IO.Pipelines", "System.IO.Pipelines"),
    ("System.Security.Cryptography", "System.Security.Cryptography"),
    ("System.Runtime.CompilerServices", "async machinery (state machines, tasks)"),
    ("System.Threading.Tasks", "async machinery (state machines, tasks)"),
    ("System.Threading.ExecutionContext", "async machinery (state machines, tasks)"),
    ("System.Threading.", "thread pool, timers, locks"),
    ("System.", "BCL other (strings, collections, ...)"),
    ("Microsoft.", "other managed"),
]
# Groups that do not own work: the charged view walks past them to the nearest caller that does.
GENERIC = {
    "async machinery (state machines, tasks)", "thread pool, timers, locks", "BCL other (strings, collections, ...)",
    "other managed", "System.IO.Pipelines",
}
NATIVE_GENERIC_PREFIXES = ("kernel", "libc", "CLR runtime", "other native")
KEY_COMPONENTS = [
    "OpenTelemetry SDK + instrumentation", "Activity / ActivitySource (tracing)", "DiagnosticListener / DiagnosticSource",
    "System.Diagnostics.Metrics (instruments, listeners)", "ASP.NET Core hosting (HostingApplication, request diagnostics)",
    "Gateway: telemetry (metrics middleware, route stats)", "Gateway: authentication", "Gateway: rate limiting",
    "Gateway: forwarding (retry, identity transforms)", "ASP.NET Core authentication", "ASP.NET Core authorization",
    "ASP.NET Core rate limiting (+ System.Threading.RateLimiting)", "ASP.NET Core routing",
    "ASP.NET Core diagnostics (exception handler, status code pages)", "Microsoft.Extensions.Logging", "Polly / resilience",
    "StackExchange.Redis", "YARP", "System.Net.Http (HttpClient to the backend)", "Kestrel", "System.Net.Sockets",
]

SYM_RE = re.compile(r"^\s*[0-9a-f]+ (.*) \(([^()]*(?:\([^()]*\))?[^()]*)\)$")
ASYNC_RE = re.compile(r"\+<([^>]+)>d__\d+$")
TIER_RE = re.compile(r"\[(QuickJitted|OptimizedTier1|Optimized|Tier0|Tier1|OptimizedTier1OSR|QuickJittedOSR|Instrumented[A-Za-z0-9]*|PreJIT|ReadyToRun)\]$")


def strip_generics(name):
    out, depth = [], 0
    for ch in name:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


_cache = {}


def parse_frame(sym, dso):
    """(display name, group, tier) of one frame."""
    key = (sym, dso)
    hit = _cache.get(key)
    if hit:
        return hit
    tier = ""
    if dso.startswith("/tmp/perf-") and "::" in sym:
        m = TIER_RE.search(sym)
        if m:
            tier = m.group(1)
            sym = sym[: m.start()]
        head = sym[: sym.index("(")] if "(" in sym else sym
        # "[rettype ...] [Assembly] Namespace.Type::Method": the type has no spaces.
        type_and_method = head.rsplit(" ", 1)[-1]
        type_name, _, method = type_and_method.partition("::")
        type_name = strip_generics(type_name)
        m = ASYNC_RE.search(type_name)
        if m:  # an async method's state machine: name the method
            type_name, method = type_name[: m.start()], m.group(1) + " (async)"
        group = "other managed"
        for prefix, g in GROUPS:
            if type_name.startswith(prefix):
                group = g
                break
        if "AsyncStateMachineBox" in type_name or "AsyncMethodBuilder" in type_name:
            group = "async machinery (state machines, tasks)"
        result = (f"{type_name}.{method}", group, tier)
    elif dso == "[kernel.kallsyms]":
        result = (f"[kernel] {sym}", "kernel", "")
    elif "libcoreclr" in dso:
        result = ("[libcoreclr] (no symbols: GC, allocation and cast helpers, stubs, thread pool waits)", "CLR runtime (native)", "")
    elif "libclrjit" in dso:
        result = ("[libclrjit] JIT compiler", "JIT", "")
    elif "libc.so" in dso:
        result = (f"[libc] {sym}", "libc", "")
    elif "libSystem.Native" in dso:
        result = (f"[libSystem.Native] {sym}", "libc", "")
    elif "libcrypto" in dso or "libssl" in dso:
        result = (f"[openssl] {sym}", "OpenSSL", "")
    elif dso.startswith("/tmp/perf-"):
        result = (f"[stub] {sym}", "CLR runtime (native)", "")
    else:
        result = (f"[{dso.rsplit('/', 1)[-1]}] {sym}", "other native", "")
    _cache[key] = result
    return result


KERNEL_SYSCALL_RE = re.compile(r"^\[kernel\] __(?:x64|se)_sys_(\w+)")


def kernel_bucket(stack):
    """Which syscall a kernel sample is in (stack: leaf first)."""
    for name, group, _ in stack:
        if group != "kernel":
            break
        m = KERNEL_SYSCALL_RE.match(name)
        if m:
            call = m.group(1)
            if call in ("sendto", "sendmsg", "write", "writev", "send"):
                return "kernel: socket send (loopback TCP)"
            if call in ("recvfrom", "recvmsg", "read", "readv", "recv"):
                return "kernel: socket receive"
            if call in ("epoll_wait", "epoll_pwait", "epoll_ctl"):
                return "kernel: epoll"
            if call in ("futex", "sched_yield", "nanosleep", "clock_nanosleep"):
                return "kernel: futex / sched_yield (thread wake-ups, spinning)"
            return f"kernel: other syscalls ({call})" if False else "kernel: other syscalls"
    return "kernel: interrupts, page faults, scheduler"


def read_samples(path):
    """Yields (comm, period_ns, stack) with the stack leaf first, frames as (name, group, tier)."""
    with gzip.open(path, "rt", errors="replace") as f:
        header, frames = None, []
        for line in f:
            if line.startswith(("\t", " ")) and header is not None:
                m = SYM_RE.match(line.rstrip("\n"))
                if m:
                    frames.append(parse_frame(m.group(1), m.group(2)))
                continue
            if not line.strip():
                if header is not None:
                    yield header[0], header[1], frames
                header, frames = None, []
                continue
            parts = line.rstrip().rsplit(None, 2)
            try:
                header = (parts[0], int(parts[2]))
            except (IndexError, ValueError):
                header = None
            frames = []
        if header is not None:
            yield header[0], header[1], frames


def analyse(path):
    total = 0
    self_method = collections.Counter()
    self_group = collections.Counter()
    incl_method = collections.Counter()
    incl_group = collections.Counter()
    charged = collections.Counter()
    threads = collections.Counter()
    tiers = collections.Counter()
    for comm, period, stack in read_samples(path):
        total += period
        thread = re.sub(r"\s*\d+$", "", comm)
        threads[thread] += period
        if not stack:
            self_method["[no stack]"] += period
            self_group["other native"] += period
            charged["other native"] += period
            continue
        leaf_name, leaf_group, leaf_tier = stack[0]
        if leaf_group == "kernel":
            leaf_group = kernel_bucket(stack)
        self_method[leaf_name] += period
        self_group[leaf_group] += period
        if leaf_tier:
            tiers[leaf_tier] += period
        for name in {f[0] for f in stack}:
            incl_method[name] += period
        for group in {f[1] for f in stack}:
            incl_group[group] += period
        # Charged: JIT and tiering on their own; otherwise the nearest frame (leaf first) of a
        # component that owns work, past kernel, libc, runtime helpers and generic BCL frames.
        if thread.startswith(".NET Tiered") or any(f[1] == "JIT" for f in stack):
            owner = "JIT / tiered compilation"
        else:
            owner = None
            for name, group, _ in stack:
                if group in GENERIC or group.startswith(NATIVE_GENERIC_PREFIXES):
                    continue
                owner = group
                break
            if owner is None:
                managed = [f[1] for f in stack if f[1] in GENERIC]
                owner = managed[0] if managed else (leaf_group if leaf_group.startswith("kernel") else stack[0][1])
        charged[owner] += period
    return dict(total=total, self_method=self_method, self_group=self_group, incl_method=incl_method,
                incl_group=incl_group, charged=charged, threads=threads, tiers=tiers)


def read_counters(path, skip_seconds=2):
    """Sums of per-second rates over the window (after the first `skip_seconds` rows: attach)."""
    sums, stamps = collections.Counter(), []
    try:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError:
        return None
    for row in rows:
        if row["Timestamp"] not in stamps:
            stamps.append(row["Timestamp"])
    keep = set(stamps[skip_seconds:])
    for row in rows:
        if row["Timestamp"] in keep and "/ 1 sec" in row["Counter Name"]:
            try:
                sums[row["Counter Name"]] += float(row["Mean/Increment"])
            except ValueError:
                pass
    return sums, len(keep)


def fmt(v, digits=1):
    return f"{v:.{digits}f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--measurements", required=True)
    ap.add_argument("--frequency", type=int, required=True)
    ap.add_argument("--target", action="append", required=True, help="key=label=path-prefix")
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args()

    meas = {}
    with open(args.measurements) as f:
        for line in f:
            key, n, secs, rps, p50, p99, other, cpu_us = line.rstrip("\n").split("\t")
            meas[key] = dict(requests=int(n), seconds=float(secs), rps=float(rps), p50=float(p50), p99=float(p99),
                             other=other, cpu_us_per_req=float(cpu_us) / int(n))
    targets = []
    for spec in args.target:
        key, label, prefix = spec.split("=", 2)
        targets.append((key, label, prefix))

    out = []
    results = {}
    for key, label, prefix in targets:
        a = analyse(prefix + ".stacks.gz")
        m = meas[key]
        # A bucket's µs per request: its share of the process's samples × process CPU µs/req (/proc).
        a["scale"] = m["cpu_us_per_req"] / a["total"] if a["total"] else 0
        a["counters"] = read_counters(prefix + ".counters.csv")
        results[key] = a

    def us(a, v):
        return v * a["scale"]

    # --- summary -----------------------------------------------------------------------------
    out.append("## Summary per target\n")
    out.append("| target | req/s while sampled | p50 / p99 ms | process CPU µs/req (/proc) | perf samples | sampled CPU µs/req | × bare YARP CPU/req | other processes on the server core | GC pause µs/req | allocated bytes/req | gen0 GCs per 10k req |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    base = results.get("yarp")
    for key, label, _ in targets:
        a, m = results[key], meas[key]
        samples_us = a["total"] / 1000 / m["requests"]
        ratio = fmt(m["cpu_us_per_req"] / meas["yarp"]["cpu_us_per_req"], 2) if base else "—"
        gc = alloc = gen0 = "—"
        if a["counters"]:
            sums, secs = a["counters"]
            n = m["rps"] * secs  # requests in the counted seconds
            pause = sums.get("dotnet.gc.pause.time (s / 1 sec)")
            allocated = sums.get("dotnet.gc.heap.total_allocated (By / 1 sec)")
            g0 = sums.get("dotnet.gc.collections ({collection} / 1 sec)[gc.heap.generation=gen0]")
            if pause is not None and n:
                gc = fmt(pause * 1e6 / n, 2)
            if allocated is not None and n:
                alloc = f"{allocated / n:.0f}"
            if g0 is not None and n:
                gen0 = fmt(g0 * 1e4 / n, 2)
        out.append(f"| {label} | {m['rps']:.0f} | {m['p50']:.2f} / {m['p99']:.2f} | {m['cpu_us_per_req']:.1f} | {a['total'] / (1e9 / args.frequency):.0f} | {samples_us:.1f} | {ratio} | {m['other']}% | {gc} | {alloc} | {gen0} |")
    out.append("")
    out.append("*process CPU µs/req*: user+system CPU of the profiled process over the wrk window ÷ requests completed. "
               "*sampled CPU µs/req*: perf's cpu-clock samples of that process ÷ the same requests (the perf window starts 0.5 s earlier, "
               "so the two differ slightly). Every µs/req figure below is a share of the samples × the /proc figure. "
               "GC and allocation columns come from dotnet-counters (System.Runtime) over the same window, first 2 s (attach) left out.\n")

    # --- component tables with the difference from bare YARP ----------------------------------
    def component_table(title, field, note, rows=None):
        out.append(f"## {title}\n")
        out.append(note + "\n")
        keys = [t[0] for t in targets]
        names = collections.Counter()
        for k in keys:
            for g, v in results[k][field].items():
                names[g] = max(names[g], us(results[k], v))
        order = rows or [g for g, _ in names.most_common()]
        head = "| component | " + " | ".join(f"{k} µs/req (%)" for k in keys)
        if base:
            head += " | " + " | ".join(f"{k} − yarp" for k in keys if k != "yarp")
        out.append(head + " |")
        out.append("|---|" + "---:|" * (len(keys) + (len(keys) - 1 if base else 0)))
        for g in order:
            if rows is None and names[g] < 0.15:
                continue
            cells = []
            for k in keys:
                a = results[k]
                v = a[field].get(g, 0)
                cells.append(f"{us(a, v):.2f} ({100 * v / a['total']:.1f}%)")
            if base:
                yv = us(base, base[field].get(g, 0))
                for k in keys:
                    if k == "yarp":
                        continue
                    cells.append(f"{us(results[k], results[k][field].get(g, 0)) - yv:+.2f}")
            out.append(f"| {g} | " + " | ".join(cells) + " |")
        if rows is None:
            cells = [f"{results[k]['scale'] * results[k]['total']:.2f} (100%)" for k in keys]
            if base:
                cells += [f"{results[k]['scale'] * results[k]['total'] - base['scale'] * base['total']:+.2f}" for k in keys if k != "yarp"]
            out.append("| **total** | " + " | ".join(cells) + " |")
        out.append("")

    component_table(
        "CPU charged to components (µs per request)", "charged",
        "Each sample is charged to the nearest frame, from the leaf up, of a component that owns work: kernel time in a socket "
        "send is charged to whoever called the socket (System.Net.Sockets, Kestrel ...), runtime helpers and allocations to the "
        "managed caller, generic BCL code (collections, strings, async state machine plumbing, thread pool) to the component "
        "that called it; what has no such caller keeps its generic group (e.g. the thread pool's own dispatch and spinning). "
        "JIT and tiered compilation are charged to JIT. The difference columns are what the gateway spends per request that "
        "bare YARP does not (negative: less).")
    component_table(
        "Self time by group (µs per request)", "self_group",
        "Where the CPU actually is (the leaf frame): managed code by namespace, kernel time by the syscall it is in, "
        "libcoreclr (no symbols in the shipped runtime: GC, allocation and type-check helpers, stubs).")
    component_table(
        "Inclusive time of key components (µs per request)", "incl_group",
        "Samples with at least one frame of the component on the stack (callees included, nested components double-counted "
        "across rows: e.g. YARP's forwarding includes System.Net.Http).", rows=KEY_COMPONENTS)

    # --- top methods -----------------------------------------------------------------------------
    for key, label, _ in targets:
        a = results[key]
        out.append(f"## {label}: top {args.top} methods\n")
        out.append("| # | self µs/req | self % | method (leaf) | | inclusive µs/req | incl. % | method (on the stack) |")
        out.append("|---:|---:|---:|---|---|---:|---:|---|")
        sm = a["self_method"].most_common(args.top)
        im = a["incl_method"].most_common(args.top + 40)
        # Skip the frames that are on every stack anyway (thread start, dispatch loops).
        im = [(n, v) for n, v in im if v < 0.97 * a["total"]][: args.top]
        for i in range(args.top):
            l = sm[i] if i < len(sm) else ("", 0)
            r = im[i] if i < len(im) else ("", 0)
            out.append(f"| {i + 1} | {us(a, l[1]):.2f} | {100 * l[1] / a['total']:.1f} | `{l[0][:110]}` | | "
                       f"{us(a, r[1]):.2f} | {100 * r[1] / a['total']:.1f} | `{r[0][:110]}` |")
        out.append("")
        threads = ", ".join(f"{t} {100 * v / a['total']:.1f}%" for t, v in a["threads"].most_common(8))
        tiers_total = sum(a["tiers"].values()) or 1
        tiers = ", ".join(f"{t} {100 * v / tiers_total:.1f}%" for t, v in a["tiers"].most_common())
        out.append(f"Threads: {threads}. JIT tier of managed leaf samples: {tiers}.\n")

    print("\n".join(out))


if __name__ == "__main__":
    main()
