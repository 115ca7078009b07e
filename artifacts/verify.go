package artifacts

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// quarantineDir holds what VerifyStore moved out of objects/:
// quarantine/<run>/<shard>/<key> and a reasons.txt per run. Nothing reads
// it; GC leaves it alone. Delete it by hand once looked at.
const quarantineDir = "quarantine"

// Damage is one problem found by VerifyStore.
type Damage struct {
	Key    Key    // the damaged entry; "" for a stray item that is no entry
	Path   string // relative to the store root, as found
	Reason string
	// Quarantined is where the item was moved, relative to the store root;
	// "" when only reported.
	Quarantined string
}

// VerifyReport is the result of VerifyStore.
type VerifyReport struct {
	Entries int // entry directories checked
	// Legacy counts the intact entries with a format-1 manifest (written
	// before manifests carried their own digest): their files are verified,
	// an edit of their manifest cannot be.
	Legacy  int
	Damaged []Damage // in path order
	// QuarantineDir is the folder of this run's quarantined items, relative
	// to the store root; "" when nothing was moved.
	QuarantineDir string
}

// VerifyOptions configure VerifyStore.
type VerifyOptions struct {
	// Keys limits the check to these entries; nil checks the whole store,
	// including items of objects/ that are not entries.
	Keys []Key
	// ReportOnly reports damage without moving anything.
	ReportOnly bool
}

// VerifyStore fully checks entries: the manifest is present, parses, names
// its key and matches its own digest, and every output file exists with its
// recorded size and SHA-256. Without Keys it also reports stray items under
// objects/: files or directories whose names are not shards or keys (a
// partial copy, a key in the wrong shard).
//
// Unless ReportOnly, every damaged item is moved into
// <root>/quarantine/<run>/, so the next apply sees the entry missing and
// recomputes exactly it (its consumers stay cached: their keys do not
// change). A damaged entry is moved under its key lock after a second check,
// so an entry that a runner is replacing meanwhile is left alone, and a
// runner reading it during the move recovers it like any missing input.
//
// The returned error is for I/O trouble that stopped the check; damage is in
// the report.
func (s *Store) VerifyStore(ctx context.Context, opts VerifyOptions) (*VerifyReport, error) {
	rep := &VerifyReport{}
	check := func(k Key) error {
		legacy, err := s.verifyEntry(k)
		switch {
		case err == nil:
			rep.Entries++
			if legacy {
				rep.Legacy++
			}
		case errors.Is(err, ErrNotFound):
			// Removed since listed (or never there): nothing to check.
		case errors.Is(err, ErrCorrupt):
			rep.Entries++
			var ce *CorruptError
			reason := err.Error()
			if errors.As(err, &ce) {
				reason = ce.Reason
			}
			rep.Damaged = append(rep.Damaged, Damage{Key: k, Path: s.rel(s.Dir(k)), Reason: reason})
		default:
			return err
		}
		return nil
	}
	if opts.Keys != nil {
		for _, k := range opts.Keys {
			if err := checkKey("verify", k); err != nil {
				return nil, err
			}
			if err := check(k); err != nil {
				return nil, err
			}
		}
	} else if err := s.walkObjects(check, func(path, reason string) {
		rep.Damaged = append(rep.Damaged, Damage{Path: s.rel(path), Reason: reason})
	}); err != nil {
		return nil, err
	}
	sort.Slice(rep.Damaged, func(i, j int) bool { return rep.Damaged[i].Path < rep.Damaged[j].Path })
	if opts.ReportOnly || len(rep.Damaged) == 0 {
		return rep, nil
	}
	return rep, s.quarantine(ctx, rep)
}

// verifyEntry is Verify, also telling whether the manifest is format 1.
func (s *Store) verifyEntry(k Key) (legacy bool, err error) {
	m, legacy, err := s.lookup(k)
	if err != nil {
		return false, err
	}
	return legacy, s.verifyFiles(k, m)
}

