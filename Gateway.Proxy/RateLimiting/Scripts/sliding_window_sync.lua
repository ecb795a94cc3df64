-- Approximate mode: adds what replicas admitted locally since their last sync to many keys'
-- sliding windows in one call, and returns each key's count, so a replica learns what the others
-- admitted. Same state as sliding_window.lua (HASH { w, c, p }), so a policy can change mode
-- without losing its counts.
--
-- ARGV[1]                 n, the number of keys
-- ARGV[4i-2 .. 4i+1]      key i: its name when it is not KEYS[i] (else empty), limit, window length
--                         in microseconds, permits admitted since the last sync (negative: given
--                         back, e.g. a refunded failed-credential permit)
-- ARGV[4n+2]              optional: "now" in microseconds, for tests only; otherwise Redis TIME
-- KEYS                    the keys declared to Redis, which route the call: every key when they
--                         share a slot (one server, or one slot of a cluster). On a cluster one call
--                         may carry the keys of many slots of one primary: then only the first is
--                         declared and the others are named in ARGV. A script without a shebang line
--                         may touch undeclared keys of other slots as long as the node serves them
--                         (Redis 6 and 7 alike); a key it does not serve is an error, and the caller
--                         then sends the keys slot by slot.
--
-- Admitted requests are counted even past the limit (they were served); the replica refuses
-- locally once the count it was given, plus what it admitted since, reaches the limit.
--
-- Returns, per key, { used, retry_after_us, reset_us }: used = ceil(p * weight + c), the sliding
-- window's count now; retry_after_us > 0 when one more request would be over the limit.
local n = tonumber(ARGV[1])
local now
local clock = ARGV[4 * n + 2]
if clock and clock ~= '' then
  now = tonumber(clock)
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end

-- Every key is read before any is written: a key this node does not serve fails the script at
-- its first command, and Redis does not roll back a script's writes when it fails. Read first,
-- a failed call has changed nothing, so the caller may send the same admissions again.
local states = {}
local names = {}
for i = 1, n do
  names[i] = KEYS[i] or ARGV[4 * i - 2]
  states[i] = redis.call('HMGET', names[i], 'w', 'c', 'p')
end

local result = {}
for i = 1, n do
  local key = names[i]
  local limit = tonumber(ARGV[4 * i - 1])
  local window = tonumber(ARGV[4 * i])
  local delta = tonumber(ARGV[4 * i + 1])

  local index = math.floor(now / window)
  local elapsed = now - index * window

  local state = states[i]
  local w = tonumber(state[1])
  local c = tonumber(state[2]) or 0
  local p = tonumber(state[3]) or 0
  if w == nil then
    c, p = 0, 0
  elseif w == index - 1 then
    p, c = c, 0
  elseif w < index - 1 then
    c, p = 0, 0
  end

  c = math.max(0, c + delta)
  -- Write only what changed. The expiry set when the key enters a window (2 windows from then, so
  -- at least until the end of the next window, the last one this state weighs on) already covers
  -- every later write in the same window: Redis spends ~8 us per key on HSET w,c,p + PEXPIRE and
  -- about a fifth less with a single field, and most keys of a sync are mid-window updates.
  if w ~= index then
    redis.call('HSET', key, 'w', index, 'c', c, 'p', p)
    redis.call('PEXPIRE', key, math.ceil(2 * window / 1000))
  elseif delta ~= 0 then
    redis.call('HSET', key, 'c', c)
  end

  local weight = (window - elapsed) / window
  local used = math.ceil(p * weight + c)
  local retry = 0
  if used + 1 > limit then
    if c + 1 > limit then
      retry = (window - elapsed) + math.ceil(window * (c + 1 - limit) / math.max(c, 1))
    else
      retry = math.ceil(window * (1 - (limit - c - 1) / p) - elapsed)
    end
    if retry < 1 then retry = 1 end
  end

  result[3 * i - 2] = used
  result[3 * i - 1] = retry
  result[3 * i] = window - elapsed
end
return result
