-- Approximate mode: adds what replicas admitted locally since their last sync to many keys'
-- sliding windows in one call, and returns each key's count, so a replica learns what the others
-- admitted. Same state as sliding_window.lua (HASH { w, c, p }), so a policy can change mode
-- without losing its counts.
--
-- KEYS[i]             a limit's hash key (on Redis Cluster, one call carries keys of one slot)
-- ARGV[3i-2 .. 3i]    limit, window length in microseconds, permits admitted since the last sync
--                     (negative: given back, e.g. a refunded failed-credential permit)
-- ARGV[3n+1]          optional: "now" in microseconds, for tests only; otherwise Redis TIME
--
-- Admitted requests are counted even past the limit (they were served); the replica refuses
-- locally once the count it was given, plus what it admitted since, reaches the limit.
--
-- Returns, per key, { used, retry_after_us, reset_us }: used = ceil(p * weight + c), the sliding
-- window's count now; retry_after_us > 0 when one more request would be over the limit.
local n = #KEYS
local now
local clock = ARGV[3 * n + 1]
if clock and clock ~= '' then
  now = tonumber(clock)
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end

local result = {}
for i = 1, n do
  local key = KEYS[i]
  local limit = tonumber(ARGV[3 * i - 2])
  local window = tonumber(ARGV[3 * i - 1])
  local delta = tonumber(ARGV[3 * i])

  local index = math.floor(now / window)
  local elapsed = now - index * window

  local state = redis.call('HMGET', key, 'w', 'c', 'p')
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
  if delta ~= 0 or w ~= index then
    redis.call('HSET', key, 'w', index, 'c', c, 'p', p)
    redis.call('PEXPIRE', key, math.ceil(2 * window / 1000))
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
