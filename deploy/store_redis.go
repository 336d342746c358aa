package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// NewRedisStores returns stores kept in Redis, shared by every replica that
// uses the same Redis and cluster name.
//
// Keys are swarmbot:{CLUSTER}:…; the hash tag puts all of one cluster's deploy
// keys in one Redis Cluster slot, so a script may touch a record and its index
// together. The data is small (requests, operations in flight, a bounded audit
// stream), so one slot per swarm is no burden.
func NewRedisStores(rdb redis.UniversalClient, cluster string) Stores {
	s := &redisStore{rdb: rdb, prefix: "swarmbot:{" + cluster + "}:"}
	return Stores{Approvals: redisApprovals{s}, Operations: redisOperations{s}, Audit: redisAudit{s},
		Deliveries: redisDeliveries{s}, Shared: true}
}

type redisStore struct {
	rdb    redis.UniversalClient
	prefix string
}

func (s *redisStore) approvalKey(id string) string { return s.prefix + "approval:" + id }
func (s *redisStore) opKey(id string) string       { return s.prefix + "op:" + id }
func (s *redisStore) leaseKey(id string) string    { return s.prefix + "op:" + id + ":lease" }
func (s *redisStore) inFlightKey() string          { return s.prefix + "ops" }
func (s *redisStore) auditKey() string             { return s.prefix + "audit" }

// An approval request is a hash: "rec" holds the request as JSON as it was
// created (and its place and operation), the other fields its decision, which
// the decide script changes atomically.
type redisApprovals struct{ s *redisStore }

func (r redisApprovals) Create(ctx context.Context, a Approval) error {
	a.Status = StatusPending
	rec, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("storing approval request %s: %w", a.ID, err)
	}
	ok, err := createApprovalScript.Run(ctx, r.s.rdb, []string{r.s.approvalKey(a.ID)},
		rec, a.Expires.UnixMilli(), a.Expires.Add(approvalRetention).UnixMilli()).Bool()
	if err != nil {
		return fmt.Errorf("storing approval request %s: %w", a.ID, err)
	}
	if !ok {
		return fmt.Errorf("storing approval request %s: %w", a.ID, ErrExists)
	}
	return nil
}

var createApprovalScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'rec', ARGV[1], 'status', 'pending', 'expires', ARGV[2])
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
return 1
`)

func (r redisApprovals) Get(ctx context.Context, id string) (Approval, error) {
	h, err := r.s.rdb.HGetAll(ctx, r.s.approvalKey(id)).Result()
	if err != nil {
		return Approval{}, fmt.Errorf("reading approval request %s: %w", id, err)
	}
	a, err := approvalFromHash(id, h)
	if err != nil {
		return Approval{}, fmt.Errorf("reading approval request %s: %w", id, err)
	}
	return a, nil
}

func approvalFromHash(id string, h map[string]string) (Approval, error) {
	if len(h) == 0 {
		return Approval{}, ErrNotFound
	}
	var a Approval
	if err := json.Unmarshal([]byte(h["rec"]), &a); err != nil {
		return Approval{}, fmt.Errorf("decoding: %w", err)
	}
	a.ID = id
	a.Status = ApprovalStatus(h["status"])
	a.DecidedBy = Person{ID: h["by_id"], Name: h["by_name"]}
	a.Reason = h["reason"]
	if ms, err := strconv.ParseInt(h["at"], 10, 64); err == nil {
		a.DecidedAt = time.UnixMilli(ms).UTC()
	}
	return a, nil
}

func (r redisApprovals) SetPlace(ctx context.Context, id string, at Place) error {
	return r.update(ctx, id, func(a *Approval) { a.Place = at })
}

func (r redisApprovals) SetOperation(ctx context.Context, id, opID string) error {
	return r.update(ctx, id, func(a *Approval) { a.OperationID = opID })
}

// update changes the request's record (never its decision) with WATCH, so two
// updates from two replicas don't lose one another.
func (r redisApprovals) update(ctx context.Context, id string, f func(*Approval)) error {
	key := r.s.approvalKey(id)
	change := func(tx *redis.Tx) error {
		rec, err := tx.HGet(ctx, key, "rec").Result()
		if errors.Is(err, redis.Nil) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		var a Approval
		if err := json.Unmarshal([]byte(rec), &a); err != nil {
			return fmt.Errorf("decoding: %w", err)
		}
		f(&a)
		b, err := json.Marshal(a)
		if err != nil {
			return err
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HSet(ctx, key, "rec", b)
			return nil
		})
		return err
	}
	var err error
	for range 5 { // another replica changed it between WATCH and EXEC: read again
		if err = r.s.rdb.Watch(ctx, change, key); !errors.Is(err, redis.TxFailedErr) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("updating approval request %s: %w", id, err)
	}
	return nil
}

// decideScript moves a pending request to its decision, or to expired when
// the decision came at or after its expiry. It answers the outcome followed
// by the request's hash.
var decideScript = redis.NewScript(`
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return {'missing'} end
local outcome = 'ok'
if redis.call('HGET', key, 'status') ~= 'pending' then
  outcome = 'decided'
else
  local status = ARGV[1]
  if status ~= 'stale' and tonumber(ARGV[4]) >= tonumber(redis.call('HGET', key, 'expires')) then
    status = 'expired'
    outcome = 'expired'
  end
  redis.call('HSET', key, 'status', status, 'by_id', ARGV[2], 'by_name', ARGV[3], 'at', ARGV[4], 'reason', ARGV[5])
