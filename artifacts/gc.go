package artifacts

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// tmpGrace is how old (by the newest modification time inside) a temporary
// item of another host, or of an unknown owner, must be before GC deletes it.
// Items of dead processes on this host are deleted at once.
const tmpGrace = time.Hour

// GC removes every entry whose key is not in keep (damaged entries
// included), temporary items left by crashed writers, and lease files that
// expired long ago. It returns the removed keys in lexical order and the
// bytes freed (entries and temporary items).
//
// GC does not coordinate with runners that are writing: an entry that a
// concurrent apply has just stored is removed if it is not in keep. Collect
// is the collector that is safe beside running applies; GC is for tests and
// for stores nobody else uses.
func (s *Store) GC(keep map[Key]bool) (removed []Key, freed int64, err error) {
	var doomed []Key
	if err := s.walkEntries(func(k Key, _ string) error {
		if !keep[k] {
			doomed = append(doomed, k)
		}
		return nil
	}); err != nil {
		return nil, 0, fmt.Errorf("artifacts: gc: %w", err)
	}
	sort.Slice(doomed, func(i, j int) bool { return doomed[i] < doomed[j] })
	for _, k := range doomed {
		n, err := s.remove(k)
		if err != nil {
			return removed, freed, fmt.Errorf("artifacts: gc: %w", err)
		}
		removed = append(removed, k)
		freed += n
	}
	n, err := s.cleanTmp(time.Now())
	freed += n
	if err != nil {
		return removed, freed, fmt.Errorf("artifacts: gc: %w", err)
	}
	s.cleanLocks(time.Now())
	return removed, freed, nil
}

// cleanTmp deletes stale items of <root>/tmp.
func (s *Store) cleanTmp(now time.Time) (int64, error) {
	dir := filepath.Join(s.root, tmpDir)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	var freed int64
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		if !s.tmpStale(e.Name(), p, now) {
			continue
		}
		n := dirSize(p)
		if err := os.RemoveAll(p); err != nil {
			return freed, err
		}
		freed += n
	}
	return freed, nil
}

// tmpStale reports whether the temporary item name at path can be deleted.
func (s *Store) tmpStale(name, path string, now time.Time) bool {
	if pid, host, ok := parseTmpName(name); ok && host == safeHost(s.host) && pid != os.Getpid() && !pidAlive(pid) {
		return true
	}
	return now.Sub(newestMtime(path)) > tmpGrace
}

// newestMtime returns the newest modification time of path and, if it is a
// directory, of its direct children (a writer appending to a big file keeps
// the file's time fresh but not the directory's).
func newestMtime(path string) time.Time {
	fi, err := os.Lstat(path)
	if err != nil {
		return time.Time{}
	}
	t := fi.ModTime()
	if fi.IsDir() {
		ents, _ := os.ReadDir(path)
		for _, e := range ents {
			if ci, err := e.Info(); err == nil && ci.ModTime().After(t) {
				t = ci.ModTime()
			}
		}
	}
	return t
}

// cleanLocks deletes lease files that expired more than tmpGrace ago and
// leftover temporary lease files; errors are ignored (locks are re-checked
// by every Lock call anyway).
func (s *Store) cleanLocks(now time.Time) {
	dir := filepath.Join(s.root, locksDir)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		name := e.Name()
		p := filepath.Join(dir, name)
		switch {
		case strings.HasSuffix(name, ".lock"):
			l, raw, err := readLease(p)
			if err == nil && now.Sub(l.Expires) > tmpGrace {
				// Same care as breaking a stale lease in Lock.
				_, _ = s.breakLease(p, raw)
			}
		default:
			if now.Sub(newestMtime(p)) > tmpGrace {
				_ = os.Remove(p)
			}
		}
	}
}
