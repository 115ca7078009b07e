package artifacts

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"testing"
	"time"
)

// age sets the modification time of an entry's directory and files, or of
// a file, to now-d.
func age(t *testing.T, path string, d time.Duration) {
	t.Helper()
	when := time.Now().Add(-d)
	_ = filepath.Walk(path, func(p string, _ os.FileInfo, err error) error {
		if err == nil {
			if err := os.Chtimes(p, when, when); err != nil {
				t.Fatal(err)
			}
		}
		return nil
	})
}

func writeRun(t *testing.T, s *Store, id string, old bool, keys ...Key) {
	t.Helper()
	j, err := s.NewJournal(id)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if err := j.Append(JournalEntry{Stage: "x", Key: k, Status: StatusRan}); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if old {
		age(t, s.JournalPath(id), 30*24*time.Hour)
	}
}

func doomedKeys(rep *GCReport) []Key {
	var ks []Key
	for _, it := range rep.Doomed {
		ks = append(ks, it.Key)
	}
	return ks
}

// TestCollectKeepsExactlyTheReachable: a store with root, pinned, recent,
// old and unreferenced entries, a leased key, a live run and a fresh entry;
// gc frees exactly the old run's and the unreferenced entries, only with
// Delete.
func TestCollectKeepsExactlyTheReachable(t *testing.T) {
	s := newStore(t, false)
	k := map[string]Key{}
	for _, name := range []string{"root", "pinned", "recent", "old", "orphan", "leased", "live", "fresh"} {
		k[name] = testKey("gc-" + name)
		putTest(t, s, k[name], 5)
		if name != "fresh" {
			age(t, s.Dir(k[name]), 10*24*time.Hour)
		}
	}
	writeRun(t, s, "run-pinned", true, k["pinned"])
	writeRun(t, s, "run-recent", false, k["recent"])
	writeRun(t, s, "run-old", true, k["old"])
	if err := s.Pin("run-pinned"); err != nil {
		t.Fatal(err)
	}
	if err := s.Pin("no-such-run"); err == nil {
		t.Fatal("pinning a missing run succeeded")
	}
	lease, err := s.Lock(context.Background(), k["leased"], time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer lease.Release()
	live, err := s.BeginRun(context.Background(), "run-live", []Key{k["live"]}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer live.End()

	opts := GCOptions{Keep: map[Key]bool{k["root"]: true}, KeepWithin: DefaultKeepWithin, Grace: DefaultGrace}
	want := []Key{k["old"], k["orphan"]}
	sort.Slice(want, func(i, j int) bool { return want[i] < want[j] })
	dry, err := s.Collect(opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := doomedKeys(dry); !reflect.DeepEqual(got, want) {
		t.Fatalf("dry run would free %v, want %v (kept %v)", got, want, dry.Kept)
	}
	wantKept := map[string]int{"root": 1, "pinned run": 1, "recent run": 1, "lease": 1, "live run": 1, "grace": 1}
	if !reflect.DeepEqual(dry.Kept, wantKept) {
		t.Fatalf("kept %v, want %v", dry.Kept, wantKept)
	}
	if dry.Bytes <= 0 || dry.Deleted {
		t.Fatalf("dry run: %d bytes, deleted %v", dry.Bytes, dry.Deleted)
	}
	for _, key := range k {
		if _, err := s.Lookup(key); err != nil {
			t.Fatalf("dry run removed %s: %v", key.Short(), err)
		}
	}

	opts.Delete = true
	rep, err := s.Collect(opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := doomedKeys(rep); !reflect.DeepEqual(got, want) || rep.Bytes != dry.Bytes {
		t.Fatalf("gc freed %v (%d bytes), want %v (%d bytes)", got, rep.Bytes, want, dry.Bytes)
	}
	for name, key := range k {
		_, err := s.Lookup(key)
		gone := errors.Is(err, ErrNotFound)
		if gone != (name == "old" || name == "orphan") {
			t.Fatalf("after gc, %s: %v", name, err)
		}
	}

	// Unpinned, the pinned run's entry goes; a run that ends is no longer live.
	if err := s.Unpin("run-pinned"); err != nil {
		t.Fatal(err)
	}
	live.End()
	_ = lease.Release()
	rep, err = s.Collect(opts)
	if err != nil {
		t.Fatal(err)
	}
	want = []Key{k["pinned"], k["leased"], k["live"]}
	sort.Slice(want, func(i, j int) bool { return want[i] < want[j] })
	if got := doomedKeys(rep); !reflect.DeepEqual(got, want) {
		t.Fatalf("second gc freed %v, want %v", got, want)
	}
}

// TestBeginRunWaitsForGC: while a gc holds its lease, a run cannot start
// (its context ends first); once the gc is done it starts. A second gc is
// refused while one runs.
func TestBeginRunWaitsForGC(t *testing.T) {
	s := newStore(t, false)
	gc, err := s.lockGC(time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.lockGC(time.Minute); !errors.Is(err, ErrGCRunning) {
		t.Fatalf("second gc lock: %v", err)
	}
	if _, err := s.Collect(GCOptions{Delete: true}); !errors.Is(err, ErrGCRunning) {
		t.Fatalf("Collect during a gc: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.BeginRun(ctx, "r", nil, time.Minute); !errors.Is(err, context.Canceled) {
		t.Fatalf("BeginRun during gc: %v, want it to wait until its context ends", err)
	}
	if ents, _ := os.ReadDir(filepath.Join(s.Root(), liveDir)); len(ents) != 0 {
		t.Fatalf("a run that did not start left its marker")
	}
	if err := gc.Release(); err != nil {
		t.Fatal(err)
	}
	r, err := s.BeginRun(context.Background(), "r", nil, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	r.End()
	// A gc lease left by a dead process on this host does not block.
	dead := deadPID(t)
	info := leaseInfo{Host: s.host, PID: dead, Token: "x", Expires: time.Now().Add(time.Hour)}
	if ok, _, err := s.createLease(filepath.Join(s.Root(), locksDir, gcLockName), &info); !ok || err != nil {
		t.Fatal(ok, err)
	}
	r, err = s.BeginRun(context.Background(), "r2", nil, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	r.End()
	if _, err := s.Collect(GCOptions{Delete: true}); err != nil {
		t.Fatalf("gc after a dead gc: %v", err)
	}
}

// TestPidOfAnotherUserIsAlive: kill(pid, 0) on a process of another user
// fails with EPERM, which must count as alive (else a runner would break
// the live lease of a colleague's runner on the same host). Pid 1 belongs
// to root: as root the call succeeds, as anyone else it gives EPERM.
func TestPidOfAnotherUserIsAlive(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no pid checks on this platform")
	}
	if !pidAlive(1) {
		t.Fatal("pidAlive(1) = false")
	}
	if pidAlive(deadPID(t)) {
		t.Fatal("a reaped process counts as alive")
	}
}
