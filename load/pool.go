package load

import (
	"sync"
)

// pool holds the in-flight slots: one worker (and one connection) each. The
// most recently idle worker gets the next request, so at a low rate a few
// connections stay warm instead of every one going stale in turn.
type pool struct {
	mu    sync.Mutex
	idle  []chan job // a stack
	all   []chan job
	avail chan struct{} // one token per idle worker
	done  sync.WaitGroup
}

// newPool starts n workers; each calls next for its jobs until it says no more.
func newPool(n int, work func(i int, next func() (job, bool))) *pool {
	p := &pool{avail: make(chan struct{}, n)}
	for i := range n {
		ch := make(chan job, 1)
		p.all = append(p.all, ch)
		p.idle = append(p.idle, ch)
		p.avail <- struct{}{}
		busy := false
		next := func() (job, bool) {
			if busy { // done with the last job: back on the stack
				p.mu.Lock()
				p.idle = append(p.idle, ch)
				p.mu.Unlock()
				p.avail <- struct{}{}
			}
			j, ok := <-ch
			busy = true
			return j, ok
		}
		p.done.Go(func() { work(i, next) })
	}
	return p
}

// dispatch hands j to the most recently idle worker; the caller holds a token
// from avail.
func (p *pool) dispatch(j job) {
	p.mu.Lock()
	ch := p.idle[len(p.idle)-1]
	p.idle = p.idle[:len(p.idle)-1]
	p.mu.Unlock()
	ch <- j
}

// close ends the workers once they finish what they hold; wait waits for it.
func (p *pool) close() {
	for _, ch := range p.all {
		close(ch)
	}
}

func (p *pool) wait() { p.done.Wait() }
