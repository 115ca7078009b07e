package artifacts

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Live runs and the gc lock.
//
// A running apply announces itself with a live-run marker,
// <root>/live/<run-id>.json: host, pid, start time, heartbeat period and
// every key of its plan (the entries it reads and the ones it writes). The
// marker's modification time is its heartbeat, refreshed every ttl/3. GC
// keeps every key of a live marker; a marker is dead when its process is
// gone on this host or its heartbeat is older than two ttl (another host),
// and GC then deletes it.
//
// GC (when it deletes) holds <root>/locks/gc.lock, a lease like a key's.
// BeginRun writes its marker first and then waits while the gc lease is
// held; GC takes the lease first and then reads the markers. So either GC
// sees the run's marker and keeps its keys, or the run sees GC's lease and
// makes its cache decisions only after GC has finished: a gc never removes
// an entry that a running apply has found cached or will write.

const (
	liveDir    = "live"
	gcLockName = "gc.lock"
)

// liveMarker is the JSON content of a live-run marker.
type liveMarker struct {
	Run        string    `json:"run"`
	Host       string    `json:"host"`
	PID        int       `json:"pid"`
	Started    time.Time `json:"started"`
	TTLSeconds float64   `json:"ttl_seconds"`
	Keys       []Key     `json:"keys"`
}

// marshal encodes m as encoding/json does. The keys, a million for a
// million-cell sweep, are hex and need no escaping, so they are appended
// directly (a tenth of json.Marshal's time).
func (m *liveMarker) marshal() ([]byte, error) {
	if len(m.Keys) == 0 || slices.ContainsFunc(m.Keys, func(k Key) bool { return !validKey(string(k)) }) {
		return json.Marshal(m)
	}
	head := *m
	head.Keys = nil
	data, err := json.Marshal(&head)
	if err != nil {
		return nil, err
	}
	data, ok := bytes.CutSuffix(data, []byte("null}")) // `"keys":null}`
	if !ok {
		return json.Marshal(m)
	}
	out := make([]byte, 0, len(data)+len(m.Keys)*(KeyLen+3)+2)
	out = append(append(out, data...), '[')
	for i, k := range m.Keys {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(append(append(out, '"'), k...), '"')
	}
	return append(out, ']', '}'), nil
}

// LiveRun is the announcement of a running apply; see BeginRun.
type LiveRun struct {
	path string
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// BeginRun announces the run runID, which will read or write the entries of
// keys, to GC (see the package's live-run markers above), and waits while a
// gc is deleting. ttl is the heartbeat period (<= 0: DefaultLeaseTTL). The
// caller must call End when the run finishes. An error means the run could
// not be announced (for example a store the caller may not write); the run
// may go on, unprotected.
func (s *Store) BeginRun(ctx context.Context, runID string, keys []Key, ttl time.Duration) (*LiveRun, error) {
	if !validRunID(runID) {
		return nil, fmt.Errorf("artifacts: begin run: invalid run id %q", runID)
	}
	if err := s.checkWritable("begin run"); err != nil {
		return nil, err
	}
	if ttl <= 0 {
		ttl = DefaultLeaseTTL
	}
	dir := filepath.Join(s.root, liveDir)
	if err := mkdirShared(dir); err != nil {
		return nil, fmt.Errorf("artifacts: begin run: %w", err)
	}
	m := liveMarker{Run: runID, Host: s.host, PID: os.Getpid(), Started: time.Now().UTC(), TTLSeconds: ttl.Seconds(), Keys: keys}
	data, err := m.marshal()
	if err != nil {
		return nil, fmt.Errorf("artifacts: begin run: %w", err)
	}
	path := filepath.Join(dir, runID+".json")
	tmp := filepath.Join(s.root, tmpDir, s.tmpName("live"))
	if err := os.WriteFile(tmp, append(data, '\n'), sharedFilePerm); err != nil {
		return nil, fmt.Errorf("artifacts: begin run: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return nil, fmt.Errorf("artifacts: begin run: %w", err)
	}
	r := &LiveRun{path: path, stop: make(chan struct{}), done: make(chan struct{})}
	go r.heartbeat(ttl / 3)
	if err := s.waitGC(ctx); err != nil {
		r.End()
		return nil, err
	}
	return r, nil
}

func (r *LiveRun) heartbeat(every time.Duration) {
	defer close(r.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
			now := time.Now()
			_ = os.Chtimes(r.path, now, now)
		}
	}
}

// End removes the run's marker. It may be called on a nil LiveRun and more
// than once.
func (r *LiveRun) End() {
	if r == nil {
		return
	}
	r.once.Do(func() {
		close(r.stop)
		<-r.done
		_ = os.Remove(r.path)
	})
}

// waitGC blocks while a live gc lease is held, honouring ctx.
func (s *Store) waitGC(ctx context.Context) error {
	path := filepath.Join(s.root, locksDir, gcLockName)
	backoff := minBackoff
	for {
		cur, _, err := readLease(path)
		if isNotExist(err) || (err == nil && s.leaseStale(cur, time.Now())) {
			return nil
		}
		if err != nil {
			// Half written (it is being created) or garbage: stale once old.
			if fi, serr := os.Stat(path); serr != nil || time.Since(fi.ModTime()) > badLeaseGrace {
				return nil
			}
		}
		d := backoff/2 + rand.N(backoff/2+1)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("artifacts: waiting for gc to finish: %w", ctx.Err())
		case <-t.C:
		}
		if backoff *= 2; backoff > maxBackoff {
			backoff = maxBackoff
		}
	}
}

