package commands

// Audit shows who changed what, newest first, for one service or for all.
type Audit struct {
	// Service narrows the log to one service; "" shows everything.
	Service string
}

var auditSpec = &spec{
	verb:     VerbAudit,
	kind:     Read,
	section:  sectionLook,
	synopsis: []string{"audit [SERVICE]"},
	summary:  "who changed what, newest first",
	about:    "Shows the audit log, newest first: every change swarmbot made or refused, who asked, who approved, and how it ended.",
	examples: []string{"audit", "audit ping"},
	parse:    parseAudit,
}

func parseAudit(_ options, s *spec, args []string) (Command, error) {
	fa, err := parseFlags(s.flags, args, false)
	if err != nil {
		return nil, err
	}
	if len(fa.pos) == 0 {
		return Audit{}, nil
	}
	svc, err := oneService(fa, s.verb)
	if err != nil {
		return nil, err
	}
	return Audit{Service: svc}, nil
}

func (Audit) Verb() Verb { return VerbAudit }
func (Audit) Kind() Kind { return Read }
func (c Audit) Subject() Subject {
	if c.Service == "" {
		return Subject{}
	}
	return services(c.Service)
}
func (c Audit) String() string {
	l := newLine(VerbAudit)
	if c.Service != "" {
		l.word(c.Service)
	}
	return l.String()
}
