package lock

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Every script runs as one EVALSHA (EVAL once after Redis forgot it).
//
//go:embed scripts/*.lua
var scripts embed.FS

var (
	acquireScript     = script("acquire")
	renewScript       = script("renew")
	releaseScript     = script("release")
	advanceScript     = script("advance")
	inspectScript     = script("inspect")
	unlockScript      = script("unlock")
	forceUnlockScript = script("force_unlock")
	setInfoScript     = script("set_info")
)

// script loads one of the embedded Lua scripts; the names are fixed above,
// so a missing one is a build mistake that fails every test at start.
func script(name string) *redis.Script {
	src, err := scripts.ReadFile("scripts/" + name + ".lua")
	if err != nil {
		panic(err)
	}
	return redis.NewScript(string(src))
}

// Redis is the Locker for one swarm in a Redis shared by every swarmbot
// instance. Its keys live under swarmbot:<cluster>:.
type Redis struct {
	rdb    redis.UniversalClient
	opts   Options
	prefix string
}

var _ Locker = (*Redis)(nil)

// NewRedis returns a Locker over rdb, a client from NewRedisClient (or a
// cluster or sentinel client with timeouts as short). It does not own rdb.
func NewRedis(rdb redis.UniversalClient, opts Options) (*Redis, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("setting up locks: %w", err)
	}
	return &Redis{rdb: rdb, opts: opts, prefix: "swarmbot:" + opts.Cluster + ":"}, nil
}

// NewRedisClient returns a client for rawURL (redis://[:password@]host:port/db,
// rediss://…, unix:///path) whose calls end within a second or two when Redis
// is down or hangs: dial, read and write time out after a second, the context's
// deadline is honoured, and nothing is retried (a retried acquire or force-unlock
// could act twice). Timeouts given in the URL are replaced. Errors never show
// the password.
func NewRedisClient(rawURL string) (*redis.Client, error) {
	o, err := redis.ParseURL(rawURL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error repeats the URL, password included
		}
		return nil, fmt.Errorf("reading the Redis URL: %w", err)
	}
	o.DialTimeout = time.Second
	o.DialerRetries = 1
	o.ReadTimeout = time.Second
	o.WriteTimeout = time.Second
	o.PoolTimeout = time.Second
	o.ContextTimeoutEnabled = true
	o.MaxRetries = -1 // -1, not 0, turns retries off
	return redis.NewClient(o), nil
}

// keys returns the lock's key and its fence counter's key. The braces make
// Redis Cluster put both in the resource's one hash slot, as the scripts need.
func (r *Redis) keys(res Resource) (lock, fence string) {
	tag := "{" + string(res.Kind) + ":" + res.Name + "}"
	if res.Kind == KindSwarm {
		tag = "{swarm}"
	}
	return r.prefix + "lock:" + tag, r.prefix + "fence:" + tag
}

