package main

import (
	"testing"

	"github.com/swarmbot/swarmbot/internal/golden"
)

// TestNormalize checks the transcript's masks on a made-up piece of it:
// IDs numbered in order, times, ages and the scheduler's choices masked,
// slot events sorted, and what is said about other tests' services (agent,
// a global service here) left out, so that the story reads the same with
// them or without.
func TestNormalize(t *testing.T) {
	raw := `alice> ls
2 services
ID             NAME      MODE         REPLICAS   IMAGE           PORTS
n7vsim168tg0   ping      replicated   4/4        alpine:latest
q1w2e3r4t5y6   agent     global       2/2        alpine:latest

alice> drain dev02
approval request ewpaha38: drain dev02
asked by alice at 02:10:23 UTC
3 tasks of 2 services on dev02 will stop there:
  agent: its task (global: stops, not moved)
  ping: ping.2, ping.3, started again on another node in the same slots
warning: agent is a global service: its task on dev02 stops and runs nowhere else
to approve: /swarm approve ewpaha38

bob> approve ewpaha38
operation eub5hkgn: drain dev02, asked by alice, approved by bob
02:10:27  ping.3 running alpine:latest on dev01 (moved from dev02)
02:10:27  ping.2 running alpine:latest on dev01 (moved from dev02)
02:10:27  agent converged: 1 out of 1 tasks running
drain dev02: 1 of 2 services settled
agent
  overall progress: 1 out of 1 tasks
ping
  overall progress: 4 out of 4 tasks
  verify: Service ping converged
02:10:31  drain dev02 (active → drain): converged in 8s. @alice

alice> ps ping
ID             NAME         IMAGE           NODE      DESIRED STATE   CURRENT STATE             ERROR     PORTS
lppte9gfcm55   ping.1       alpine:3.7      dev02     Running         Running 9 seconds ago
g0fps9tsnz8w    \_ ping.1   alpine:latest   dev01     Shutdown        Shutdown about a minute ago

alice> scale ping 6
operation va56rc8w: scale ping → 6, asked by alice
02:09:37  ping.6 running alpine:latest on dev01
02:09:37  ping.5 running alpine:latest on dev02
rollback: rollback completed
alice locked it by hand 1m05s ago, until 02:10 UTC: incident #42
Its progress is in its thread: console eub5hkgn
`
	want := `alice> ls
N services
ID   NAME   MODE   REPLICAS   IMAGE   PORTS
############   ping   replicated   4/4   alpine:latest

alice> drain dev02
approval request RQ000001: drain dev02
asked by alice at hh:mm:ss UTC
TASKS on dev02 will stop there:
  ping: ping.N, ping.N, started again on another node in the same slots
to approve: /swarm approve RQ000001

bob> approve RQ000001
operation OP000001: drain dev02, asked by alice, approved by bob
hh:mm:ss  ping.N running alpine:latest on dev01 (moved from dev02)
hh:mm:ss  ping.N running alpine:latest on dev01 (moved from dev02)
drain dev02: N of M services settled
ping
  overall progress: 4 out of 4 tasks
  verify: Service ping converged
hh:mm:ss  drain dev02 (active → drain): converged in D. @alice

alice> ps ping
ID   NAME   IMAGE   NODE   DESIRED STATE   CURRENT STATE   ERROR   PORTS
############   ping.1   alpine:3.7   dev0N   Running   Running AGE ago
############   \_ ping.1   alpine:latest   dev0N   Shutdown   Shutdown AGE ago

alice> scale ping 6
operation OP000002: scale ping → 6, asked by alice
hh:mm:ss  ping.5 running alpine:latest on dev0N
hh:mm:ss  ping.6 running alpine:latest on dev0N
alice locked it by hand D ago, until hh:mm UTC: incident #42
Its progress is in its thread: console OP000001
`
	if got := normalize(raw, []string{"agent"}); got != want {
		t.Errorf("normalized:\n%s\nwant:\n%s\n%s", got, want, golden.Diff(want, got))
	}
}
