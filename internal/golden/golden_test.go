package golden

import (
	"fmt"
	"strings"
	"testing"
)

func TestDiffShowsTheLinesThatDiffer(t *testing.T) {
	d := Diff("a\nb\nc\n", "a\nB\nc\nd\n")
	for _, want := range []string{`line 2:`, `want "b"`, `got  "B"`, `line 4:`, `got  "d"`} {
		if !strings.Contains(d, want) {
			t.Errorf("diff lacks %q:\n%s", want, d)
		}
	}
	if strings.Contains(d, "line 1:") || strings.Contains(d, "line 3:") {
		t.Errorf("diff shows equal lines:\n%s", d)
	}
}

func TestCheckAgainstAFile(t *testing.T) {
	// check, not Check: under -update, Check would rewrite the sample.
	check(t, "sample", "pinned by a golden file\n", false) // testdata/sample.golden
	ft := &fakeT{TB: t}
	check(ft, "sample.golden", "something else\n", false)
	if !ft.failed || !strings.Contains(ft.msg, "testdata/sample.golden differs") || !strings.Contains(ft.msg, `got  "something else"`) {
		t.Errorf("a differing text did not fail clearly: failed=%v %q", ft.failed, ft.msg)
	}
}

type fakeT struct {
	testing.TB
	failed bool
	msg    string
}

func (f *fakeT) Helper() {}
func (f *fakeT) Errorf(format string, args ...any) {
	f.failed = true
	f.msg = fmt.Sprintf(format, args...)
}
