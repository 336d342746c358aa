-- release: delete the lock if the token still holds it (compare and delete).
-- KEYS[1] the lock. ARGV[1] token. Returns 1 when deleted, 0 when not held.
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then
	redis.call('DEL', KEYS[1])
	return 1
end
return 0
