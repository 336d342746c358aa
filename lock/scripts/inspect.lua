-- inspect: read the holder.
-- KEYS[1] the lock. Returns {0} when free, {1, fence, user, manual, info, pttl}.
local cur = redis.call('HMGET', KEYS[1], 'fence', 'user', 'manual', 'info')
if not cur[1] then
	return {0}
end
return {1, cur[1], cur[2], cur[3], cur[4], redis.call('PTTL', KEYS[1])}
