package runner

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// progress reports apply events: a live status line on a terminal, plain
// log lines otherwise.
type progress struct {
	mu       sync.Mutex
	w        io.Writer
	terminal bool
	total    int
	start    time.Time
	counts   map[Outcome]int
	running  map[string]time.Time
	ticker   *time.Ticker
	quit     chan struct{}
	once     sync.Once
	// ranSeconds sums the wall time of stages that ran, for the ETA.
	ranSeconds float64
}

func newProgress(w io.Writer, terminal bool, total int, start time.Time) *progress {
	p := &progress{w: w, terminal: terminal, total: total, start: start,
		counts: map[Outcome]int{}, running: map[string]time.Time{}, quit: make(chan struct{})}
	if terminal {
		p.ticker = time.NewTicker(200 * time.Millisecond)
		go func() {
			for {
				select {
				case <-p.ticker.C:
					p.mu.Lock()
					p.drawLocked()
					p.mu.Unlock()
				case <-p.quit:
					return
				}
			}
		}()
	}
	return p
}

func (p *progress) cached(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.counts[Cached] += n
	if !p.terminal && n > 0 {
		fmt.Fprintf(p.w, "%d of %d stages cached\n", n, p.total)
	}
}

func (p *progress) started(n *Node) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running[n.ID()] = time.Now()
	if !p.terminal {
		fmt.Fprintf(p.w, "start   %s\n", n.ID())
	}
}

func (p *progress) finished(n *Node, o Outcome, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	began, wasRunning := p.running[n.ID()]
	delete(p.running, n.ID())
	p.counts[o]++
	took := time.Duration(0)
	if wasRunning {
		took = time.Since(began)
		if o == Ran {
			p.ranSeconds += took.Seconds()
		}
	}
	line := fmt.Sprintf("%-7s %s", o, n.ID())
	if wasRunning {
		line += fmt.Sprintf(" (%.2fs)", took.Seconds())
	}
	if err != nil {
		line += ": " + err.Error()
	}
	if p.terminal {
		if o == Failed || o == Skipped {
			fmt.Fprintf(p.w, "\r\033[K%s\n", line)
			p.drawLocked()
		}
		return
	}
	fmt.Fprintln(p.w, line)
}

func (p *progress) drawLocked() {
	done := p.counts[Cached] + p.counts[Ran] + p.counts[Failed] + p.counts[Skipped]
	elapsed := time.Since(p.start)
	eta := "?"
	if finished := p.counts[Ran] + p.counts[Failed]; finished > 0 {
		// Wall time per finished stage so far, parallelism included.
		per := elapsed.Seconds() / float64(finished)
		left := p.total - done
		eta = time.Duration(float64(left) * per * float64(time.Second)).Round(time.Second).String()
	}
	fmt.Fprintf(p.w, "\r\033[K[%d/%d] running %d, ran %d, cached %d, failed %d, skipped %d  elapsed %s  ETA %s",
		done, p.total, len(p.running), p.counts[Ran], p.counts[Cached], p.counts[Failed], p.counts[Skipped],
		elapsed.Round(100*time.Millisecond), eta)
}

func (p *progress) stop() {
	p.once.Do(func() {
		if p.terminal {
			p.ticker.Stop()
			close(p.quit)
			p.mu.Lock()
			p.drawLocked()
			fmt.Fprintln(p.w)
			p.mu.Unlock()
		}
	})
}
