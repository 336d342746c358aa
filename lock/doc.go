// Package lock keeps two people from changing one service (node, or the
// swarm's settings) at the same time, and tells whoever is refused who holds
// it, doing what, where, since when and until when.
//
// A Locker hands out leases. Acquire never waits: it takes the lock or
// returns a *HeldError carrying the holder, read in the same round trip.
// An operation's lease lasts Options.TTL (SWARMBOT_LOCK_TTL, 30 s) and is
// renewed every TTL/3 while the operation runs; when a renewal finds the lock
// gone, or none succeeds before the lease runs out, Lease.Lost is closed and
// the operation must stop making changes. A bot that dies leaves a lock that
// runs out within the TTL. A manual lock (`lock ping --reason … --for 2h`) is
// held by a person, is not renewed, and ends when its time is up, when that
// person unlocks it, or when an admin force-unlocks it.
//
// Two implementations pass one contract test suite: Redis, shared by every
// swarmbot instance, and Memory, for a single process without Redis.
//
// # Why hand-written Lua and not bsm/redislock
//
// Each operation is one small Lua script run with EVALSHA, so each is atomic
// and costs one round trip. bsm/redislock was considered: it is sound and its
// scripts are of the same kind, but it cannot read back another holder (its
// metadata is an opaque suffix of the token, readable only by its owner) and
// it issues no fence. Both are requirements here, so wrapping it would still
// mean our own scripts for the refusal and the counter, and a second round
// trip to read the holder. The benchmark in this package compares the two.
//
// # Keys
//
// A resource's lock is the hash swarmbot:<cluster>:lock:{<kind>:<name>}
// (fields token, fence, user, manual, info) with a PEXPIRE; its fence counter
// is swarmbot:<cluster>:fence:{<kind>:<name>}, a plain integer that never
// expires. The hash tag puts both in one slot, so the scripts work on Redis
// Cluster; List scans swarmbot:<cluster>:lock:* on every master. The swarm's
// own keys end in {swarm}. The token is random, never leaves the Lease, and
// is what release, renewal and Advance compare.
//
// # Fencing
//
// Every acquire increments the resource's counter in the same script and
// hands the number out as Lease.Fence, so fences on a resource strictly
// increase; ForceUnlock moves the counter on too. The swarm package stamps the
// fence into the service label swarmbot.fence with each change and refuses to
// write when the label carries a larger one. That check, made atomic by the
// Engine's compare-and-swap on the service version, is what protects the
// service: a lease only excludes holders that behave. A rollback puts the
// previous spec back, label included, so whoever rolls back stamps its fence
// again right after (the Engine's rollback takes no spec to add it to).
//
// The counter can lose increments: a Redis failover may drop the last writes,
// and Memory's counters end with the process. So a caller that has seen a
// fence on the resource passes it along: as Request.SeenFence when it read
// the label before acquiring, or to Lease.Advance right after acquiring. The
// counter then moves to max(counter, seen)+1. Advance succeeds only while the
// lease still holds the lock, so it cannot move a stale holder past a newer one.
//
// # Failures
//
// When Redis cannot answer, every call returns an error that matches
// ErrUnavailable and says what was being done, within Options.Timeout (2 s):
// NewRedisClient sets one-second dial, read and write timeouts, honours the
// context's deadline and turns go-redis's retries off, since a retried
// acquire or force-unlock could act twice. Callers refuse changes and go on
// with reads. A lease whose renewals fail is retried every TTL/10 and is lost
// when its TTL has passed since its last renewal began, which is no later
// than Redis lets the key expire. When Redis comes back nothing needs a restart.
// Errors carry Redis's address but never its password.
//
// # Guarantees and limits
//
//   - A lease lock excludes well-behaved holders only. A holder paused (GC,
//     swap, a stalled network) past its TTL can wake up believing it still
//     holds the lock; it learns otherwise at its next renewal, at most TTL/3
//     later. Fencing, checked by the Engine, is what refuses its writes.
//   - Redis replication is asynchronous: after a failover a lock can vanish
//     (two holders) and the counter can step back. Fences above what the
//     label shows (SeenFence, Advance) repair the counter; nothing repairs
//     the lost exclusion. There is no Redlock quorum: one Redis, or one
//     Redis Cluster, is the authority.
//   - Redis must not evict these keys: run it with maxmemory-policy
//     noeviction. An evicted fence counter starts again from zero (SeenFence
//     and Advance repair that only where a label shows the old fence); an
//     evicted lock is a lock broken without anyone being told until the
//     holder's next renewal.
//   - Holder.Since and Holder.Until are read from the clocks of the swarmbot
//     instance that took the lock and the one reading it; expiry itself is
//     Redis's.
//   - Locks on the service, node and swarm resources are independent: the
//     swarm lock does not exclude service locks. The caller takes what each
//     command needs.
//   - Acquire is not retried: when its reply is lost the lock may have been
//     taken, and it then refuses the caller with its own name until it runs
//     out (an operation's TTL; a manual lock's --for, or an unlock).
//   - Force-unlock returns what it broke; the audit record is deploy's to
//     write, since deploy owns the audit stream.
package lock
