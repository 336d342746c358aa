package commands

import (
	"reflect"
	"testing"
	"time"
)

func u64(n uint64) *uint64               { return &n }
func dur(d time.Duration) *time.Duration { return &d }
func f32(f float32) *float32             { return &f }
func strs(s ...string) *[]string {
	if s == nil {
		s = []string{} // --args "" clears the command: an empty list, not a missing one
	}
	return &s
}

type parseCase struct {
	in   string
	want Command
	opts []Option
}

var parseCases = []parseCase{
	// reads
	{in: "ls", want: Ls{}},
	{in: "service ls", want: Ls{}},
	{in: "docker service ls", want: Ls{}},
	{in: "list", want: Ls{}},
	{in: "ps ping", want: Ps{Service: "ping"}},
	{in: "service ps ping", want: Ps{Service: "ping"}},
	{in: "ps ping --all --no-trunc", want: Ps{Service: "ping", All: true, NoTrunc: true}},
	{in: "ps --filter desired-state=running ping", want: Ps{Service: "ping", DesiredState: "running"}},
	{in: "ps ping -f desired-state=Shutdown", want: Ps{Service: "ping", DesiredState: "shutdown"}},
	{in: "inspect ping", want: Inspect{Service: "ping"}},
	{in: "service inspect --pretty ping", want: Inspect{Service: "ping"}},
	{in: "logs ping", want: Logs{Service: "ping"}},
	{in: "service logs ping --tail 20 --since 10m", want: Logs{Service: "ping", Tail: 20, Since: 10 * time.Minute}},
	{in: "logs -n 5 ping", want: Logs{Service: "ping", Tail: 5}},
	{in: "nodes", want: Nodes{}},
	{in: "node ls", want: Nodes{}},
	{in: "info", want: Info{}},
	{in: "locks", want: Locks{}},
	{in: "audit", want: Audit{}},
	{in: "audit ping", want: Audit{Service: "ping"}},
	{in: "", want: Help{}},
	{in: "   ", want: Help{}},
	{in: "help", want: Help{}},
	{in: "--help", want: Help{}},
	{in: "help scale", want: Help{Topic: "scale"}},
	{in: "help service scale", want: Help{Topic: "scale"}},
	{in: "help service rm", want: Help{Topic: "rm"}},
	{in: "help list", want: Help{Topic: "ls"}},
	{in: "help node", want: Help{Topic: "node"}},
	{in: "help node update", want: Help{Topic: "node"}},
	{in: "help swarm update", want: Help{Topic: "swarm"}},
	{in: "scale --help", want: Help{Topic: "scale"}},
	{in: "create -h", want: Help{Topic: "create"}},
	{in: "service", want: Help{Topic: "service"}},
	{in: "node update --help", want: Help{Topic: "node"}},

	// the seed's story, as typed at a terminal
	{in: "service create alpine ping docker.com", want: Create{Image: "alpine", Args: []string{"ping", "docker.com"}}},
	{in: "service rm goofy_ptolemy", want: Rm{Service: "goofy_ptolemy"}},
	{in: "service create --name ping alpine ping docker.com", want: Create{Name: "ping", Image: "alpine", Args: []string{"ping", "docker.com"}}},
	{in: "service scale ping=2", want: Scale{Targets: []ScaleTarget{{"ping", 2}}}},
	{in: "service scale ping=100", want: Scale{Targets: []ScaleTarget{{"ping", 100}}}},
	{in: "service create --name ping --replicas 4 --update-delay 10s alpine ping docker.com",
		want: Create{Name: "ping", Image: "alpine", Args: []string{"ping", "docker.com"}, Replicas: u64(4), Update: UpdateConfig{Delay: dur(10 * time.Second)}}},
	{in: "service update --image alpine:3.7 ping", want: Update{Service: "ping", Image: "alpine:3.7"}},
	{in: "service rollback ping", want: Rollback{Service: "ping"}},
	{in: "swarm update --task-history-limit 3", want: HistoryLimit{Limit: 3}},
	{in: "node update --availability drain dev02", want: Drain{Node: "dev02"}},
	{in: "node update --availability active dev02", want: Activate{Node: "dev02"}},

	// the bot's short forms
	{in: "scale ping 4", want: Scale{Targets: []ScaleTarget{{"ping", 4}}}},
	{in: "scale ping=0", want: Scale{Targets: []ScaleTarget{{"ping", 0}}}},
	{in: "scale ping=2 web 3", want: Scale{Targets: []ScaleTarget{{"ping", 2}, {"web", 3}}}},
	{in: "scale ping=1000", want: Scale{Targets: []ScaleTarget{{"ping", 1000}}}},
	{in: "scale ping=5000", want: Scale{Targets: []ScaleTarget{{"ping", 5000}}}, opts: []Option{MaxReplicas(5000)}},
	{in: "scale -d ping=3", want: Scale{Targets: []ScaleTarget{{"ping", 3}}}},
	{in: "update ping alpine:3.7", want: Update{Service: "ping", Image: "alpine:3.7"}},
	{in: "update ping registry.example.com:5000/team/app:1.2", want: Update{Service: "ping", Image: "registry.example.com:5000/team/app:1.2"}},
	{in: "update ping alpine@sha256:" + sha, want: Update{Service: "ping", Image: "alpine@sha256:" + sha}},
	{in: "update --force ping", want: Update{Service: "ping", Force: true}},
	{in: "update ping --image alpine:3.7 --force", want: Update{Service: "ping", Image: "alpine:3.7", Force: true}},
	{in: "update --replicas 3 --env-add A=1 --env-add B= --env-rm C ping", want: Update{Service: "ping", Replicas: u64(3), EnvAdd: []string{"A=1", "B="}, EnvRm: []string{"C"}}},
	{in: `update --args "ping -c 3 docker.com" ping`, want: Update{Service: "ping", Args: strs("ping", "-c", "3", "docker.com")}},
	{in: `update --args "" ping`, want: Update{Service: "ping", Args: strs()}},
	{in: `update --args "sh -c 'echo \"hi there\"'" ping`, want: Update{Service: "ping", Args: strs("sh", "-c", `echo "hi there"`)}},
	{in: "update --update-parallelism 2 --update-delay 10s --update-failure-action rollback --update-monitor 1m --update-max-failure-ratio 0.25 --update-order start-first ping",
		want: Update{Service: "ping", Update: UpdateConfig{Parallelism: u64(2), Delay: dur(10 * time.Second), FailureAction: "rollback", Monitor: dur(time.Minute), MaxFailureRatio: f32(0.25), Order: "start-first"}}},
	{in: "update --rollback-parallelism 0 --rollback-delay 0 --rollback-failure-action continue --rollback-monitor 500ms --rollback-max-failure-ratio 1 --rollback-order stop-first ping",
		want: Update{Service: "ping", Rollback: UpdateConfig{Parallelism: u64(0), Delay: dur(0), FailureAction: "continue", Monitor: dur(500 * time.Millisecond), MaxFailureRatio: f32(1), Order: "stop-first"}}},
	{in: "update --rollback ping", want: Rollback{Service: "ping"}},
	{in: "service update --rollback --detach ping", want: Rollback{Service: "ping"}},
	{in: "rollback ping", want: Rollback{Service: "ping"}},
	{in: "rm ping", want: Rm{Service: "ping"}},
	{in: "remove ping", want: Rm{Service: "ping"}},
	{in: "service remove ping", want: Rm{Service: "ping"}},
	{in: "drain dev02", want: Drain{Node: "dev02"}},
	{in: "activate dev02", want: Activate{Node: "dev02"}},
	{in: "pause dev02", want: Pause{Node: "dev02"}},
	{in: "node update --availability=pause ip-10-0-0-1.ec2.internal", want: Pause{Node: "ip-10-0-0-1.ec2.internal"}},
	{in: "history-limit 3", want: HistoryLimit{Limit: 3}},
	{in: "history-limit 0", want: HistoryLimit{Limit: 0}},
	{in: "lock ping", want: Lock{Service: "ping"}},
	{in: `lock ping --reason "incident 123" --for 2h`, want: Lock{Service: "ping", Reason: "incident 123", For: 2 * time.Hour}},
	{in: `lock --for=90m --reason='deploy freeze' ping`, want: Lock{Service: "ping", Reason: "deploy freeze", For: 90 * time.Minute}},
	{in: "unlock ping", want: Unlock{Service: "ping"}},
	{in: "unlock ping --force", want: Unlock{Service: "ping", Force: true}},
	{in: "approve 7f3k2", want: Approve{ID: "7f3k2"}},
	{in: "deny 7f3k2", want: Deny{ID: "7f3k2"}},
	{in: `deny 7f3k2 --reason "not during the release"`, want: Deny{ID: "7f3k2", Reason: "not during the release"}},

	// create's flags
	{in: "create --mode global alpine", want: Create{Image: "alpine", Mode: "global"}},
	{in: "create --mode Replicated --replicas 0 alpine", want: Create{Image: "alpine", Mode: "replicated", Replicas: u64(0)}},
	{in: "create -e A=1 --env B=two=2 -eC=3 --init --stop-grace-period 30s alpine", want: Create{Image: "alpine", Env: []string{"A=1", "B=two=2", "C=3"}, Init: true, StopGracePeriod: dur(30 * time.Second)}},
	{in: "create --init=false alpine", want: Create{Image: "alpine"}},
	{in: "create --name web nginx:1.25 nginx -g 'daemon off;'", want: Create{Name: "web", Image: "nginx:1.25", Args: []string{"nginx", "-g", "daemon off;"}}},
	{in: "create --name ping -- alpine ping --name x", want: Create{Name: "ping", Image: "alpine", Args: []string{"ping", "--name", "x"}}},
	{in: "create alpine -- x", want: Create{Image: "alpine", Args: []string{"--", "x"}}},
	{in: "create --update-failure-action pause --rollback-failure-action pause alpine", want: Create{Image: "alpine", Update: UpdateConfig{FailureAction: "pause"}, Rollback: UpdateConfig{FailureAction: "pause"}}},

	// what phones, Slack and people do to text
	{in: "Scale ping 4", want: Scale{Targets: []ScaleTarget{{"ping", 4}}}},
	{in: "update —force ping", want: Update{Service: "ping", Force: true}},
	{in: "service update —image alpine:3.7 ping", want: Update{Service: "ping", Image: "alpine:3.7"}},
	{in: "/swarm scale ping 4", want: Scale{Targets: []ScaleTarget{{"ping", 4}}}},
	{in: "$ docker service scale ping=4", want: Scale{Targets: []ScaleTarget{{"ping", 4}}}},
	{in: "`docker service ls`", want: Ls{}},
	{in: " ```docker node ls``` ", want: Nodes{}},
	{in: "lock ping --reason `x`", want: Lock{Service: "ping", Reason: "`x`"}},
	{in: "scale\u00a0ping\u00a04", want: Scale{Targets: []ScaleTarget{{"ping", 4}}}},
	{in: "scale pi\u200bng=4", want: Scale{Targets: []ScaleTarget{{"ping", 4}}}},
	{in: "\ufeffscale ping=4", want: Scale{Targets: []ScaleTarget{{"ping", 4}}}},
	{in: "lock ping --reason “incident 123”", want: Lock{Service: "ping", Reason: "incident 123"}},
	{in: "lock ping --reason ‘incident 123’", want: Lock{Service: "ping", Reason: "incident 123"}},
	{in: "lock ping --reason „incident 123“", want: Lock{Service: "ping", Reason: "incident 123"}},
	{in: "lock ping --reason=“don’t touch”", want: Lock{Service: "ping", Reason: "don’t touch"}},
	{in: "lock ping --reason ‘don’t touch’", want: Lock{Service: "ping", Reason: "don’t touch"}},
	{in: "lock ping --reason don’t", want: Lock{Service: "ping", Reason: "don’t"}},
	{in: "lock ping --reason don't", want: Lock{Service: "ping", Reason: "don't"}},
	{in: "lock ping --reason \"line one\nline two\"", want: Lock{Service: "ping", Reason: "line one line two"}},
	{in: "lock ping --reason 'a \"quoted\" word'", want: Lock{Service: "ping", Reason: `a "quoted" word`}},
	{in: `lock ping --reason "back\\slash and \"quote\""`, want: Lock{Service: "ping", Reason: `back\slash and "quote"`}},
	{in: "lock ping --reason 점검 --for 1h30m", want: Lock{Service: "ping", Reason: "점검", For: 90 * time.Minute}},
	{in: "lock ping --reason \"deploy 🚀👨‍👩‍👧\"", want: Lock{Service: "ping", Reason: "deploy 🚀👨‍👩‍👧"}},
	{in: "ps ping --filter “desired-state=running”", want: Ps{Service: "ping", DesiredState: "running"}},
	{in: "update ping alpine:3.7 --update-delay=“10s”", want: Update{Service: "ping", Image: "alpine:3.7", Update: UpdateConfig{Delay: dur(10 * time.Second)}}},
	{in: "create alpine echo <hi> &amp;", want: Create{Image: "alpine", Args: []string{"echo", "<hi>", "&amp;"}}}, // not from Slack: taken as typed
}

const sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestParse(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := Parse(tc.in, tc.opts...)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.in, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Parse(%q)\n got %#v\nwant %#v", tc.in, got, tc.want)
			}
			again, err := Parse(got.String(), tc.opts...)
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Fatalf("canonical %q parses to %#v, %v", got.String(), again, err)
			}
		})
	}
}
