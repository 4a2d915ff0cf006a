-- Shared by every benchmark run (wrk -s bench/stats.lua, or loaded by save.lua): prints one
-- machine-readable line that bench/run.sh turns into its table. Times are in microseconds.
-- errors = responses with a status of 400 or more (wrk counts no 2xx/3xx as errors) plus
-- socket errors (connect, read, write, timeout).

function bench_line(summary, latency)
  local e = summary.errors
  local socket = e.connect + e.read + e.write + e.timeout
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "BENCH requests=%d seconds=%.3f rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d non2xx3xx=%d socket_errors=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.status, socket))
end

function done(summary, latency, requests)
  bench_line(summary, latency)
end
