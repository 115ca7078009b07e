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
	// treated as stale on a file system without hard links, where a lease is
	// created with O_EXCL and may be read while half written. With hard
	// links (the normal case) a lease appears whole, and renewal replaces it
	// whole, so an empty or unparseable lease file has no live holder and is
	// broken at once.
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
	// written is when this process last wrote the lease file (creation or
	// renewal); renewLoop sets it, Release reads it after renewLoop ends.
	written  time.Time
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
// (5 ms to 500 ms), honouring ctx. A lease is stale when it has expired,
// when it was taken on this host by a process that no longer exists, or when
// the file is empty or unparseable (no live holder can show that, since
// renewal too replaces the file whole); a waiter breaks a stale lease under
// a short-lived <key>.lock.break mutex, re-reading it first, so two waiters
// never both break one lease and a renewed lease is never broken. Renewal
// takes that mutex too, and so does Release of a lease last written ttl/2
// ago or more.
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
		ok, linked, err := s.createLease(l.path, &info)
		if err != nil {
			return nil, fmt.Errorf("artifacts: lock %s: %w", key.Short(), err)
		}
		if ok {
			l.acquired = now
			l.written = time.Now()
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
			// Unreadable: empty or garbage (a holder killed while creating it
			// with an older runner, a damaged disk). Leases are created and
			// renewed whole through hard links and renames, so no live holder
			// can show this: break it at once. Only where hard links are
			// unavailable (our own attempt fell back to O_EXCL) may it be a
			// lease being written, and then it must first be old.
			stale := linked
			if !stale {
				fi, serr := os.Stat(l.path)
				stale = serr == nil && time.Since(fi.ModTime()) > badLeaseGrace
			}
			if stale {
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
// reports whether it did (false: the file exists) and whether it used a hard
// link. The content is written to a temporary file in the locks directory,
// fsynced, and hard-linked to path, which fails if path exists: the lease
// appears whole or not at all, so a crash never leaves an empty or half
// written lease. File systems without hard links fall back to O_EXCL.
func (s *Store) createLease(path string, info *leaseInfo) (ok, linked bool, err error) {
	data, err := json.Marshal(info)
	if err != nil {
		return false, false, err
	}
	data = append(data, '\n')
	tmp, err := s.writeLeaseTemp(filepath.Dir(path), data)
	if err != nil {
		return false, false, err
	}
	err = os.Link(tmp, path)
	_ = os.Remove(tmp)
	switch {
	case err == nil:
		return true, true, nil
	case errors.Is(err, os.ErrExist):
		return false, true, nil
	}
	// No hard links here (EPERM, ENOTSUP, ...): exclusive create, content
	// written just after. A reader that catches it half written sees a fresh
	// mtime and waits badLeaseGrace before breaking it.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return false, false, nil
		}
		return false, false, err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return false, false, err
	}
	return true, false, nil
}

// writeLeaseTemp writes data to a new temporary file in dir and returns its
// path. Leftovers (a crash between write and link) do not end in ".lock" and
// are deleted by GC's cleanLocks. It is not fsynced: a killed process leaves
// its written bytes in the page cache, whole, and after a power loss, the one
// case fsync would cover, an empty or torn lease is broken at once (its
// holder is gone with the machine), so the sync would cost a disk flush per
// stage for nothing.
func (s *Store) writeLeaseTemp(dir string, data []byte) (string, error) {
	tmp := filepath.Join(dir, s.tmpName("lease"))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(tmp)
		return "", err
	}
	return tmp, nil
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
//
// Every change to an existing lease file (break, renew, release) happens
// under that mutex, and a new lease can only be linked where none exists, so
// the file cannot change between the re-read and the removal.
func (s *Store) breakLease(path string, seen []byte) (bool, error) {
	unlock, ok, err := tryLeaseMutex(path)
	if !ok || err != nil {
		return false, err
	}
	defer unlock()
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

// tryLeaseMutex takes the <path>.break mutex without waiting. ok is false
// when someone else holds it; an abandoned one (older than breakGrace) is
// cleared for the next try.
func tryLeaseMutex(path string) (unlock func(), ok bool, err error) {
	bpath := path + ".break"
	f, err := os.OpenFile(bpath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			if fi, serr := os.Stat(bpath); serr == nil && time.Since(fi.ModTime()) > breakGrace {
				_ = os.Remove(bpath)
			}
			return nil, false, nil
		}
		return nil, false, err
	}
	_ = f.Close()
	return func() { _ = os.Remove(bpath) }, true, nil
}

// leaseMutex takes the <path>.break mutex, retrying for up to max; ok is
// false if it could not.
func leaseMutex(path string, max time.Duration) (unlock func(), ok bool) {
	deadline := time.Now().Add(max)
	d := time.Millisecond
	for {
		unlock, ok, err := tryLeaseMutex(path)
		if ok {
			return unlock, true
		}
		if err != nil || time.Now().After(deadline) {
			return nil, false
		}
		time.Sleep(d)
		if d *= 2; d > 50*time.Millisecond {
			d = 50 * time.Millisecond
		}
	}
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
// longer ours. Under the lease's break mutex (so nobody breaks or releases
// it meanwhile) it re-reads the file, checks the token, and renames a new
// whole file over it: readers never see a half-written lease. Transient
// errors, and a mutex busy for long, are retried at the next tick.
func (l *Lease) renew() bool {
	unlock, ok := leaseMutex(l.path, l.ttl/10)
	if !ok {
		return true
	}
	defer unlock()
	raw, err := os.ReadFile(l.path)
	if err != nil {
		return !isNotExist(err)
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
	tmp, err := l.s.writeLeaseTemp(filepath.Dir(l.path), append(data, '\n'))
	if err != nil {
		return true
	}
	if err := os.Rename(tmp, l.path); err != nil {
		_ = os.Remove(tmp)
		return true
	}
	l.written = time.Now()
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
	// Under the break mutex, so that the file checked is the file removed,
	// unless the file was written less than ttl/2 ago: nobody can judge it
	// stale then (it has not expired, even on a clock off by ttl/2, and
	// its holder is alive), so nobody breaks it, and no new lease can be
	// linked while it exists. Most stages end well within ttl/2, and the
	// mutex is a file created and removed per stage. A mutex held for long
	// is an abandoned one being cleared; past that, go on without it (the
	// SameFile check below still applies).
	if time.Since(l.written) >= l.ttl/2 {
		if unlock, ok := leaseMutex(l.path, 2*breakGrace); ok {
			defer unlock()
		}
	}
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
