package artifacts

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// DefaultLeaseTTL is the lease lifetime Lock uses when given ttl <= 0.
const DefaultLeaseTTL = time.Minute

const (
	// badLeaseGrace is how old an unreadable lease file must be before it is
	// treated as stale (a lease written without hard links may be read while
	// half written).
	badLeaseGrace = 30 * time.Second
	// breakGrace is how old a <key>.lock.break file must be before it is
	// considered abandoned; breaking takes microseconds.
	breakGrace = 10 * time.Second
	minBackoff = 5 * time.Millisecond
	maxBackoff = 500 * time.Millisecond
)

// ErrLeaseLost is returned by Lease.Release when the lease file no longer
// names this lease: it expired (the holder stalled longer than its ttl) and
// someone else broke it.
var ErrLeaseLost = errors.New("artifacts: lease lost")

// leaseInfo is the JSON content of a lease file.
type leaseInfo struct {
	Key      Key       `json:"key"`
	Host     string    `json:"host"`
	PID      int       `json:"pid"`
	Token    string    `json:"token"`
	Acquired time.Time `json:"acquired"`
	Expires  time.Time `json:"expires"`
}

// Lease is a held per-key lock; see Store.Lock.
type Lease struct {
	s     *Store
	key   Key
	path  string
	token string
	ttl   time.Duration

	mu       sync.Mutex
	acquired time.Time
	released bool
	stop     chan struct{}
	done     chan struct{}
	lost     chan struct{}
	lostOnce sync.Once
}

// Lock acquires the lease of key, blocking while another live holder has
// it. Locks are per key; there is no global lock.
//
// A lease is the file <root>/locks/<key>.lock holding JSON with host, pid,
// a random token and an expiry. It is written to a temporary file and
// hard-linked into place, which fails if the file exists, so it appears
// atomically and whole (file systems without hard links fall back to
// O_CREATE|O_EXCL). A waiter polls with exponential backoff and jitter
// (5 ms to 500 ms), honouring ctx. A lease is stale when it has expired, or
// when it was taken on this host by a process that no longer exists; a
// waiter breaks a stale lease under a short-lived <key>.lock.break mutex,
// re-reading it first, so two waiters never both break one lease and a
// renewed lease is never broken.
//
// While held, the lease is renewed in the background every ttl/3. Holders
// must not stall (suspended process, clock jump) for longer than ttl, or
// another process may take the lease over; Lost reports that. ttl <= 0
// means DefaultLeaseTTL.
func (s *Store) Lock(ctx context.Context, key Key, ttl time.Duration) (*Lease, error) {
	if err := checkKey("lock", key); err != nil {
		return nil, err
	}
	if ttl <= 0 {
		ttl = DefaultLeaseTTL
	}
	l := &Lease{
		s:     s,
		key:   key,
		path:  filepath.Join(s.root, locksDir, string(key)+".lock"),
		token: randHex(16),
		ttl:   ttl,
	}
	backoff := minBackoff
	for {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("artifacts: lock %s: %w", key.Short(), err)
		}
		now := time.Now()
		info := leaseInfo{Key: key, Host: s.host, PID: os.Getpid(), Token: l.token, Acquired: now.UTC(), Expires: now.Add(ttl).UTC()}
		ok, err := s.createLease(l.path, &info)
		if err != nil {
			return nil, fmt.Errorf("artifacts: lock %s: %w", key.Short(), err)
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
			continue // released meanwhile: try again at once
		case err != nil:
			// Unreadable: half written, or garbage. Stale once old enough.
			if fi, serr := os.Stat(l.path); serr == nil && time.Since(fi.ModTime()) > badLeaseGrace {
				if broke, _ := s.breakLease(l.path, raw); broke {
					continue
				}
			}
		case s.leaseStale(cur, time.Now()):
			broke, berr := s.breakLease(l.path, raw)
			if broke {
				continue
			}
			if berr != nil && errors.Is(berr, fs.ErrPermission) {
				// Waiting would never end (shared.go).
				return nil, fmt.Errorf("artifacts: lock %s: cannot break the stale lease of pid %d on %s: %w (in a store shared by a group, the locks directory must be group-writable and not sticky; see umask 002)", key.Short(), cur.PID, cur.Host, berr)
			}
		}
		d := backoff/2 + rand.N(backoff/2+1)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("artifacts: lock %s: %w", key.Short(), ctx.Err())
		case <-t.C:
		}
		if backoff *= 2; backoff > maxBackoff {
			backoff = maxBackoff
		}
	}
}

// leaseStale reports whether a lease may be broken.
func (s *Store) leaseStale(l leaseInfo, now time.Time) bool {
	if now.After(l.Expires) {
		return true
	}
	return l.Host == s.host && l.PID > 0 && l.PID != os.Getpid() && !pidAlive(l.PID)
}

