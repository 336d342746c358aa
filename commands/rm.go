package commands

// Rm removes a service and its tasks, like docker service rm.
type Rm struct {
	Service string
}

var rmSpec = &spec{
	verb:     VerbRm,
	kind:     Change,
	section:  sectionChange,
	aliases:  []string{"remove"},
	synopsis: []string{"rm SERVICE"},
	summary:  "remove a service",
	about:    "Removes a service; swarm stops its tasks. One service at a time, so a slip of the finger removes one thing at most.",
	docker:   []string{"service rm SERVICE"},
	examples: []string{"rm ping"},
	parse:    parseRm,
}

func parseRm(_ options, s *spec, args []string) (Command, error) {
	svc, err := onlyService(s, args)
	if err != nil {
		return nil, err
	}
	return Rm{Service: svc}, nil
}

func (Rm) Verb() Verb         { return VerbRm }
func (Rm) Kind() Kind         { return Change }
func (c Rm) Subject() Subject { return services(c.Service) }
func (c Rm) String() string   { return newLine(VerbRm).word(c.Service).String() }
