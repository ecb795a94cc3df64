-- Numbers and publishes one auth cache invalidation in one step.
-- KEYS[1] = the sequence key, ARGV[1] = the channel, ARGV[2] = the message body.
-- Incrementing and publishing together means every number a reader of the key can see belongs
-- to a message that was already sent: a proxy whose last message is older knows it missed one.
local sequence = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', ARGV[1], sequence .. ' ' .. ARGV[2])
return sequence
