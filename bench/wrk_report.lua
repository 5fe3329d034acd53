-- wrk script used by bench/run.sh.
--
-- BENCH_CONNECTION_CLOSE=1 adds "Connection: close" to every request, so the
-- server closes after each response and wrk opens a new connection for the
-- next one: one TCP connection (and, through a proxy, one upstream
-- connection) per request.
--
-- done() prints one machine-readable line, prefixed "BENCH_JSON ", with exact
-- counts and latency percentiles in microseconds; run.sh parses only that line.
-- Note: wrk starts a request's clock when it writes the request, so the
-- client-side TCP handshake is not part of the latency; a proxy's upstream
-- connect (done after accept) is.

if os.getenv("BENCH_CONNECTION_CLOSE") == "1" then
  wrk.headers["Connection"] = "close"
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"err_connect": %d, "err_read": %d, "err_write": %d, "err_status": %d, "err_timeout": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
