package commands

// Rollback puts a service back on its previous spec, like docker service
// rollback. Swarm keeps one previous spec, and swarmbot stamps its fence on the
// service once the rollback has converged, which makes the rolled-back spec
// the previous one too: rolling back again changes nothing.
type Rollback struct {
	Service string
}

var rollbackSpec = &spec{
	verb:     VerbRollback,
	kind:     Change,
	section:  sectionChange,
	synopsis: []string{"rollback SERVICE"},
	summary:  "go back to the previous spec",
	about: "Puts a service back on the spec it had before its last update, slot by slot, and follows it until it converges. " +
		"Swarm keeps only one previous spec, so it goes one step back only: once it has converged, rolling back again changes nothing; update to go forward.",
	flags:    hiddenDockerFlags,
	docker:   []string{"service rollback SERVICE", "service update --rollback SERVICE"},
	examples: []string{"rollback ping"},
	parse:    parseRollback,
}

func parseRollback(_ options, s *spec, args []string) (Command, error) {
	svc, err := onlyService(s, args)
	if err != nil {
		return nil, err
	}
	return Rollback{Service: svc}, nil
}

func (Rollback) Verb() Verb         { return VerbRollback }
func (Rollback) Kind() Kind         { return Change }
func (c Rollback) Subject() Subject { return services(c.Service) }
func (c Rollback) String() string   { return newLine(VerbRollback).word(c.Service).String() }
