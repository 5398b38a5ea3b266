-- One bounded wrk run against one URL; prints its figures as one JSON line.
-- BENCH_BUST=<token>  add a unique query parameter to every request, so each
--                     one misses the page cache (the uncached path)
-- BENCH_LIMIT=<n>     stop each thread after n responses (short, bounded runs)
-- BENCH_IF_NONE_MATCH send this ETag (a conditional request answered 304)
-- BENCH_COOKIE=<c>    send this Cookie header: the page cache neither answers nor
--                     stores such a request (the API's uncached path, bench/api.py)

local bust = os.getenv("BENCH_BUST") or ""
local limit = tonumber(os.getenv("BENCH_LIMIT") or "0") or 0
local etag = os.getenv("BENCH_IF_NONE_MATCH") or ""
local cookie = os.getenv("BENCH_COOKIE") or ""
local next_id = 1
local threads = {}

-- wrk's own duration is always the full -d, even when threads stop early, so
-- each thread times its own responses with a monotonic clock.
local ffi = require("ffi")
ffi.cdef([[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
int getpid(void);
int kill(int pid, int sig);
]])
local ts = ffi.new("bench_timespec")
local function now_us()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000000 + tonumber(ts.tv_nsec) / 1000
end

function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

counter, seen, t_start, t_end = 0, 0, 0, 0
local sep, fixed = "?", nil

function init(args)
  t_start = now_us()
  if etag ~= "" then
    wrk.headers["If-None-Match"] = etag
  end
  if cookie ~= "" then
    wrk.headers["Cookie"] = cookie
  end
  if string.find(wrk.path, "?", 1, true) then
    sep = "&"
  end
  fixed = wrk.format()
end

function request()
  if bust == "" then
    return fixed
  end
  counter = counter + 1
  return wrk.format(nil, wrk.path .. sep .. "bench=" .. bust .. "-" .. thread_id .. "-" .. counter)
end

function response(status, headers, body)
  seen = seen + 1
  t_end = now_us()
  if limit > 0 and seen >= limit then
    wrk.thread:stop()
    -- wrk sleeps for the whole -d before it reports; SIGINT (its own handler)
    -- ends that sleep, so a bounded run takes no longer than it needs.
    ffi.C.kill(ffi.C.getpid(), 2)
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local first, last, responses = nil, 0, 0
  for _, thread in ipairs(threads) do
    local t0, t1 = thread:get("t_start"), thread:get("t_end")
    if first == nil or t0 < first then first = t0 end
    if t1 > last then last = t1 end
    responses = responses + thread:get("seen")
  end
  local elapsed = math.max(1, last - (first or last))
  io.write(string.format(
    '\nBENCH-JSON {"requests": %d, "duration_us": %d, "responses": %d, "elapsed_us": %d, "bytes": %d, "connect": %d, "read": %d, '
      .. '"write": %d, "status": %d, "timeout": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, '
      .. '"max_us": %d}\n',
    summary.requests, summary.duration, responses, elapsed, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max))
end
