package testenv

import (
	"fmt"
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
	t.Setenv("SWARMBOT_TEST_LOCKFILE", filepath.Join(t.TempDir(), "tests.lock"))
	exclusive(t, "") // once per process: a second run (-count) finds it taken
	if lockFile == nil {
		t.Fatal("the lock is taken, and no file holds it")
	}
	for range 5 { // finalizers run after a GC, in their own goroutine
		runtime.GC()
		time.Sleep(20 * time.Millisecond)
	}
	// Another open file of the same lock file: it must not get the lock.
	f, err := os.Open(fmt.Sprintf("/proc/self/fd/%d", lockFile.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err == nil {
		t.Error("another open file took the lock: a GC released it")
	}
}
