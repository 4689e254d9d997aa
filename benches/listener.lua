-- wrk script for benches/listener.sh: POSTs the seed 004 body with a unique
-- event id per request (so deduplication does not hide work) and counts.
-- env: BODY_FILE (the seed body), SECRET (X-Moltin-Secret-Key, may be empty).

local threads = {}
local next_tid = 0

function setup(thread)
  next_tid = next_tid + 1
  thread:set("tid", next_tid)
  table.insert(threads, thread)
end

function init(args)
  local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
  local body = f:read("*a")
  f:close()
  local seed_id = "31ca9869-a6eb-4f06-989c-17900fa12f2d"
  local s, e = string.find(body, seed_id, 1, true)
  pre = string.sub(body, 1, s - 1)
  post = string.sub(body, e + 1)
  headers = { ["Content-Type"] = "application/json" }
  local secret = os.getenv("SECRET")
  if secret and secret ~= "" then
    headers["X-Moltin-Secret-Key"] = secret
  end
  prefix = string.format("bench-%d-%d-", tid, math.random(1, 1000000000))
  sent = 0
  non2xx = 0
end

function request()
  sent = sent + 1
  return wrk.format("POST", "/webhooks/otp", headers, pre .. prefix .. sent .. post)
end

function done(summary, latency, requests)
  local generated = 0
  for _, t in ipairs(threads) do
    generated = generated + t:get("sent")
  end
  local e = summary.errors
  local failed = e.connect + e.read + e.write + e.timeout + e.status
  io.write(string.format(
    "RESULT requests=%d generated=%d ok=%d failed=%d status_errors=%d socket_errors=%d " ..
    "rps=%.0f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f\n",
    summary.requests, generated, summary.requests - e.status, failed, e.status,
    e.connect + e.read + e.write + e.timeout,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency:percentile(99.9) / 1000, latency.max / 1000))
end
