-- wrk script for bench/service/run.sh: cycle through the pre-built requests of $REQS
-- ("PATH<TAB>Header: value"), count non-2xx answers per thread.
local reqs = {}
local idx = 0
local bad = 0
function init(args)
  for line in io.lines(os.getenv("REQS")) do
    local path, hdr = line:match("^([^\t]*)\t(.*)$")
    local headers = {}
    if hdr and hdr ~= "" then
      local k, v = hdr:match("^([^:]+):%s*(.*)$")
      headers[k] = v
    end
    reqs[#reqs + 1] = wrk.format("GET", path, headers)
  end
  -- threads start at different offsets so no two send the same signed request
  idx = (tonumber(args[1] or "0") or 0)
end
local threads = {}
function setup(thread)
  thread:set("offset", #threads)
  table.insert(threads, thread)
end
function request()
  idx = idx + 1
  local n = #reqs
  local i = ((idx * 2 + (offset or 0)) % n) + 1
  return reqs[i]
end
function response(status, headers, body)
  if status < 200 or status > 299 then bad = bad + 1 end
end
function done(summary, latency, requests)
  io.write(string.format("RESULT rps=%.0f p99_ms=%.2f p50_ms=%.2f non2xx=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(99) / 1000,
    latency:percentile(50) / 1000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
