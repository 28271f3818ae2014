-- wrk script for scripts/bench-ingest: every request posts the next signed, filled-in form from
-- the file named by FORMS (one url-encoded body a line, written by `minyi forms`). Each wrk
-- thread takes every n-th line, so no form is posted twice and every 303 is a new response.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  local nthreads = tonumber(os.getenv("WRK_THREADS") or "2")
  bodies = {}
  local i = 0
  for line in io.lines(os.getenv("FORMS")) do
    if i % nthreads == id then
      bodies[#bodies + 1] = line
    end
    i = i + 1
  end
  next_body = 1
  seen = { [303] = 0, other = 0 }
  wrk.method = "POST"
  wrk.path = os.getenv("SUBMIT_PATH")
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
  local body = bodies[next_body]
  if body == nil then
    -- Out of forms: repeat the last one (an idempotent retry; counted as not new).
    body = bodies[#bodies]
  end
  next_body = next_body + 1
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status == 303 then
    seen[303] = seen[303] + 1
  else
    seen.other = seen.other + 1
  end
end

function done(summary, latency, requests)
  local acked, other = 0, 0
  for _, t in ipairs(threads) do
    acked = acked + t:get("seen")[303]
    other = other + t:get("seen").other
  end
  local secs = summary.duration / 1e6
  io.write(string.format("requests %d\n", summary.requests))
  io.write(string.format("acknowledged_303 %d\n", acked))
  io.write(string.format("other_status %d\n", other))
  io.write(string.format("socket_errors %d\n",
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
  io.write(string.format("seconds %.3f\n", secs))
  io.write(string.format("p50_ms %.2f\n", latency:percentile(50) / 1000))
  io.write(string.format("p99_ms %.2f\n", latency:percentile(99) / 1000))
end
