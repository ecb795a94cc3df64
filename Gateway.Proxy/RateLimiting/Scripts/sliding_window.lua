-- Sliding-window counter, one decision (or one batch reservation) per call, atomically.
--
-- KEYS[1]  the limit's hash key, e.g. "{gw:rl:per-user:u:<id>}" (hash tag: works on Redis Cluster)
-- ARGV[1]  limit: requests allowed per window
-- ARGV[2]  window length in microseconds
-- ARGV[3]  requested permits (1 in strict mode, the batch size in batched mode); negative: give
--          that many permits back to the window they were granted in (this one or the previous)
-- ARGV[4]  optional: "now" in microseconds, for tests only; otherwise Redis TIME is the clock, so
--          every replica shares one clock
--
-- State: HASH { w = current window index, c = permits granted in it, p = granted in the previous }
-- The estimate of the sliding window is p * (share of the previous window still inside it) + c.
-- Rejected requests change nothing: only granted permits are counted.
--
-- Returns { granted, remaining, retry_after_us, reset_us }
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local requested = tonumber(ARGV[3])

local now
if ARGV[4] and ARGV[4] ~= '' then
  now = tonumber(ARGV[4])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end

local index = math.floor(now / window)
local elapsed = now - index * window

local state = redis.call('HMGET', key, 'w', 'c', 'p')
local w = tonumber(state[1])
local c = tonumber(state[2]) or 0
local p = tonumber(state[3]) or 0

if requested < 0 then
  -- A refund: 'c' still counts the window the permits were granted in when that is this window or
  -- the previous one (the state rolls over on the next grant); anything older no longer weighs.
  if w ~= nil and w >= index - 1 then
    redis.call('HSET', key, 'c', math.max(0, c + requested))
  end
  return { 0, 0, 0, window - elapsed }
end

if w == nil then
  c, p = 0, 0
elseif w == index - 1 then
  p, c = c, 0
elseif w < index - 1 then
  c, p = 0, 0
end

local weight = (window - elapsed) / window
local available = math.floor(limit - (p * weight + c))
local granted = 0
if available > 0 then
  granted = math.min(requested, available)
  c = c + granted
end

if w ~= index then
  redis.call('HSET', key, 'w', index, 'c', c, 'p', p)
  -- Idle keys disappear once they no longer weigh on any window: 2 windows from the key's first
  -- write in this one, i.e. at least until the end of the next window. That expiry also covers
  -- the later writes of this window, which therefore change only what changed.
  redis.call('PEXPIRE', key, math.ceil(2 * window / 1000))
elseif granted > 0 then
  redis.call('HSET', key, 'c', c)
end

local remaining = math.max(0, math.floor(limit - (p * weight + c)))
local retry = 0
if granted == 0 then
  if c + 1 > limit then
    -- This window is full: wait for the next one, until this window's share has decayed enough.
    retry = (window - elapsed) + math.ceil(window * (c + 1 - limit) / c)
  else
    -- The previous window still weighs too much: wait until its share has decayed enough.
    retry = math.ceil(window * (1 - (limit - c - 1) / p) - elapsed)
  end
  if retry < 1 then retry = 1 end
end

return { granted, remaining, retry, window - elapsed }
