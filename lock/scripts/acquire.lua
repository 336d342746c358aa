-- acquire: take the lock if nobody holds it, and issue the next fence.
-- KEYS[1] the lock (a hash), KEYS[2] the resource's fence counter; one hash slot.
-- ARGV[1] token, ARGV[2] user, ARGV[3] manual ("1" or "0"), ARGV[4] info (JSON),
-- ARGV[5] ttl in ms, ARGV[6] the largest fence the caller has seen.
-- Returns {1, fence} when taken; {0, fence, user, manual, info, pttl} of the
-- holder when someone holds it, so a refusal says who in the same round trip.
local cur = redis.call('HMGET', KEYS[1], 'fence', 'user', 'manual', 'info')
if cur[1] then
	return {0, cur[1], cur[2], cur[3], cur[4], redis.call('PTTL', KEYS[1])}
end
-- A counter that lost increments (failover) is moved past what the caller saw.
if tonumber(ARGV[6]) > tonumber(redis.call('GET', KEYS[2]) or '0') then
	redis.call('SET', KEYS[2], ARGV[6])
end
local fence = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], 'token', ARGV[1], 'fence', string.format('%d', fence),
	'user', ARGV[2], 'manual', ARGV[3], 'info', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {1, fence}
