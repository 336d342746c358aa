-- set_info: replace a held lease's holder record (e.g. once its operation's
-- thread is known), leaving its token, fence and time to live as they are.
-- KEYS[1] the lock. ARGV[1] token, ARGV[2] info (JSON).
-- Returns 1 when replaced, 0 when the token no longer holds the lock.
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then
	return 0
end
redis.call('HSET', KEYS[1], 'info', ARGV[2])
return 1
