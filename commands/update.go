package commands

import "strings"

// Update changes a service, like docker service update: a new image, a forced
// restart of its tasks, or new settings, rolled out slot by slot.
type Update struct {
	Service string
	// Image is the new image; "" keeps the current one.
	Image string
	// Force replaces every task even if nothing else changed (a rolling restart).
	Force bool
	// Replicas is nil to keep the count.
	Replicas *uint64
	// EnvAdd holds KEY=VALUE entries to add or change, in order.
	EnvAdd []string
	// EnvRm holds names of variables to remove.
	EnvRm []string
	// Args, when not nil, replaces the command after the image; an empty list
	// goes back to the image's own command.
	Args     *[]string
	Update   UpdateConfig
	Rollback UpdateConfig
}

var updateSpec = &spec{
	verb:     VerbUpdate,
	kind:     Change,
	section:  sectionChange,
	synopsis: []string{"update SERVICE IMAGE", "update [FLAGS] SERVICE"},
	summary:  "roll out a new image or settings",
	about: "Changes a service and follows the rolling update slot by slot until it converges, " +
		"as docker service update does. The short form takes the service, then the new image.",
	flags: append(append(append([]flagDef{
		{name: "image", arg: "IMAGE", usage: "the new image, e.g. alpine:3.7"},
		{name: "force", usage: "replace every task even if nothing changed (a rolling restart)"},
		{name: "replicas", arg: "N", usage: "number of tasks, 0 to {max}"},
		{name: "env-add", arg: "KEY=VALUE", usage: "add or change an environment variable (repeat for more)", repeat: true},
		{name: "env-rm", arg: "KEY", usage: "remove an environment variable (repeat for more)", repeat: true},
		{name: "args", arg: "\"ARG…\"", usage: "replace the command, in one quoted text; \"\" for the image's own"},
		{name: "rollback", usage: "go back to the previous spec; the same as /swarm rollback SERVICE"},
	}, policyFlags("update")...), policyFlags("rollback")...), hiddenDockerFlags...),
	docker:   []string{"service update --image IMAGE SERVICE"},
	examples: []string{"update ping alpine:3.7", "update --force ping", "update --image alpine:3.7 --update-parallelism 2 --update-delay 10s ping"},
	parse:    parseUpdate,
}

func parseUpdate(o options, s *spec, args []string) (Command, error) {
	fa, err := parseFlags(s.flags, args, false)
	if err != nil {
		return nil, err
	}
	var c Update
	rollback := false
	for _, f := range fa.flags {
		if f.def.name == "rollback" {
			rollback = f.value == "true"
		}
	}
	if rollback {
		if len(fa.flags) > 1 {
			return nil, usageErr("--rollback cannot be combined with other flags")
		}
		svc, err := oneService(fa, s.verb)
		if err != nil {
			return nil, err
		}
		return Rollback{Service: svc}, nil
	}
	for _, f := range fa.flags {
		if ok, err := c.Update.set("update", f, o); ok {
			if err != nil {
				return nil, err
			}
			continue
		}
		if ok, err := c.Rollback.set("rollback", f, o); ok {
			if err != nil {
				return nil, err
			}
			continue
		}
		switch f.def.name {
		case "image":
			if err := checkImage(f.value); err != nil {
				return nil, err
			}
			c.Image = f.value
		case "force":
			c.Force = f.value == "true"
		case "replicas":
			n, err := parseReplicas(f.value, o, "")
			if err != nil {
				return nil, err
			}
			c.Replicas = &n
		case "env-add":
			if err := checkEnv(f.value, "env-add"); err != nil {
				return nil, err
			}
			c.EnvAdd = append(c.EnvAdd, f.value)
		case "env-rm":
			if err := checkEnvKey(f.value); err != nil {
				return nil, err
			}
			c.EnvRm = append(c.EnvRm, f.value)
		case "args":
			words, err := lex(f.value)
			if err != nil {
				return nil, usageErr("--args: %v", err)
			}
			for _, w := range words {
				if err := checkArg(w); err != nil {
					return nil, err
				}
			}
			c.Args = &words
		}
	}
	switch len(fa.pos) {
	case 0:
		return nil, usageErr("update needs a service name")
	case 1:
		c.Service = fa.pos[0]
		if err := checkServiceName(c.Service); err != nil {
			return nil, err
		}
	case 2:
		svc, img := fa.pos[0], fa.pos[1]
		if checkServiceName(svc) != nil && checkServiceName(img) == nil && checkImage(svc) == nil {
			e := usageErr("the service comes first, then the image")
			e.Suggestion = "/swarm update " + quoteWord(img) + " " + quoteWord(svc)
			return nil, e
		}
		if err := checkServiceName(svc); err != nil {
			return nil, err
		}
		if c.Image != "" {
			return nil, usageErr("the image is given twice (--image %s and %s); give it once", c.Image, quoteWord(img))
		}
		if err := checkImage(img); err != nil {
			return nil, err
		}
		c.Service, c.Image = svc, img
	default:
		return nil, usageErr("update takes a service and at most an image, but got %d words: %s", len(fa.pos), joinWords(fa.pos))
	}
	if c.onlyService() {
		return nil, usageErr("nothing to change: give a new image (/swarm update %s alpine:3.7), or --force to restart its tasks", c.Service)
	}
	return c, nil
}

// onlyService reports an update that names a service and changes nothing.
func (c Update) onlyService() bool {
	return c.Image == "" && !c.Force && c.Replicas == nil && c.EnvAdd == nil && c.EnvRm == nil &&
		c.Args == nil && c.Update.IsZero() && c.Rollback.IsZero()
}

func (Update) Verb() Verb         { return VerbUpdate }
func (Update) Kind() Kind         { return Change }
func (c Update) Subject() Subject { return services(c.Service) }

func (c Update) String() string {
	l := newLine(VerbUpdate)
	if bare := c; c.Image != "" {
		if bare.Image = ""; bare.onlyService() {
			return l.word(c.Service).word(c.Image).String()
		}
	}
	l.text("image", c.Image).on("force", c.Force).count("replicas", c.Replicas)
	for _, e := range c.EnvAdd {
		l.flag("env-add", e)
	}
	for _, e := range c.EnvRm {
		l.flag("env-rm", e)
	}
	if c.Args != nil {
		var b strings.Builder
		for i, a := range *c.Args {
			if i > 0 {
				b.WriteByte(' ')
			}
			writeWord(&b, a)
		}
		l.flag("args", b.String())
	}
	c.Update.write(l, "update")
	c.Rollback.write(l, "rollback")
	return l.word(c.Service).String()
}
