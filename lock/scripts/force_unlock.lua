-- force_unlock: delete the lock whoever holds it and move the fence on, so
-- the broken holder's fence is stale from now on.
-- KEYS[1] the lock, KEYS[2] the fence counter.
-- Returns {0} when free; {1, fence, user, manual, info, pttl} of what was broken.
local cur = redis.call('HMGET', KEYS[1], 'fence', 'user', 'manual', 'info')
if not cur[1] then
	return {0}
end
local pttl = redis.call('PTTL', KEYS[1])
redis.call('DEL', KEYS[1])
if tonumber(cur[1]) > tonumber(redis.call('GET', KEYS[2]) or '0') then
	redis.call('SET', KEYS[2], cur[1])
end
redis.call('INCR', KEYS[2])
return {1, cur[1], cur[2], cur[3], cur[4], pttl}
