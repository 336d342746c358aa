package commands

// Nodes lists the swarm's nodes, like docker node ls.
type Nodes struct{}

var nodesSpec = &spec{
	verb:     VerbNodes,
	kind:     Read,
	section:  sectionLook,
	synopsis: []string{"nodes"},
	summary:  "list nodes",
	about:    "Lists every node with its host name, status (Ready, Down), availability (Active, Pause, Drain) and manager status.",
	docker:   []string{"node ls"},
	examples: []string{"nodes"},
	parse:    parseBare(Nodes{}),
}

func (Nodes) Verb() Verb       { return VerbNodes }
func (Nodes) Kind() Kind       { return Read }
func (Nodes) Subject() Subject { return Subject{} }
func (Nodes) String() string   { return string(VerbNodes) }