// record is the part of a holder stored as JSON in the lock's info field.
type record struct {
	Kind      Kind      `json:"kind"`
	Name      string    `json:"name,omitempty"`
	UserName  string    `json:"user_name,omitempty"`
	Operation string    `json:"operation,omitempty"`
	Channel   string    `json:"channel,omitempty"`
	ThreadTS  string    `json:"thread_ts,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	Since     time.Time `json:"since"`
	Instance  string    `json:"instance,omitempty"`
}

// recordOf is what is stored of a holder in the lock's info field.
func recordOf(h Holder) ([]byte, error) {
	return json.Marshal(record{
		Kind: h.Resource.Kind, Name: h.Resource.Name, UserName: h.UserName, Operation: h.Operation,
		Channel: h.Channel, ThreadTS: h.ThreadTS, Reason: h.Reason, Since: h.Since, Instance: h.Instance,
	})
}

// Acquire implements Locker.
func (r *Redis) Acquire(ctx context.Context, req Request) (*Lease, error) {
	doing := "acquiring the lock on " + req.Resource.String()
	if err := req.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", doing, err)
	}
	ttl := r.opts.TTL
	if req.For > 0 {
		ttl = req.For
	}
	h := holderFor(req, r.opts.Instance, time.Now(), ttl)
	info, err := recordOf(h)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", doing, err)
	}
	manual := "0"
	if h.Manual {
		manual = "1"
	}
	token := newToken()
	lockKey, fenceKey := r.keys(req.Resource)
	ctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	start := time.Now()
	vals, err := r.run(ctx, acquireScript, []string{lockKey, fenceKey},
		token, req.UserID, manual, info, ttl.Milliseconds(), req.SeenFence)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", doing, err)
	}
	if resultFlag(vals) != 1 {
		held, err := r.holder(req.Resource, vals[1:])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", doing, err)
		}
		return nil, &HeldError{Holder: held}
	}
	if h.Fence, err = integer(vals, 1); err != nil {
		return nil, fmt.Errorf("%s: %w", doing, err)
	}
	// The key expires ttl after Redis ran the script, which is after start.
	h.Until = start.Add(ttl)
	l := newLease(r, token, h, ttl, r.opts.Timeout)
	if !h.Manual {
		l.startHeartbeat(ctx, h.Until)
	}
	return l, nil
}

// Inspect implements Locker.
func (r *Redis) Inspect(ctx context.Context, res Resource) (Holder, error) {
	doing := "reading the lock on " + res.String()
	if err := res.validate(); err != nil {
		return Holder{}, fmt.Errorf("%s: %w", doing, err)
	}
	lockKey, _ := r.keys(res)
	ctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	vals, err := r.run(ctx, inspectScript, []string{lockKey})
	if err != nil {
		return Holder{}, fmt.Errorf("%s: %w", doing, err)
	}
	if resultFlag(vals) == 0 {
		return Holder{}, fmt.Errorf("%s: %w", doing, ErrNotHeld)
	}
	h, err := r.holder(res, vals[1:])
	if err != nil {
		return Holder{}, fmt.Errorf("%s: %w", doing, err)
	}
	return h, nil
}

// List implements Locker. It scans the cluster's keys (every master's, on
// Redis Cluster) and reads each page's holders in one pipeline.
func (r *Redis) List(ctx context.Context) ([]Holder, error) {
	const doing = "listing locks"
	ctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	var (
		mu  sync.Mutex // Redis Cluster's masters are scanned concurrently
		out []Holder
	)
	scan := func(ctx context.Context, c redis.UniversalClient) error {
		var cursor uint64
		for {
			keys, next, err := c.Scan(ctx, cursor, r.prefix+"lock:*", 100).Result()
			if err != nil {
				return unavailable(err)
			}
			hs, err := r.readHolders(ctx, keys)
			if err != nil {
				return err
			}
			mu.Lock()
			out = append(out, hs...)
			mu.Unlock()
			if cursor = next; cursor == 0 {
				return nil
			}
		}
	}
	var err error
	if cc, ok := r.rdb.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return scan(ctx, c) })
	} else {
		err = scan(ctx, r.rdb)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", doing, err)
	}
	sortHolders(out)
	return out, nil
}

func (r *Redis) readHolders(ctx context.Context, keys []string) ([]Holder, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	type read struct {
		fields *redis.SliceCmd
		pttl   *redis.DurationCmd
	}
	reads := make([]read, len(keys))
	pipe := r.rdb.Pipeline()
	for i, k := range keys {
		reads[i] = read{pipe.HMGet(ctx, k, "fence", "user", "manual", "info"), pipe.PTTL(ctx, k)}
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, unavailable(err)
	}
	var out []Holder
	for _, rd := range reads {
		f := rd.fields.Val()
		if len(f) != 4 || f[0] == nil || rd.pttl.Val() < 0 {
			continue // ran out between SCAN and now
		}
		h, err := r.holder(Resource{}, append(f, rd.pttl.Val().Milliseconds()))
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

// Unlock implements Locker.
func (r *Redis) Unlock(ctx context.Context, res Resource, userID string) (Holder, error) {
	doing := "unlocking " + res.String()
	if err := res.validate(); err != nil {
		return Holder{}, fmt.Errorf("%s: %w", doing, err)
	}
	lockKey, _ := r.keys(res)
	ctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	vals, err := r.run(ctx, unlockScript, []string{lockKey}, userID)
	if err != nil {
		return Holder{}, fmt.Errorf("%s: %w", doing, err)
	}
	if resultFlag(vals) == 0 {
		return Holder{}, fmt.Errorf("%s: %w", doing, ErrNotHeld)
	}
	h, err := r.holder(res, vals[1:])
	if err != nil {
		return Holder{}, fmt.Errorf("%s: %w", doing, err)
	}
	if resultFlag(vals) != 1 {
		return Holder{}, &HeldError{Holder: h}
	}
	return h, nil
}

// ForceUnlock implements Locker.
func (r *Redis) ForceUnlock(ctx context.Context, res Resource) (Holder, error) {
	doing := "force-unlocking " + res.String()
	if err := res.validate(); err != nil {
		return Holder{}, fmt.Errorf("%s: %w", doing, err)
	}
	lockKey, fenceKey := r.keys(res)
	ctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	vals, err := r.run(ctx, forceUnlockScript, []string{lockKey, fenceKey})
	if err != nil {
		return Holder{}, fmt.Errorf("%s: %w", doing, err)
	}
	if resultFlag(vals) == 0 {
		return Holder{}, fmt.Errorf("%s: %w", doing, ErrNotHeld)
	}
	h, err := r.holder(res, vals[1:])
	if err != nil {
		return Holder{}, fmt.Errorf("%s: %w", doing, err)
	}
	return h, nil
}

// Ping implements Locker.
func (r *Redis) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	if err := r.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("pinging the lock store: %w", unavailable(err))
	}
	return nil
}

func (r *Redis) renew(ctx context.Context, res Resource, token string, ttl time.Duration) (bool, *Holder, error) {
	lockKey, _ := r.keys(res)
	vals, err := r.run(ctx, renewScript, []string{lockKey}, token, ttl.Milliseconds())
	if err != nil {
		return false, nil, err
	}
	if resultFlag(vals) == 1 {
		return true, nil, nil
	}
	if len(vals) == 1 {
		return false, nil, nil
	}
	h, err := r.holder(res, vals[1:])
	if err != nil {
		return false, nil, err
	}
	return false, &h, nil
}

func (r *Redis) release(ctx context.Context, res Resource, token string) (bool, error) {
	lockKey, _ := r.keys(res)
	n, err := releaseScript.Run(ctx, r.rdb, []string{lockKey}, token).Int()
	if err != nil {
		return false, unavailable(err)
	}
	return n == 1, nil
}

func (r *Redis) advance(ctx context.Context, res Resource, token string, seen int64) (int64, bool, error) {
	lockKey, fenceKey := r.keys(res)
	vals, err := r.run(ctx, advanceScript, []string{lockKey, fenceKey}, token, seen)
	if err != nil {
		return 0, false, err
	}
	if resultFlag(vals) != 1 {
		return 0, false, nil
	}
	fence, err := integer(vals, 1)
	return fence, err == nil, err
}

func (r *Redis) setHolder(ctx context.Context, res Resource, token string, h Holder) (bool, error) {
	info, err := recordOf(h)
	if err != nil {
		return false, err
	}
	lockKey, _ := r.keys(res)
	n, err := setInfoScript.Run(ctx, r.rdb, []string{lockKey}, token, info).Int()
	if err != nil {
		return false, unavailable(err)
	}
	return n == 1, nil
}

// run runs a script that returns an array whose first element is a flag.
func (r *Redis) run(ctx context.Context, s *redis.Script, keys []string, args ...any) ([]any, error) {
	vals, err := s.Run(ctx, r.rdb, keys, args...).Slice()
	if err != nil {
		return nil, unavailable(err)
	}
	if len(vals) == 0 {
		return nil, errors.New("the lock script returned nothing")
	}
	return vals, nil
}

func resultFlag(vals []any) int64 {
	n, _ := vals[0].(int64)
	return n
}

func integer(vals []any, i int) (int64, error) {
	if i >= len(vals) {
		return 0, fmt.Errorf("the lock script returned %d values, expected more than %d", len(vals), i)
	}
	switch v := vals[i].(type) {
	case int64:
		return v, nil
	case string:
		return strconv.ParseInt(v, 10, 64)
	}
	return 0, fmt.Errorf("the lock script returned %T where a number belongs", vals[i])
}

// holder decodes fence, user, manual, info and pttl as the scripts return
// them. res is used when set; List reads it from the record.
func (r *Redis) holder(res Resource, vals []any) (Holder, error) {
	if len(vals) != 5 {
		return Holder{}, fmt.Errorf("the lock store returned %d fields of a holder, expected 5", len(vals))
	}
	fence, err := integer(vals, 0)
	if err != nil {
		return Holder{}, fmt.Errorf("reading the holder's fence: %w", err)
	}
	pttl, err := integer(vals, 4)
	if err != nil {
		return Holder{}, fmt.Errorf("reading the holder's time to live: %w", err)
	}
	user, _ := vals[1].(string)
	manual, _ := vals[2].(string)
	info, _ := vals[3].(string)
	var rec record
	if err := json.Unmarshal([]byte(info), &rec); err != nil {
		return Holder{}, fmt.Errorf("reading the holder: %w", err)
	}
	if res.Kind == "" {
		res = Resource{Kind: rec.Kind, Name: rec.Name}
	}
	h := Holder{
		Resource: res, UserID: user, UserName: rec.UserName, Operation: rec.Operation,
		Channel: rec.Channel, ThreadTS: rec.ThreadTS, Reason: rec.Reason, Manual: manual == "1",
		Since: rec.Since, Fence: fence, Instance: rec.Instance,
	}
	if pttl >= 0 {
		h.Until = time.Now().Add(time.Duration(pttl) * time.Millisecond)
	}
	return h, nil
}

func sortHolders(hs []Holder) {
	slices.SortFunc(hs, func(a, b Holder) int {
		if a.Resource.Kind != b.Resource.Kind {
			return kindOrder(a.Resource.Kind) - kindOrder(b.Resource.Kind)
		}
		switch {
		case a.Resource.Name < b.Resource.Name:
			return -1
		case a.Resource.Name > b.Resource.Name:
			return 1
		}
		return 0
	})
}

func kindOrder(k Kind) int {
	switch k {
	case KindSwarm:
		return 0
	case KindNode:
		return 1
	}
	return 2
}
