package testenv

import (
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// The environment's lock is held for the life of the process, through any
// number of garbage collections.
func TestLockOutlivesGC(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tests.lock")
	t.Setenv("SWARMBOT_TEST_LOCKFILE", path)
	exclusive(t, "")
	for range 5 { // finalizers run after a GC, in their own goroutine
		runtime.GC()
		time.Sleep(20 * time.Millisecond)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err == nil {
		t.Error("another open file took the lock: a GC released it")
	}
}
