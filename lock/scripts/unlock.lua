-- unlock: delete a manual lock if the person asking holds it.
-- KEYS[1] the lock. ARGV[1] user.
-- Returns {0} when free; {1, holder…} when deleted; {2, holder…} when refused,
-- where holder… is fence, user, manual, info, pttl.
local cur = redis.call('HMGET', KEYS[1], 'fence', 'user', 'manual', 'info')
if not cur[1] then
	return {0}
end
local pttl = redis.call('PTTL', KEYS[1])
if cur[2] == ARGV[1] and cur[3] == '1' then
	redis.call('DEL', KEYS[1])
	return {1, cur[1], cur[2], cur[3], cur[4], pttl}
end
return {2, cur[1], cur[2], cur[3], cur[4], pttl}
