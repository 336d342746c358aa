package commands

// Ls lists the services, like docker service ls.
type Ls struct{}

var lsSpec = &spec{
	verb:     VerbLs,
	kind:     Read,
	section:  sectionLook,
	aliases:  []string{"list"},
	synopsis: []string{"ls"},
	summary:  "list services",
	about:    "Lists every service with its ID, name, mode, replicas (running/wanted) and image.",
	docker:   []string{"service ls"},
	examples: []string{"ls"},
	parse:    parseBare(Ls{}),
}

func (Ls) Verb() Verb       { return VerbLs }
func (Ls) Kind() Kind       { return Read }
func (Ls) Subject() Subject { return Subject{} }
func (Ls) String() string   { return string(VerbLs) }

// parseBare parses a verb that takes no arguments and no flags.
func parseBare(cmd Command) func(options, *spec, []string) (Command, error) {
	return func(_ options, s *spec, args []string) (Command, error) {
		fa, err := parseFlags(s.flags, args, false)
		if err != nil {
			return nil, err
		}
		if err := noArgs(fa, s.verb); err != nil {
			return nil, err
		}
		return cmd, nil
	}
}
