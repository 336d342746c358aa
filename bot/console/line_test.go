package console

import (
	"strings"
	"testing"
)

func TestReadLine(t *testing.T) {
	tests := []struct {
		in   string
		want line
	}{
		{"", line{}},
		{"   ", line{}},
		{"# a comment", line{}},
		{"   # an indented comment", line{}},
		{"ls", line{text: "ls"}},
		{"  /swarm ps ping  ", line{text: "/swarm ps ping"}},
		{"scale ping 4   # 8. scale up a little", line{text: "scale ping 4"}},
		{"scale ping 4#not a comment", line{text: "scale ping 4#not a comment"}},
		{`lock ping --reason "incident #42"`, line{text: `lock ping --reason "incident #42"`}},
		{`lock ping --reason 'incident #42' # why`, line{text: `lock ping --reason 'incident #42'`}},
		{`lock ping --reason “incident #42” # why`, line{text: `lock ping --reason “incident #42”`}},
		{"deny x --reason don't # it is late", line{text: "deny x --reason don't"}},
		{":user bob", line{text: ":user bob", directive: true, name: "user", arg: "bob"}},
		{"  :USER\tbob  # the approver", line{text: ":USER\tbob", directive: true, name: "user", arg: "bob"}},
		{":user", line{text: ":user", directive: true, name: "user"}},
		{":", line{text: ":", directive: true}},
		{":quit now", line{text: ":quit now", directive: true, name: "quit", arg: "now"}},
	}
	for _, tc := range tests {
		if got := readLine(tc.in); got != tc.want {
			t.Errorf("readLine(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestObey(t *testing.T) {
	tests := []struct {
		in       string
		want     string // the user after it
		errWords string // in the error, "" for none
	}{
		{":user bob", "bob", ""},
		{":user U024BE7LH", "U024BE7LH", ""},
		{":user", "alice", "needs a name"},
		{":user bob smith", "alice", "no spaces"},
		{":quit", "alice", ":quit is not a console command: the console knows :user NAME"},
		{":", "alice", `":" is not a console command`},
	}
	for _, tc := range tests {
		got, err := obey(readLine(tc.in), "alice")
		if got != tc.want {
			t.Errorf("%s: user %q, want %q", tc.in, got, tc.want)
		}
		switch {
		case tc.errWords == "" && err != nil:
			t.Errorf("%s: %v", tc.in, err)
		case tc.errWords != "" && (err == nil || !strings.Contains(err.Error(), tc.errWords)):
			t.Errorf("%s: error %v, want one saying %q", tc.in, err, tc.errWords)
		}
	}
}

func TestCheckUser(t *testing.T) {
	for _, name := range []string{"alice", "U024BE7LH", "bob@example.com", "renée"} {
		if err := checkUser(name); err != nil {
			t.Errorf("checkUser(%q) = %v", name, err)
		}
	}
	for _, name := range []string{"", "bob smith", "bob\x1b[31m", strings.Repeat("a", 65)} {
		if err := checkUser(name); err == nil {
			t.Errorf("checkUser(%q) accepted it", name)
		}
	}
}

func TestClean(t *testing.T) {
	tests := []struct{ in, want string }{
		{"overall progress: 2 out of 4 tasks", "overall progress: 2 out of 4 tasks"},
		{"a\tb", "a\tb"},
		{"red \x1b[31mtext\x1b[0m", "red ^[[31mtext^[[0m"},
		{"bell\a and del\x7f", "bell^G and del^?"},
		{"c1 \u009b31m", "c1 \uFFFD31m"},
		{"dev01 → dev02 …", "dev01 → dev02 …"},
	}
	for _, tc := range tests {
		if got := clean(tc.in); got != tc.want {
			t.Errorf("clean(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
