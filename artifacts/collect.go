package artifacts

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"time"
)

// GCOptions say what Collect keeps.
type GCOptions struct {
	// Keep are root keys, such as those of the pipelines a user named.
	Keep map[Key]bool
	// KeepWithin keeps every key listed by a run whose journal was modified
	// within this window (0 keeps no run for its age).
	KeepWithin time.Duration
	// Grace keeps every entry whose directory or files were modified within
	// this window: entries just written or imported by anyone.
	Grace time.Duration
	// Delete removes what is not kept; without it Collect only reports.
	Delete bool
	// Now is the reference time (zero: time.Now()).
	Now time.Time
}

// DefaultKeepWithin and DefaultGrace are the CLI's defaults.
const (
	DefaultKeepWithin = 7 * 24 * time.Hour
	DefaultGrace      = time.Hour
)

// GCItem is one entry that Collect removes (or would remove).
type GCItem struct {
	Key     Key
	Bytes   int64
	Kind    string // from the manifest; empty for a damaged entry
	Stage   string
	Created time.Time
	Damaged string // why the entry is damaged, if it is
}

// GCReport says what Collect kept and removed.
type GCReport struct {
	Doomed []GCItem // removed, or to be removed, in key order
	Bytes  int64    // their total size
	// Kept counts the entries kept, by the first reason that applied:
	// "root", "pinned run", "recent run", "live run", "lease", "grace".
	Kept     map[string]int
	LiveRuns []string // runs found running
	Deleted  bool
	// TmpFreed is what removing stale temporary items freed (Delete only).
	TmpFreed int64
}

// Collect is the garbage collector that is safe beside running applies and
// other runners sharing the store. It keeps an entry when it is
//   - a root (opts.Keep),
//   - listed by the journal of a pinned run, or of a run whose journal
//     changed within opts.KeepWithin,
//   - named by a live-run marker (see BeginRun) or held by a live key lease,
//   - modified within opts.Grace,
//
// and reports every other entry. With opts.Delete it holds the gc lease
// (so that applies starting meanwhile wait; see BeginRun), removes the
// reported entries, stale temporary items, long-expired leases and dead
// live-run markers. A journal that cannot be read stops it before anything
// is removed.
func (s *Store) Collect(opts GCOptions) (*GCReport, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	rep := &GCReport{Kept: map[string]int{}}
	if opts.Delete {
		if err := s.checkWritable("gc"); err != nil {
			return nil, err
		}
		lease, err := s.lockGC(DefaultLeaseTTL)
		if err != nil {
			return nil, err
		}
		defer lease.Release()
	}

	reasons := map[Key]string{}
	mark := func(keys map[Key]bool, why string) {
		for k := range keys {
			if _, ok := reasons[k]; !ok {
				reasons[k] = why
			}
		}
	}
	mark(opts.Keep, "root")
	// Live runs first: after the gc lease is held, no new run decides
	// anything until Collect returns.
	live, liveIDs, dead, err := s.liveRuns(now)
	if err != nil {
		return nil, fmt.Errorf("artifacts: gc: %w", err)
	}
	rep.LiveRuns = liveIDs
	runs, err := s.Runs()
	if err != nil {
		return nil, fmt.Errorf("artifacts: gc: %w", err)
	}
	isLive := map[string]bool{}
	for _, id := range liveIDs {
		isLive[id] = true
	}
	for _, r := range runs {
		why := ""
		switch {
		case r.Pinned:
			why = "pinned run"
		case isLive[r.ID]:
			why = "live run"
		case opts.KeepWithin > 0 && now.Sub(r.Modified) <= opts.KeepWithin:
			why = "recent run"
		default:
			continue
		}
		keys, err := s.RunKeys(r.ID)
		if err != nil {
			return nil, fmt.Errorf("artifacts: gc: run %s: %w", r.ID, err)
		}
		mark(keys, why)
	}
	mark(live, "live run")
	mark(s.leasedKeys(now), "lease")

	err = s.walkEntries(func(k Key, dir string) error {
		if why, ok := reasons[k]; ok {
			rep.Kept[why]++
			return nil
		}
		if opts.Grace > 0 && now.Sub(newestMtime(dir)) <= opts.Grace {
			rep.Kept["grace"]++
			return nil
		}
		it := GCItem{Key: k, Bytes: dirSize(dir)}
		if m, err := s.Lookup(k); err == nil {
			it.Kind, it.Stage, it.Created = m.Kind, m.Stage, m.Created
		} else if errors.Is(err, ErrCorrupt) {
			it.Damaged = err.Error()
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		rep.Doomed = append(rep.Doomed, it)
		rep.Bytes += it.Bytes
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("artifacts: gc: %w", err)
	}
	sort.Slice(rep.Doomed, func(i, j int) bool { return rep.Doomed[i].Key < rep.Doomed[j].Key })
	if !opts.Delete {
		return rep, nil
	}
	rep.Deleted = true
	for _, it := range rep.Doomed {
		if _, err := s.remove(it.Key); err != nil {
			return rep, fmt.Errorf("artifacts: gc: %w", err)
		}
	}
	n, err := s.cleanTmp(now)
	rep.TmpFreed = n
	if err != nil {
		return rep, fmt.Errorf("artifacts: gc: %w", err)
	}
	s.cleanLocks(now)
	for _, p := range dead {
		_ = os.Remove(p)
	}
	return rep, nil
}