end
local out = {outcome}
for _, v in ipairs(redis.call('HGETALL', key)) do table.insert(out, v) end
return out
`)

func (r redisApprovals) Decide(ctx context.Context, id string, d Decision) (Approval, error) {
	res, err := decideScript.Run(ctx, r.s.rdb, []string{r.s.approvalKey(id)},
		string(d.Status), d.By.ID, d.By.Name, d.At.UnixMilli(), d.Reason).StringSlice()
	if err != nil {
		return Approval{}, fmt.Errorf("deciding approval request %s: %w", id, err)
	}
	if res[0] == "missing" {
		return Approval{}, fmt.Errorf("deciding approval request %s: %w", id, ErrNotFound)
	}
	h := map[string]string{}
	for i := 1; i+1 < len(res); i += 2 {
		h[res[i]] = res[i+1]
	}
	a, err := approvalFromHash(id, h)
	if err != nil {
		return Approval{}, fmt.Errorf("deciding approval request %s: %w", id, err)
	}
	switch res[0] {
	case "decided":
		return a, fmt.Errorf("deciding approval request %s: %w", id, ErrDecided)
	case "expired":
		return a, fmt.Errorf("deciding approval request %s: %w", id, ErrExpired)
	}
	return a, nil
}

// Operations are JSON strings; the in-flight ones are also in a set, and each
// has a lease key holding its follower's name with a TTL.
type redisOperations struct{ s *redisStore }

func (r redisOperations) Put(ctx context.Context, op Operation) error {
	b, err := json.Marshal(op)
	if err != nil {
		return fmt.Errorf("storing operation %s: %w", op.ID, err)
	}
	_, err = r.s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		if op.State == OpFinished {
			p.Set(ctx, r.s.opKey(op.ID), b, operationRetention)
			p.SRem(ctx, r.s.inFlightKey(), op.ID)
		} else {
			p.Set(ctx, r.s.opKey(op.ID), b, 0)
			p.SAdd(ctx, r.s.inFlightKey(), op.ID)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("storing operation %s: %w", op.ID, err)
	}
	return nil
}

func (r redisOperations) Get(ctx context.Context, id string) (Operation, error) {
	b, err := r.s.rdb.Get(ctx, r.s.opKey(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return Operation{}, fmt.Errorf("reading operation %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Operation{}, fmt.Errorf("reading operation %s: %w", id, err)
	}
	var op Operation
	if err := json.Unmarshal(b, &op); err != nil {
		return Operation{}, fmt.Errorf("reading operation %s: decoding: %w", id, err)
	}
	return op, nil
}

func (r redisOperations) InFlight(ctx context.Context) ([]Operation, error) {
	ids, err := r.s.rdb.SMembers(ctx, r.s.inFlightKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("listing operations in flight: %w", err)
	}
	var out []Operation
	for _, id := range ids {
		op, err := r.Get(ctx, id)
		if errors.Is(err, ErrNotFound) {
			r.s.rdb.SRem(ctx, r.s.inFlightKey(), id) // its record is gone: nothing to resume
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("listing operations in flight: %w", err)
		}
		if op.State != OpFinished {
			out = append(out, op)
		}
	}
	sortOperations(out)
	return out, nil
}

// claimScript takes a free lease, or renews the owner's own.
var claimScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur and cur ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`)

func (r redisOperations) Claim(ctx context.Context, id, owner string, ttl time.Duration) (bool, error) {
	ok, err := claimScript.Run(ctx, r.s.rdb, []string{r.s.leaseKey(id)}, owner, ttl.Milliseconds()).Bool()
	if err != nil {
		return false, fmt.Errorf("claiming operation %s: %w", id, err)
	}
	return ok, nil
}

var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

func (r redisOperations) Release(ctx context.Context, id, owner string) error {
	if err := releaseScript.Run(ctx, r.s.rdb, []string{r.s.leaseKey(id)}, owner).Err(); err != nil {
		return fmt.Errorf("releasing operation %s: %w", id, err)
	}
	return nil
}

// The audit trail is a stream capped near auditMaxLen entries; each entry's
// JSON is in field "e".
type redisAudit struct{ s *redisStore }

func (r redisAudit) Append(ctx context.Context, e AuditEntry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("appending to the audit trail: %w", err)
	}
	err = r.s.rdb.XAdd(ctx, &redis.XAddArgs{
		Stream: r.s.auditKey(), MaxLen: auditMaxLen, Approx: true, Values: []any{"e", b},
	}).Err()
	if err != nil {
		return fmt.Errorf("appending to the audit trail: %w", err)
	}
	return nil
}

func (r redisAudit) Recent(ctx context.Context, target string, n int) ([]AuditEntry, error) {
	var out []AuditEntry
	end := "+"
	const page = 200
	for read := 0; len(out) < n && read < auditMaxLen+page; {
		msgs, err := r.s.rdb.XRevRangeN(ctx, r.s.auditKey(), end, "-", page).Result()
		if err != nil {
			return nil, fmt.Errorf("reading the audit trail: %w", err)
		}
		for _, m := range msgs {
			var e AuditEntry
			s, _ := m.Values["e"].(string)
			if err := json.Unmarshal([]byte(s), &e); err != nil {
				continue // an entry this version cannot read is skipped, not fatal
			}
			if target == "" || e.Target == target {
				out = append(out, e)
				if len(out) == n {
					break
				}
			}
		}
		read += len(msgs)
		if len(msgs) < page {
			break
		}
		end = "(" + msgs[len(msgs)-1].ID // exclusive: the page after the last one read
	}
	return out, nil
}
