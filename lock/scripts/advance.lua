-- advance: move a held lease's fence above a fence seen on the resource.
-- KEYS[1] the lock, KEYS[2] the fence counter. ARGV[1] token, ARGV[2] seen.
-- Returns {1, fence} (unchanged when already above seen), {0} when not held.
local cur = redis.call('HMGET', KEYS[1], 'token', 'fence')
if cur[1] ~= ARGV[1] then
	return {0}
end
if tonumber(cur[2]) > tonumber(ARGV[2]) then
	return {1, tonumber(cur[2])}
end
if tonumber(ARGV[2]) > tonumber(redis.call('GET', KEYS[2]) or '0') then
	redis.call('SET', KEYS[2], ARGV[2])
end
local fence = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], 'fence', string.format('%d', fence))
return {1, fence}
