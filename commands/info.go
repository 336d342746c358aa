package commands

// Info shows the swarm's settings, like the Swarm part of docker info.
type Info struct{}

var infoSpec = &spec{
	verb:     VerbInfo,
	kind:     Read,
	section:  sectionLook,
	synopsis: []string{"info"},
	summary:  "swarm settings (task history limit)",
	about:    "Shows the swarm's settings: managers, nodes, and the task history retention limit (/swarm history-limit changes it).",
	examples: []string{"info"},
	parse:    parseBare(Info{}),
}

func (Info) Verb() Verb       { return VerbInfo }
func (Info) Kind() Kind       { return Read }
func (Info) Subject() Subject { return Subject{Kind: SubjectSwarm} }
func (Info) String() string   { return string(VerbInfo) }
