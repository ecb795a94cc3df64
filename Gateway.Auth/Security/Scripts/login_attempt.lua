-- Counts one login attempt before its password is verified, or refuses it, atomically: concurrent
-- attempts cannot all pass a check made before any of them was counted.
--
-- KEYS[1]  (account, client) pair    HASH { n = attempts counted, t = ms of the last one }
-- KEYS[2]  client (any account)      same shape; ignored when ARGV[6] is empty
-- KEYS[3]  account (any client)      same shape
-- KEYS[4]  the account's known clients: ZSET of client digests that signed in successfully
-- ARGV[1]  attempts a pair may make before it is slowed down
-- ARGV[2]  attempts a client may make (over all accounts) before it is slowed down
-- ARGV[3]  attempts an account may receive from clients it does not know before they are slowed down
-- ARGV[4]  first delay, ms, once a limit is reached; it doubles with each further attempt...
-- ARGV[5]  ...up to this many ms; a count is forgotten this long after its last attempt
-- ARGV[6]  the client's digest, or '' when the caller did not say who the client is
--
-- Returns { 1, 0 } when the attempt may be verified (and is counted), { 0, wait_ms } otherwise.
-- Progressive delay, never a lock: the owner trying from another client is not affected by the
-- pair's or the other client's count, and the account-wide count does not apply to clients that
-- signed in to the account before. Redis TIME is the clock, shared by every auth instance.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local base = tonumber(ARGV[4])
local cap = tonumber(ARGV[5])
local client = ARGV[6]

local function wait(key, max)
  local state = redis.call('HMGET', key, 'n', 't')
  local n = tonumber(state[1]) or 0
  if n < max then
    return 0
  end
  local delay = math.min(base * 2 ^ (n - max), cap)
  local ready = (tonumber(state[2]) or 0) + delay
  if ready > now then
    return ready - now
  end
  return 0
end

local waits = wait(KEYS[1], tonumber(ARGV[1]))
if client ~= '' then
  waits = math.max(waits, wait(KEYS[2], tonumber(ARGV[2])))
end
if waits == 0 and (client == '' or not redis.call('ZSCORE', KEYS[4], client)) then
  waits = wait(KEYS[3], tonumber(ARGV[3]))
end
if waits > 0 then
  return { 0, math.ceil(waits) }
end

local function count(key)
  redis.call('HINCRBY', key, 'n', 1)
  redis.call('HSET', key, 't', now)
  redis.call('PEXPIRE', key, cap)
end

count(KEYS[1])
if client ~= '' then
  count(KEYS[2])
end
count(KEYS[3])
return { 1, 0 }
