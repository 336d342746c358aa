// Package golden pins output that people read (tables, cards, help, errors,
// transcripts) in files under a package's testdata/ folder: a test compares
// what it rendered with the file, and `go test -update` rewrites the file.
package golden

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/ with what the tests render")

// Update reports whether the tests run with -update.
func Update() bool { return *update }

// Check compares got with testdata/name (".golden" is added when name has no
// such ending), or writes the file when the tests run with -update.
func Check(t testing.TB, name, got string) {
	t.Helper()
	check(t, name, got, *update)
}

func check(t testing.TB, name, got string, rewrite bool) {
	t.Helper()
	if !strings.HasSuffix(name, ".golden") {
		name += ".golden"
	}
	path := filepath.Join("testdata", name)
	if rewrite {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading %s (go test -update writes it): %v", path, err)
	}
	if got != string(want) {
		t.Errorf("%s differs from what was rendered (go test -update rewrites it)\n%s--- got\n%s", path, Diff(string(want), got), got)
	}
}

// Diff shows the first lines where want and got differ.
func Diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(w), len(g)) && shown < 20; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n  want %q\n  got  %q\n", i+1, wl, gl)
			shown++
		}
	}
	return b.String()
}
