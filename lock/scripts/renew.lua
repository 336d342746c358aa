-- renew: extend the lease if the token still holds the lock.
-- KEYS[1] the lock. ARGV[1] token, ARGV[2] ttl in ms.
-- Returns {1} when renewed, {0} when nobody holds it, and
-- {0, fence, user, manual, info, pttl} when someone else does.
local cur = redis.call('HMGET', KEYS[1], 'token', 'fence', 'user', 'manual', 'info')
if cur[1] == ARGV[1] then
	redis.call('PEXPIRE', KEYS[1], ARGV[2])
	return {1}
end
if not cur[1] then
	return {0}
end
return {0, cur[2], cur[3], cur[4], cur[5], redis.call('PTTL', KEYS[1])}