// walkObjects calls entry for every objects/<shard>/<key> directory and
// stray for everything else below objects/.
func (s *Store) walkObjects(entry func(Key) error, stray func(path, reason string)) error {
	shards, err := os.ReadDir(s.objects)
	if err != nil {
		return fmt.Errorf("artifacts: verify: %w", err)
	}
	for _, sh := range shards {
		shardDir := filepath.Join(s.objects, sh.Name())
		if !sh.IsDir() || !isShard(sh.Name()) {
			stray(shardDir, "not a shard directory (want two lowercase hex digits)")
			continue
		}
		ents, err := os.ReadDir(shardDir)
		if err != nil {
			if isNotExist(err) {
				continue
			}
			return fmt.Errorf("artifacts: verify: %w", err)
		}
		for _, e := range ents {
			name, p := e.Name(), filepath.Join(shardDir, e.Name())
			switch {
			case !e.IsDir():
				stray(p, "a file where entry directories belong")
			case !validKey(name):
				stray(p, "not an entry: its name is not a key (a partial or foreign copy?)")
			case name[:2] != sh.Name():
				stray(p, "entry in the wrong shard")
			default:
				if err := entry(Key(name)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func isShard(name string) bool {
	return len(name) == 2 && validKey(name+strings.Repeat("0", KeyLen-2))
}

// rel returns path relative to the store root.
func (s *Store) rel(path string) string {
	if r, err := filepath.Rel(s.root, path); err == nil {
		return r
	}
	return path
}

// quarantine moves the damaged items of rep into a fresh
// quarantine/<run>/ and writes reasons.txt there.
func (s *Store) quarantine(ctx context.Context, rep *VerifyReport) error {
	run := time.Now().UTC().Format("20060102T150405Z") + "-" + randHex(3)
	qdir := filepath.Join(s.root, quarantineDir, run)
	var reasons strings.Builder
	kept := rep.Damaged[:0]
	for _, d := range rep.Damaged {
		src := filepath.Join(s.root, d.Path)
		rel, err := filepath.Rel(s.objects, src)
		if err != nil || strings.HasPrefix(rel, "..") {
			return fmt.Errorf("artifacts: quarantine %s: outside objects/", d.Path)
		}
		dst := filepath.Join(qdir, rel)
		moved, err := s.quarantineOne(ctx, d, src, dst)
		if err != nil {
			return err
		}
		if !moved {
			continue // replaced or removed meanwhile: nothing to report
		}
		d.Quarantined = s.rel(dst)
		fmt.Fprintf(&reasons, "%s\t%s\n", d.Path, d.Reason)
		kept = append(kept, d)
	}
	rep.Damaged = kept
	if reasons.Len() == 0 {
		return nil
	}
	rep.QuarantineDir = s.rel(qdir)
	if err := os.WriteFile(filepath.Join(qdir, "reasons.txt"), []byte(reasons.String()), 0o644); err != nil {
		return fmt.Errorf("artifacts: quarantine: %w", err)
	}
	return nil
}

// quarantineOne moves one damaged item; for an entry, under its key lock
// and only if it is still damaged.
func (s *Store) quarantineOne(ctx context.Context, d Damage, src, dst string) (bool, error) {
	if d.Key != "" {
		l, err := s.Lock(ctx, d.Key, 0)
		if err != nil {
			return false, fmt.Errorf("artifacts: quarantine %s: %w", d.Key.Short(), err)
		}
		defer l.Release()
		if _, err := s.verifyEntry(d.Key); err == nil || errors.Is(err, ErrNotFound) {
			return false, nil
		}
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return false, fmt.Errorf("artifacts: quarantine: %w", err)
	}
	if err := os.Rename(src, dst); err != nil {
		if isNotExist(err) {
			return false, nil
		}
		return false, fmt.Errorf("artifacts: quarantine %s: %w", d.Path, err)
	}
	return true, nil
}
