-- A flood of well-formed random bearer tokens (gw_at_ + 43 characters, a fresh one per request),
-- paced per connection: each connection waits `delay_ms` after every response (wrk's delay hook),
-- so `connections × 1000 / (delay_ms + latency)` requests per second at most.
-- Usage: wrk ... -s flood-report.lua <url> -- <delay_ms>
-- Prints one line after wrk's report: requests, duration and the 401/429/503/other counts.
local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
local threads = {}
local pause = 0

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  pause = tonumber(args[1] or "0")
  math.randomseed(os.time() + math.floor(os.clock() * 1e6))
  s401, s429, s503, other, last_other = 0, 0, 0, 0, 0
end

function request()
  local chars = {}
  for i = 1, 43 do
    local r = math.random(1, #alphabet)
    chars[i] = alphabet:sub(r, r)
  end
  return wrk.format("GET", "/api/hello", { ["Authorization"] = "Bearer gw_at_" .. table.concat(chars) })
end

function delay()
  return pause
end

function response(status)
  if status == 401 then s401 = s401 + 1
  elseif status == 429 then s429 = s429 + 1
  elseif status == 503 then s503 = s503 + 1
  else other = other + 1; last_other = status end
end

function done(summary)
  local a, b, u, c, last = 0, 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    a = a + thread:get("s401"); b = b + thread:get("s429"); u = u + thread:get("s503"); c = c + thread:get("other")
    if thread:get("last_other") ~= 0 then last = thread:get("last_other") end
  end
  local e = summary.errors
  io.write(string.format("FLOOD requests=%d duration_us=%d s401=%d s429=%d s503=%d other=%d other_status=%d socket_errors=%d\n",
    summary.requests, summary.duration, a, b, u, c, last, e.connect + e.read + e.write + e.timeout))
end
