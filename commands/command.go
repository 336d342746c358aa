// Package commands is the /swarm language: it turns the text typed after /swarm
// into a typed command, or into an error that says what was wrong and carries
// the command's usage; it renders help; and its Policy decides who may run what,
// where. It imports no Slack, Docker or Redis package: everything it does can be
// checked with a table of strings.
//
// The grammar is docker's, so what operators already type works:
//
//	/swarm scale ping=4                      /swarm service scale ping=4
//	/swarm update ping alpine:3.7            /swarm service update --image alpine:3.7 ping
//	/swarm drain dev02                       /swarm node update --availability drain dev02
//
// Every command has a canonical text (its String method) that parses back to an
// equal command; deploy stores it in the audit log and offers it as the retry text.
package commands

// Verb names a command. It is also the name Policy uses, e.g. in the list of
// verbs that need approval.
type Verb string

// The verbs, in the order help lists them.
const (
	VerbLs      Verb = "ls"
	VerbPs      Verb = "ps"
	VerbInspect Verb = "inspect"
	VerbLogs    Verb = "logs"
	VerbNodes   Verb = "nodes"
	VerbInfo    Verb = "info"
	VerbLocks   Verb = "locks"
	VerbAudit   Verb = "audit"
	VerbHelp    Verb = "help"

	VerbCreate       Verb = "create"
	VerbScale        Verb = "scale"
	VerbUpdate       Verb = "update"
	VerbRollback     Verb = "rollback"
	VerbRm           Verb = "rm"
	VerbDrain        Verb = "drain"
	VerbActivate     Verb = "activate"
	VerbPause        Verb = "pause"
	VerbHistoryLimit Verb = "history-limit"
	VerbLock         Verb = "lock"
	VerbUnlock       Verb = "unlock"
	VerbApprove      Verb = "approve"
	VerbDeny         Verb = "deny"
)

// Verbs lists every verb, reads first, in the order help shows them.
func Verbs() []Verb {
	out := make([]Verb, len(specs))
	for i, s := range specs {
		out[i] = s.verb
	}
	return out
}

// Kind says whether a command only reads or changes something.
type Kind int

const (
	// Read commands look at the swarm, the locks or the audit log and change nothing.
	Read Kind = iota + 1
	// Change commands change the swarm, a lock or an approval.
	Change
)

func (k Kind) String() string {
	switch k {
	case Read:
		return "read"
	case Change:
		return "change"
	}
	return "unknown"
}

// Kind says whether the verb reads or changes; an unknown verb changes, so a
// policy never waves it through as a read.
func (v Verb) Kind() Kind {
	if s := specFor(v); s != nil {
		return s.kind
	}
	return Change
}

// SubjectKind says what a command reads or changes.
type SubjectKind int

const (
	// SubjectNone: the command is about nothing in particular (ls, help, locks).
	SubjectNone SubjectKind = iota
	// SubjectServices: Names are service names (or IDs), in the order given.
	// A create without --name has a services subject with no names.
	SubjectServices
	// SubjectNode: Names holds one node name or ID.
	SubjectNode
	// SubjectSwarm: the swarm's own settings; Names is empty.
	SubjectSwarm
	// SubjectLock: Names holds the service whose lock the command takes or releases.
	SubjectLock
	// SubjectApproval: Names holds the approval request's ID.
	SubjectApproval
)

func (k SubjectKind) String() string {
	switch k {
	case SubjectNone:
		return "none"
	case SubjectServices:
		return "services"
	case SubjectNode:
		return "node"
	case SubjectSwarm:
		return "swarm"
	case SubjectLock:
		return "lock"
	case SubjectApproval:
		return "approval"
	}
	return "unknown"
}

// Subject is what a command reads or changes; deploy picks its lock from it.
type Subject struct {
	Kind  SubjectKind
	Names []string
}

// Command is one parsed /swarm command. The concrete types (Scale, Update, …)
// carry its arguments.
type Command interface {
	// Verb is the command's name in its canonical spelling.
	Verb() Verb
	// Kind says whether the command reads or changes.
	Kind() Kind
	// Subject is what the command reads or changes.
	Subject() Subject
	// String is the canonical text after /swarm; Parse turns it back into an
	// equal command.
	String() string
}

func services(names ...string) Subject { return Subject{Kind: SubjectServices, Names: names} }
