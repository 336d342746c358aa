package lock_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/swarmbot/swarmbot/lock"
)

// An operation takes the service's lock, moves its fence past the one the
// service label shows, stamps each change with it, and stops when the lease
// is lost. A second person is refused and told who holds the service.
func Example() {
	ctx := context.Background()
	locker, _ := lock.NewMemory(lock.Options{Cluster: "prod"}) // lock.NewRedis with Redis

	lease, err := locker.Acquire(ctx, lock.Request{
		Resource: lock.Service("ping"),
		UserID:   "U0ALICE", UserName: "Alice",
		Operation: "update ping → alpine:3.7",
		Channel:   "C0OPS", ThreadTS: "1714557600.000100",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer lease.Release(ctx)

	// The service label says 41: a restarted store forgot that fence.
	fence, err := lease.Advance(ctx, 41)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("stamp swarmbot.fence =", fence)

	_, err = locker.Acquire(ctx, lock.Request{Resource: lock.Service("ping"), UserID: "U0BOB", Operation: "scale ping 3"})
	var held *lock.HeldError
	if errors.As(err, &held) {
		fmt.Printf("refused: held by %s for %s\n", held.Holder.UserName, held.Holder.Operation)
	}

	select {
	case <-lease.Lost():
		fmt.Println("stop:", lease.Err()) // warn the thread; make no more changes
	case <-time.After(10 * time.Millisecond): // the change converged
		fmt.Println("done")
	}
	// Output:
	// stamp swarmbot.fence = 42
	// refused: held by Alice for update ping → alpine:3.7
	// done
}
