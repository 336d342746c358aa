package commands

import (
	"strings"
	"time"
)

// Create creates a service, like docker service create.
type Create struct {
	// Name is the service's name; "" lets swarm pick one (goofy_ptolemy).
	Name  string
	Image string
	// Args is the command and its arguments, everything after the image.
	Args []string
	// Mode is "" (replicated), "replicated" or "global".
	Mode string
	// Replicas is nil for swarm's default (1).
	Replicas *uint64
	// Env holds KEY=VALUE entries in the order given.
	Env  []string
	Init bool
	// StopGracePeriod is nil for swarm's default (10s).
	StopGracePeriod *time.Duration
	Update          UpdateConfig
	Rollback        UpdateConfig
}

var createSpec = &spec{
	verb:     VerbCreate,
	kind:     Change,
	section:  sectionChange,
	synopsis: []string{"create [FLAGS] IMAGE [ARG…]"},
	summary:  "create a service",
	about: "Creates a service and follows it until its tasks run. Flags go before the image; " +
		"everything after the image is the command the containers run.",
	flags: append(append(append([]flagDef{
		{name: "name", arg: "NAME", usage: "service name (letters, digits, - and _)"},
		{name: "mode", arg: "MODE", usage: "replicated or global (default replicated)"},
		{name: "replicas", arg: "N", usage: "number of tasks, 0 to {max} (default 1)"},
		{name: "env", short: "e", arg: "KEY=VALUE", usage: "set an environment variable (repeat for more)", repeat: true},
		{name: "init", usage: "run an init inside each container to forward signals and reap processes"},
		{name: "stop-grace-period", arg: "D", usage: "wait this long before killing a container (default 10s)"},
	}, policyFlags("update")...), policyFlags("rollback")...), hiddenDockerFlags...),
	docker:   []string{"service create [FLAGS] IMAGE [ARG…]"},
	examples: []string{"create --name ping alpine ping docker.com", "create --name ping --replicas 4 --update-delay 10s alpine ping docker.com"},
	parse:    parseCreate,
}

func parseCreate(o options, s *spec, args []string) (Command, error) {
	fa, err := parseFlags(s.flags, args, true)
	if err != nil {
		return nil, err
	}
	var c Create
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
		case "name":
			if err := checkServiceName(f.value); err != nil {
				return nil, err
			}
			c.Name = f.value
		case "mode":
			if c.Mode, err = parseEnum(f.value, "mode", "replicated", "global"); err != nil {
				return nil, err
			}
		case "replicas":
			n, err := parseReplicas(f.value, o, "")
			if err != nil {
				return nil, err
			}
			c.Replicas = &n
		case "env":
			if err := checkEnv(f.value, "env"); err != nil {
				return nil, err
			}
			c.Env = append(c.Env, f.value)
		case "init":
			c.Init = f.value == "true"
		case "stop-grace-period":
			d, err := parseDuration(f.value, "stop-grace-period")
			if err != nil {
				return nil, err
			}
			c.StopGracePeriod = &d
		}
	}
	if c.Mode == "global" && c.Replicas != nil {
		return nil, usageErr("--replicas can only be used with replicated mode; a global service runs one task on every node")
	}
	if len(fa.pos) == 0 {
		return nil, usageErr("create needs an image, e.g. /swarm create --name ping alpine ping docker.com")
	}
	c.Image = fa.pos[0]
	if err := checkImage(c.Image); err != nil {
		return nil, err
	}
	if len(fa.pos) > 1 {
		c.Args = fa.pos[1:]
	}
	for _, a := range c.Args {
		if err := checkArg(a); err != nil {
			return nil, err
		}
		if !fa.dashdash && isCreateFlag(a) {
			flag, _, _ := strings.Cut(a, "=")
			return nil, usageErr("%s comes after the image %s, so it would go to the container as an argument; "+
				"put flags before the image, or write -- before the image to pass them on", flag, c.Image)
		}
	}
	return c, nil
}

// isCreateFlag reports an argument that looks like one of create's own long flags.
func isCreateFlag(arg string) bool {
	name, ok := strings.CutPrefix(arg, "--")
	if !ok {
		return false
	}
	name, _, _ = strings.Cut(name, "=")
	return lookupFlag(specFor(VerbCreate).flags, strings.ToLower(name), true) >= 0
}

func (Create) Verb() Verb { return VerbCreate }
func (Create) Kind() Kind { return Change }
func (c Create) Subject() Subject {
	if c.Name == "" {
		return Subject{Kind: SubjectServices}
	}
	return services(c.Name)
}

func (c Create) String() string {
	l := newLine(VerbCreate).text("name", c.Name).text("mode", c.Mode).count("replicas", c.Replicas)
	for _, e := range c.Env {
		l.flag("env", e)
	}
	l.on("init", c.Init).duration("stop-grace-period", c.StopGracePeriod)
	c.Update.write(l, "update")
	c.Rollback.write(l, "rollback")
	for _, a := range c.Args {
		if isCreateFlag(a) {
			l.b.WriteString(" --")
			break
		}
	}
	l.word(c.Image)
	for _, a := range c.Args {
		l.word(a)
	}
	return l.String()
}
