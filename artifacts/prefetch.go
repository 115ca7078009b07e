package artifacts

import "sync"

// prefetch is the background read of one pipeline's ref log and stamp index
// (Store.Prefetch).
type prefetch struct {
	pipeline string
	done     chan struct{}
	refs     *refLog // nil if the log could not be read
	stamps   *StampIndex
	// taken marks the stamp index handed out: a later OpenStampIndex reads
	// the file afresh rather than share one index.
	taken bool
}

// Prefetch starts reading pipeline's ref log and stamp index in the
// background, so that an apply that is still planning finds them read: at
// a million cells each is a file of a million lines, about a second to
// parse, which would otherwise wait for the plan. The first Ref, SetRef or
// OpenStampIndex of pipeline waits for the read to finish. A second call, or
// one for another pipeline, does nothing.
func (s *Store) Prefetch(pipeline string) {
	s.preMu.Lock()
	defer s.preMu.Unlock()
	if s.pre != nil {
		return
	}
	p := &prefetch{pipeline: pipeline, done: make(chan struct{})}
	s.pre = p
	var wg sync.WaitGroup
	wg.Go(func() {
		if l, err := readRefLog(s.refLogPath(pipeline)); err == nil {
			p.refs = l
		}
	})
	wg.Go(func() { p.stamps = s.readStampIndex(pipeline) })
	go func() {
		wg.Wait()
		close(p.done)
	}()
}

// prefetched waits for the prefetch of pipeline, if one was started, and
// returns it (nil otherwise).
func (s *Store) prefetched(pipeline string) *prefetch {
	s.preMu.Lock()
	p := s.pre
	s.preMu.Unlock()
	if p == nil || p.pipeline != pipeline {
		return nil
	}
	<-p.done
	return p
}
