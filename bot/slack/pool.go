package slack

import (
	"context"
	"sync"
)

// pool runs work off the socket loop: at most workers jobs at once, and at
// most queue more waiting. The loop reserves a place before it acks (so that
// it can say "busy" in the ack itself) and never blocks on a full pool.
type pool struct {
	admitted chan struct{} // one token per job running or waiting
	running  chan struct{} // one token per job running

	mu   sync.Mutex
	jobs int           // reserved and not ended
	idle chan struct{} // closed when jobs falls to 0; nil while nobody waits
}

func newPool(workers, queue int) *pool {
	workers = max(workers, 1)
	return &pool{
		admitted: make(chan struct{}, workers+max(queue, 0)),
		running:  make(chan struct{}, workers),
	}
}

// reserve takes a place for one job, or reports that the pool is full.
// A reserved place must be given a job with run.
func (p *pool) reserve() bool {
	select {
	case p.admitted <- struct{}{}:
		p.mu.Lock()
		p.jobs++
		p.mu.Unlock()
		return true
	default:
		return false
	}
}

// run runs job in the place reserve took, when a worker is free.
func (p *pool) run(job func()) {
	go func() {
		defer p.done()
		p.running <- struct{}{}
		defer func() { <-p.running }()
		job()
	}()
}

func (p *pool) done() {
	<-p.admitted
	p.mu.Lock()
	defer p.mu.Unlock()
	p.jobs--
	if p.jobs == 0 && p.idle != nil {
		close(p.idle)
		p.idle = nil
	}
}

// wait waits until every job has ended, or ctx ends.
func (p *pool) wait(ctx context.Context) error {
	p.mu.Lock()
	if p.jobs == 0 {
		p.mu.Unlock()
		return nil
	}
	if p.idle == nil {
		p.idle = make(chan struct{})
	}
	idle := p.idle
	p.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
