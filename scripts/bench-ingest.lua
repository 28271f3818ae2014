-- wrk script for scripts/bench-ingest: every request posts the next signed, filled-in form from
-- the file named by FORMS (one url-encoded body a line, written by `minyi forms`). Each wrk
-- thread takes every n-th line, so no form is posted twice and every 303 is a new response.
-- The requests are built once, in init, and no response callback is set: the load generator
-- shares the two cores with the server, and the reference's wrk run does no per-request Lua
-- work either. Statuses of 400 and above are counted by wrk itself; what was stored is
-- counted in the database afterwards.
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  local nthreads = tonumber(os.getenv("WRK_THREADS") or "2")
  wrk.method = "POST"
  wrk.path = os.getenv("SUBMIT_PATH")
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  prepared = {}
  local i = 0
  for line in io.lines(os.getenv("FORMS")) do
    if i % nthreads == id then
      prepared[#prepared + 1] = wrk.format(nil, nil, nil, line)
    end
    i = i + 1
  end
  next_request = 0
  count = #prepared
end

function request()
  -- Out of forms: repeat the last one (an idempotent retry; not counted as new).
  if next_request < count then
    next_request = next_request + 1
  end
  return prepared[next_request]
end

function done(summary, latency, requests)
  local secs = summary.duration / 1e6
  io.write(string.format("requests %d\n", summary.requests))
  io.write(string.format("other_status %d\n", summary.errors.status))
  local e = summary.errors
  io.write(string.format("socket_errors %d\n", e.connect + e.read + e.write + e.timeout))
  -- Which kind, when there are any: a timeout is a request unanswered for 2 s (wrk's default).
  io.write(string.format("socket_error_kinds connect %d, read %d, write %d, timeout %d\n",
    e.connect, e.read, e.write, e.timeout))
  io.write(string.format("seconds %.3f\n", secs))
  io.write(string.format("p50_ms %.2f\n", latency:percentile(50) / 1000))
  io.write(string.format("p99_ms %.2f\n", latency:percentile(99) / 1000))
  io.write(string.format("max_ms %.2f\n", latency.max / 1000))
end