// ErrGCRunning is returned when another gc holds the gc lease.
var ErrGCRunning = errors.New("artifacts: another gc is running on this store")

// lockGC takes the gc lease, without waiting: a second gc fails with
// ErrGCRunning. Stale leases are broken as in Lock.
func (s *Store) lockGC(ttl time.Duration) (*Lease, error) {
	l := &Lease{s: s, path: filepath.Join(s.root, locksDir, gcLockName), token: randHex(16), ttl: ttl}
	for attempt := 0; attempt < 3; attempt++ {
		now := time.Now()
		info := leaseInfo{Host: s.host, PID: os.Getpid(), Token: l.token, Acquired: now.UTC(), Expires: now.Add(ttl).UTC()}
		ok, _, err := s.createLease(l.path, &info)
		if err != nil {
			return nil, fmt.Errorf("artifacts: gc lock: %w", err)
		}
		if ok {
			l.acquired = now
			l.stop = make(chan struct{})
			l.done = make(chan struct{})
			l.lost = make(chan struct{})
			go l.renewLoop()
			return l, nil
		}
		cur, raw, err := readLease(l.path)
		switch {
		case isNotExist(err):
			continue
		case err == nil && s.leaseStale(cur, time.Now()):
			if broke, _ := s.breakLease(l.path, raw); broke {
				continue
			}
		}
		return nil, ErrGCRunning
	}
	return nil, ErrGCRunning
}

// liveRuns reads the live-run markers: the live ones' keys and run ids,
// and the paths of dead ones.
func (s *Store) liveRuns(now time.Time) (keys map[Key]bool, runs []string, dead []string, err error) {
	keys = map[Key]bool{}
	dir := filepath.Join(s.root, liveDir)
	ents, err := os.ReadDir(dir)
	if err != nil {
		if isNotExist(err) {
			return keys, nil, nil, nil
		}
		return nil, nil, nil, err
	}
	for _, e := range ents {
		id, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || !e.Type().IsRegular() {
			continue
		}
		p := filepath.Join(dir, e.Name())
		fi, err := os.Stat(p)
		if err != nil {
			continue // ended meanwhile
		}
		data, err := os.ReadFile(p)
		if err != nil {
			if isNotExist(err) {
				continue
			}
			return nil, nil, nil, err
		}
		var m liveMarker
		if err := json.Unmarshal(data, &m); err != nil {
			// Markers are renamed into place whole; garbage is kept out of
			// caution until it is old.
			if now.Sub(fi.ModTime()) > tmpGrace {
				dead = append(dead, p)
			} else {
				return nil, nil, nil, fmt.Errorf("live-run marker %s: %w", e.Name(), err)
			}
			continue
		}
		ttl := time.Duration(m.TTLSeconds * float64(time.Second))
		if ttl <= 0 {
			ttl = DefaultLeaseTTL
		}
		gone := m.Host == s.host && m.PID > 0 && m.PID != os.Getpid() && !pidAlive(m.PID)
		if gone || now.Sub(fi.ModTime()) > 2*ttl {
			dead = append(dead, p)
			continue
		}
		runs = append(runs, id)
		for _, k := range m.Keys {
			keys[k] = true
		}
	}
	return keys, runs, dead, nil
}

// leasedKeys returns the keys whose lease file is held and not stale.
func (s *Store) leasedKeys(now time.Time) map[Key]bool {
	keys := map[Key]bool{}
	ents, err := os.ReadDir(filepath.Join(s.root, locksDir))
	if err != nil {
		return keys
	}
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".lock")
		if !ok || !validKey(name) {
			continue
		}
		l, _, err := readLease(filepath.Join(s.root, locksDir, e.Name()))
		if err != nil || !s.leaseStale(l, now) {
			// Unreadable counts as held: it may be being written.
			keys[Key(name)] = true
		}
	}
	return keys
}
