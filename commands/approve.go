package commands

// Approve approves a request that waits for a second person, as its card's
// Approve button does.
type Approve struct {
	ID string
}

// Deny turns down a waiting request, as its card's Deny button does; the
// person who asked may deny it too, to withdraw it.
type Deny struct {
	ID     string
	Reason string
}

var approveSpec = &spec{
	verb:     VerbApprove,
	kind:     Change,
	section:  sectionDecide,
	synopsis: []string{"approve ID"},
	summary:  "approve a waiting request",
	about:    "Approves a request that waits for a second person, such as a drain or a rollback; ID is on the request's card. The change then runs.",
	examples: []string{"approve 7f3k2"},
	parse:    parseApprove,
}

var denySpec = &spec{
	verb:     VerbDeny,
	kind:     Change,
	section:  sectionDecide,
	synopsis: []string{"deny ID [--reason TEXT]"},
	summary:  "turn down a waiting request",
	about:    "Turns down a waiting request; nothing changes. The person who asked may deny their own request to withdraw it.",
	flags:    []flagDef{{name: "reason", arg: "TEXT", usage: "why, shown to the person who asked; quote it"}},
	examples: []string{`deny 7f3k2 --reason "not during the release"`},
	parse:    parseDeny,
}

func parseApprove(_ options, s *spec, args []string) (Command, error) {
	fa, err := parseFlags(s.flags, args, false)
	if err != nil {
		return nil, err
	}
	id, err := oneID(fa, s.verb)
	if err != nil {
		return nil, err
	}
	return Approve{ID: id}, nil
}

func parseDeny(_ options, s *spec, args []string) (Command, error) {
	fa, err := parseFlags(s.flags, args, false)
	if err != nil {
		return nil, err
	}
	var c Deny
	for _, f := range fa.flags {
		if err := checkReason(f.value); err != nil {
			return nil, err
		}
		c.Reason = f.value
	}
	if len(fa.pos) > 1 {
		return nil, reasonInQuotes(s.verb, fa.pos, c.Reason, Deny{ID: fa.pos[0]}.String())
	}
	if c.ID, err = oneID(fa, s.verb); err != nil {
		return nil, err
	}
	return c, nil
}

func oneID(fa flagArgs, verb Verb) (string, error) {
	switch len(fa.pos) {
	case 0:
		return "", usageErr("%s needs the request's ID, from its card", verb)
	case 1:
		return fa.pos[0], checkApprovalID(fa.pos[0])
	}
	return "", usageErr("%s takes one request ID, but got %d: %s", verb, len(fa.pos), joinWords(fa.pos))
}

func (Approve) Verb() Verb         { return VerbApprove }
func (Approve) Kind() Kind         { return Change }
func (c Approve) Subject() Subject { return Subject{Kind: SubjectApproval, Names: []string{c.ID}} }
func (c Approve) String() string   { return newLine(VerbApprove).word(c.ID).String() }

func (Deny) Verb() Verb         { return VerbDeny }
func (Deny) Kind() Kind         { return Change }
func (c Deny) Subject() Subject { return Subject{Kind: SubjectApproval, Names: []string{c.ID}} }
func (c Deny) String() string   { return newLine(VerbDeny).word(c.ID).text("reason", c.Reason).String() }