// createLease atomically creates the lease file at path with info, and
// reports whether it did (false: the file exists).
func (s *Store) createLease(path string, info *leaseInfo) (bool, error) {
	data, err := json.Marshal(info)
	if err != nil {
		return false, err
	}
	data = append(data, '\n')
	// Exclusive create, content written just after: a reader that catches
	// the file empty or half written sees a fresh mtime and treats the lease
	// as live (see leaseStale), so no temp file and hard link are needed.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return false, nil
		}
		return false, err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return false, err
	}
	return true, nil
}

// readLease reads and parses a lease file. On a parse error it still returns
// the raw bytes.
func readLease(path string) (leaseInfo, []byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return leaseInfo{}, nil, err
	}
	var l leaseInfo
	if err := json.Unmarshal(raw, &l); err != nil {
		return leaseInfo{}, raw, fmt.Errorf("lease %s: %w", filepath.Base(path), err)
	}
	return l, raw, nil
}

// breakLease removes the lease file at path if its content is still seen,
// under the <path>.break mutex, and reports whether it did.
func (s *Store) breakLease(path string, seen []byte) (bool, error) {
	bpath := path + ".break"
	f, err := os.OpenFile(bpath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			// Someone else is breaking it; clear an abandoned mutex.
			if fi, serr := os.Stat(bpath); serr == nil && time.Since(fi.ModTime()) > breakGrace {
				_ = os.Remove(bpath)
			}
			return false, nil
		}
		return false, err
	}
	_ = f.Close()
	defer os.Remove(bpath)
	cur, err := os.ReadFile(path)
	if err != nil {
		if isNotExist(err) {
			return true, nil
		}
		return false, err
	}
	if !bytes.Equal(cur, seen) {
		return false, nil // renewed or replaced since we judged it
	}
	if err := os.Remove(path); err != nil && !isNotExist(err) {
		return false, err
	}
	return true, nil
}

// Key returns the key the lease is for.
func (l *Lease) Key() Key { return l.key }

// Lost returns a channel closed when renewal finds that the lease was taken
// over by someone else. A holder computing for a long time may watch it and
// abandon its work.
func (l *Lease) Lost() <-chan struct{} { return l.lost }

func (l *Lease) markLost() { l.lostOnce.Do(func() { close(l.lost) }) }

func (l *Lease) renewLoop() {
	defer close(l.done)
	t := time.NewTicker(l.ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			if !l.renew() {
				l.markLost()
				return
			}
		}
	}
}

// renew pushes the expiry forward; it reports false when the lease is no
// longer ours. It rewrites the lease file in place through one descriptor,
// checking the token read through that same descriptor: if the lease was
// broken and replaced meanwhile (a new file, as Lock always creates), the
// write lands in the unlinked old file and never clobbers the new lease.
// Readers may see a half-written file; they treat it as live and never break
// it (breakLease requires the same bytes twice). Transient I/O errors are
// retried at the next tick.
func (l *Lease) renew() bool {
	f, err := os.OpenFile(l.path, os.O_RDWR, 0)
	if err != nil {
		return !isNotExist(err)
	}
	defer f.Close()
	raw, err := io.ReadAll(f)
	if err != nil {
		return true
	}
	var cur leaseInfo
	if err := json.Unmarshal(raw, &cur); err != nil || cur.Token != l.token {
		return false
	}
	cur.Expires = time.Now().Add(l.ttl).UTC()
	data, err := json.Marshal(&cur)
	if err != nil {
		return true
	}
	data = append(data, '\n')
	if _, err := f.WriteAt(data, 0); err == nil {
		_ = f.Truncate(int64(len(data)))
	}
	return true
}

// Release stops renewal and removes the lease file if it is still this
// lease's. It returns an error wrapping ErrLeaseLost if the lease had been
// taken over. Calling it again does nothing.
func (l *Lease) Release() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.released {
		return nil
	}
	l.released = true
	close(l.stop)
	<-l.done
	f, err := os.Open(l.path)
	if isNotExist(err) {
		return fmt.Errorf("artifacts: release lock %s: %w", l.key.Short(), ErrLeaseLost)
	} else if err != nil {
		return fmt.Errorf("artifacts: release lock %s: %w", l.key.Short(), err)
	}
	defer f.Close()
	var cur leaseInfo
	raw, err := io.ReadAll(f)
	if err == nil {
		err = json.Unmarshal(raw, &cur)
	}
	if err != nil {
		return fmt.Errorf("artifacts: release lock %s: %w", l.key.Short(), err)
	}
	if cur.Token != l.token {
		return fmt.Errorf("artifacts: release lock %s: %w (now held by pid %d on %s)", l.key.Short(), ErrLeaseLost, cur.PID, cur.Host)
	}
	// Remove the file only if the path still names the file we checked.
	fi, err1 := f.Stat()
	pi, err2 := os.Stat(l.path)
	if err1 != nil || err2 != nil || !os.SameFile(fi, pi) {
		return fmt.Errorf("artifacts: release lock %s: %w", l.key.Short(), ErrLeaseLost)
	}
	if err := os.Remove(l.path); err != nil && !isNotExist(err) {
		return fmt.Errorf("artifacts: release lock %s: %w", l.key.Short(), err)
	}
	return nil
}
