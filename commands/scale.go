package commands

import (
	"strconv"
	"strings"
)

// Scale sets how many tasks each service runs, like docker service scale.
// The count is the target, not a step.
type Scale struct {
	Targets []ScaleTarget
}

// ScaleTarget is one SERVICE=N.
type ScaleTarget struct {
	Service  string
	Replicas uint64
}

var scaleSpec = &spec{
	verb:     VerbScale,
	kind:     Change,
	section:  sectionChange,
	synopsis: []string{"scale SERVICE=N [SERVICE=N…]", "scale SERVICE N"},
	summary:  "set how many tasks a service runs",
	about: "Sets the number of tasks (replicas) of one or more replicated services, from 0 to {max}, " +
		"and follows each until it converges, one service after another. N is the target, not a step.",
	flags:    hiddenDockerFlags,
	docker:   []string{"service scale SERVICE=N [SERVICE=N…]"},
	examples: []string{"scale ping=4", "scale ping 4", "scale ping=2 web=3"},
	parse:    parseScale,
}

func parseScale(o options, s *spec, args []string) (Command, error) {
	fa, err := parseFlags(s.flags, args, false)
	if err != nil {
		return nil, err
	}
	if len(fa.pos) == 0 {
		return nil, usageErr("scale needs a service and a count: /swarm scale ping=4")
	}
	var c Scale
	for i := 0; i < len(fa.pos); i++ {
		w := fa.pos[i]
		svc, count, hasEq := strings.Cut(w, "=")
		if !hasEq {
			if i+1 == len(fa.pos) {
				if _, ok := parseCount(w, ^uint64(0)); ok {
					return nil, usageErr("%s is a count without a service: /swarm scale ping=%s", w, w)
				}
				if checkServiceName(w) != nil {
					return nil, checkServiceName(w)
				}
				return nil, usageErr("give %s a replica count: /swarm scale %s=4", w, w)
			}
			i++
			count = fa.pos[i]
			if _, isCount := parseCount(svc, ^uint64(0)); isCount {
				if _, ok := parseCount(count, ^uint64(0)); !ok {
					return nil, usageErr("the service comes first, then the count: /swarm scale %s=%s", quoteWord(count), svc)
				}
			}
		}
		if svc == "" {
			return nil, usageErr("%s needs a service before the =: /swarm scale ping%s", w, w)
		}
		if err := checkServiceName(svc); err != nil {
			return nil, err
		}
		if count == "" {
			return nil, usageErr("give %s a replica count: /swarm scale %s=4", svc, svc)
		}
		n, err := parseReplicas(count, o, " for "+svc)
		if err != nil {
			return nil, err
		}
		for _, t := range c.Targets {
			if t.Service == svc {
				return nil, usageErr("%s is given twice; give each service once", svc)
			}
		}
		c.Targets = append(c.Targets, ScaleTarget{Service: svc, Replicas: n})
	}
	return c, nil
}

func (Scale) Verb() Verb { return VerbScale }
func (Scale) Kind() Kind { return Change }
func (c Scale) Subject() Subject {
	names := make([]string, len(c.Targets))
	for i, t := range c.Targets {
		names[i] = t.Service
	}
	return services(names...)
}

func (c Scale) String() string {
	l := newLine(VerbScale)
	for _, t := range c.Targets {
		l.word(t.Service + "=" + strconv.FormatUint(t.Replicas, 10))
	}
	return l.String()
}
