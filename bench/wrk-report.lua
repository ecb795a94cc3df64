-- Prints one machine-readable line after wrk's own report; bench/run.sh reads it.
-- Latencies are in microseconds, duration too. Every request that did not complete with a
-- status below 400 counts as failed, so a proxy answering 502 quickly cannot look fast.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d failed=%d\n",
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
