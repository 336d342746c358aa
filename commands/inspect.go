package commands

// Inspect shows a service's settings, like docker service inspect --pretty.
type Inspect struct {
	Service string
}

var inspectSpec = &spec{
	verb:     VerbInspect,
	kind:     Read,
	section:  sectionLook,
	synopsis: []string{"inspect SERVICE"},
	summary:  "a service's settings",
	about:    "Shows a service's settings as docker service inspect --pretty does: mode and replicas, image, arguments, update and rollback policy.",
	flags:    []flagDef{{name: "pretty", hidden: true}},
	docker:   []string{"service inspect --pretty SERVICE"},
	examples: []string{"inspect ping"},
	parse:    parseInspect,
}

func parseInspect(_ options, s *spec, args []string) (Command, error) {
	svc, err := onlyService(s, args)
	if err != nil {
		return nil, err
	}
	return Inspect{Service: svc}, nil
}

func (Inspect) Verb() Verb         { return VerbInspect }
func (Inspect) Kind() Kind         { return Read }
func (c Inspect) Subject() Subject { return services(c.Service) }
func (c Inspect) String() string   { return newLine(VerbInspect).word(c.Service).String() }
