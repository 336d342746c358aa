package swarm

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/docker/docker/api/types/swarm"
)

// ServiceRef names one service for sure: what a reference resolved to.
type ServiceRef struct {
	ID   string
	Name string
}

// ResolveService finds the one service that ref names: its full ID, its full
// name, or a prefix of its ID that no other service shares, tried in that
// order as docker service ps does. It fails with a *NotFoundError or an
// *AmbiguousError listing the candidates.
func (c *Client) ResolveService(ctx context.Context, ref string) (ServiceRef, error) {
	s, err := c.resolveService(ctx, ref)
	if err != nil {
		return ServiceRef{}, err
	}
	return ServiceRef{ID: s.ID, Name: s.Spec.Name}, nil
}

func (c *Client) resolveService(ctx context.Context, ref string) (swarm.Service, error) {
	all, err := c.api.ServiceList(ctx, swarm.ServiceListOptions{})
	if err != nil {
		return swarm.Service{}, fmt.Errorf("looking up service %s: %w", ref, err)
	}
	return pickService(all, ref)
}

func pickService(all []swarm.Service, ref string) (swarm.Service, error) {
	if ref == "" {
		return swarm.Service{}, &NotFoundError{Kind: "service", Ref: ref}
	}
	for _, s := range all {
		if s.ID == ref {
			return s, nil
		}
	}
	for _, s := range all {
		if s.Spec.Name == ref {
			return s, nil
		}
	}
	var matches []swarm.Service
	for _, s := range all {
		if strings.HasPrefix(s.ID, ref) {
			matches = append(matches, s)
		}
	}
	switch len(matches) {
	case 0:
		return swarm.Service{}, &NotFoundError{Kind: "service", Ref: ref}
	case 1:
		return matches[0], nil
	}
	candidates := make([]string, 0, len(matches))
	for _, s := range matches {
		candidates = append(candidates, fmt.Sprintf("%s (%s)", s.Spec.Name, shortID(s.ID)))
	}
	sort.Strings(candidates)
	return swarm.Service{}, &AmbiguousError{Kind: "service", Ref: ref, Candidates: candidates}
}

// ResolveNode finds the one node that ref names: its full ID, its name, its
// hostname, or a prefix of its ID that no other node shares. It fails with a
// *NotFoundError, or an *AmbiguousError when nodes share a hostname or prefix.
func (c *Client) ResolveNode(ctx context.Context, ref string) (Node, error) {
	nodes, err := c.api.NodeList(ctx, swarm.NodeListOptions{})
	if err != nil {
		return Node{}, fmt.Errorf("looking up node %s: %w", ref, err)
	}
	n, err := pickNode(nodes, ref)
	if err != nil {
		return Node{}, err
	}
	info, err := c.api.Info(ctx)
	if err != nil {
		return Node{}, fmt.Errorf("looking up node %s: %w", ref, err)
	}
	return nodeView(n, info.Swarm.NodeID), nil
}

func pickNode(nodes []swarm.Node, ref string) (swarm.Node, error) {
	if ref == "" {
		return swarm.Node{}, &NotFoundError{Kind: "node", Ref: ref}
	}
	matchers := []func(swarm.Node) bool{
		func(n swarm.Node) bool { return n.ID == ref },
		func(n swarm.Node) bool { return n.Spec.Name == ref },
		func(n swarm.Node) bool { return n.Description.Hostname == ref },
		func(n swarm.Node) bool { return strings.HasPrefix(n.ID, ref) },
	}
	for _, match := range matchers {
		var found []swarm.Node
		for _, n := range nodes {
			if match(n) {
				found = append(found, n)
			}
		}
		switch len(found) {
		case 0:
			continue
		case 1:
			return found[0], nil
		}
		candidates := make([]string, 0, len(found))
		for _, n := range found {
			candidates = append(candidates, fmt.Sprintf("%s (%s)", n.Description.Hostname, n.ID))
		}
		sort.Strings(candidates)
		return swarm.Node{}, &AmbiguousError{Kind: "node", Ref: ref, Candidates: candidates}
	}
	return swarm.Node{}, &NotFoundError{Kind: "node", Ref: ref}
}

// shortID is the docker CLI's TruncateID: the first 12 characters.
func shortID(id string) string {
	if i := strings.IndexByte(id, ':'); i >= 0 {
		id = id[i+1:]
	}
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
