-- The load test's mix: every request picks a URL from $BENCH_URLS (a file with
-- one "weight path" pair a line); a share of them ($BENCH_BUST_SHARE) miss the
-- page cache (a unique query parameter), as pages do right after an edit.
-- Prints its figures as one JSON line, with responses counted by status class.

local urls, weights, total = {}, {}, 0
local bust_share = tonumber(os.getenv("BENCH_BUST_SHARE") or "0.05") or 0.05

local function load_urls()
  for line in io.lines(os.getenv("BENCH_URLS")) do
    local weight, path = line:match("^(%d+)%s+(%S+)$")
    if weight then
      total = total + tonumber(weight)
      table.insert(urls, path)
      table.insert(weights, total)
    end
  end
end

local threads = {}
local next_id = 1

function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

counter, s2xx, s3xx, s4xx, s5xx = 0, 0, 0, 0, 0

function init(args)
  load_urls()
  math.randomseed(thread_id * 7919)
end

function request()
  local pick = math.random(total)
  local path = urls[#urls]
  for i, w in ipairs(weights) do
    if pick <= w then
      path = urls[i]
      break
    end
  end
  if math.random() < bust_share then
    counter = counter + 1
    local sep = string.find(path, "?", 1, true) and "&" or "?"
    path = path .. sep .. "bench=load-" .. thread_id .. "-" .. counter
  end
  return wrk.format(nil, path)
end

function response(status, headers, body)
  if status >= 500 then
    s5xx = s5xx + 1
  elseif status >= 400 then
    s4xx = s4xx + 1
  elseif status >= 300 then
    s3xx = s3xx + 1
  else
    s2xx = s2xx + 1
  end
end

function done(summary, latency, requests)
  local c = { s2xx = 0, s3xx = 0, s4xx = 0, s5xx = 0 }
  for _, thread in ipairs(threads) do
    for key, _ in pairs(c) do
      c[key] = c[key] + thread:get(key)
    end
  end
  local e = summary.errors
  io.write(string.format(
    '\nBENCH-JSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, '
      .. '"write": %d, "status": %d, "timeout": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, '
      .. '"max_us": %d, "s2xx": %d, "s3xx": %d, "s4xx": %d, "s5xx": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, c.s2xx, c.s3xx, c.s4xx, c.s5xx))
end
