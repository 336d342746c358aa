package commands

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeTableIsCurrent keeps README's commands table equal to the parser's.
func TestReadmeTableIsCurrent(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	const start, end = "<!-- commands-table -->\n", "<!-- /commands-table -->"
	i, j := strings.Index(readme, start), strings.Index(readme, end)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the %q … %q markers", start, end)
	}
	if got, want := readme[i+len(start):j], MarkdownTable(); got != want {
		t.Errorf("README's commands table is out of date; replace it with:\n%s", want)
	}
}
