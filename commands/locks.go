package commands

// Locks lists the service locks: who holds each, why, and since when.
type Locks struct{}

var locksSpec = &spec{
	verb:     VerbLocks,
	kind:     Read,
	section:  sectionLook,
	synopsis: []string{"locks"},
	summary:  "who holds which lock, and why",
	about:    "Lists the services that are locked, by a change in progress or by /swarm lock, with the holder, the reason and when the lock was taken.",
	examples: []string{"locks"},
	parse:    parseBare(Locks{}),
}

func (Locks) Verb() Verb       { return VerbLocks }
func (Locks) Kind() Kind       { return Read }
func (Locks) Subject() Subject { return Subject{} }
func (Locks) String() string   { return string(VerbLocks) }
