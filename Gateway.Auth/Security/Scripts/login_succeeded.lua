-- A counted attempt (login_attempt.lua) had the right password: it was not a failure.
--
-- KEYS and ARGV[5], ARGV[6] as in login_attempt.lua; ARGV[1] known clients kept per account;
-- ARGV[2] how long, in ms, a client stays known after its last successful sign-in.
--
-- The pair starts afresh; the client's and the account's counts give this attempt back (failures
-- from elsewhere still count); the client becomes known to the account, so a flood of failures
-- on the account from other clients does not slow its owner down.
local function uncount(key)
  if (tonumber(redis.call('HGET', key, 'n')) or 0) > 0 then
    redis.call('HINCRBY', key, 'n', -1)
  end
end

redis.call('DEL', KEYS[1])
local client = ARGV[6]
if client ~= '' then
  uncount(KEYS[2])
end
uncount(KEYS[3])

if client ~= '' then
  local t = redis.call('TIME')
  redis.call('ZADD', KEYS[4], tonumber(t[1]), client)
  redis.call('ZREMRANGEBYRANK', KEYS[4], 0, -(tonumber(ARGV[1]) + 1))
  redis.call('PEXPIRE', KEYS[4], tonumber(ARGV[2]))
end
return 1
