package artifacts

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// The test binary re-executes itself as a helper process when this variable
// names a mode (see helperMain).
const helperEnv = "ARTIFACTS_TEST_HELPER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		if err := helperMain(mode, os.Getenv("ARTIFACTS_TEST_ROOT"), os.Getenv("ARTIFACTS_TEST_KEY")); err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func helperMain(mode, root, key string) error {
	s, err := Open(root)
	if err != nil {
		return err
	}
	k, err := ParseKey(key)
	if err != nil {
		return err
	}
	switch mode {
	case "lockput": // the runner's protocol: lock, look up, compute once, put
		return lockAndCompute(s, k, filepath.Join(root, "computed.log"))
	case "put": // racing Puts of the same keys, no lock
		for i := 0; i < 10; i++ {
			putTest(helperTB{}, s, testKey(fmt.Sprint(key, i)), 200)
		}
		return nil
	case "journalfull": // append to a journal under a small file size limit
		return journalFullHelper(s)
	case "hold": // take the lock and hang until killed
		if _, err := s.Lock(context.Background(), k, time.Minute); err != nil {
			return err
		}
		fmt.Println("locked")
		select {}
	}
	return fmt.Errorf("unknown mode %q", mode)
}

// lockAndCompute is what a runner does for one stage: under the key's lease,
// compute only if the entry is missing. Each computation appends a line to
// logPath.
func lockAndCompute(s *Store, k Key, logPath string) error {
	l, err := s.Lock(context.Background(), k, 2*time.Second)
	if err != nil {
		return err
	}
	defer l.Release()
	if _, err := s.Lookup(k); err == nil {
		return nil
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}
	f, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	fmt.Fprintf(f, "computed by %d\n", os.Getpid())
	f.Close()
	time.Sleep(50 * time.Millisecond) // widen the window
	rec := testRecord(memory.DefaultAllocator, 100, 0)
	defer rec.Release()
	_, err = s.Put(testManifest(k), map[string]arrow.RecordBatch{"out": rec})
	return err
}

// helperTB lets putTest run in a helper process.
type helperTB struct{ testing.TB }

func (helperTB) Helper()             {}
func (helperTB) Fatal(args ...any)   { panic(fmt.Sprint(args...)) }
func (helperTB) TempDir() string     { return os.TempDir() }
func (helperTB) Logf(string, ...any) {}

func helperCmd(t *testing.T, mode, root string, key Key) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, "ARTIFACTS_TEST_ROOT="+root, "ARTIFACTS_TEST_KEY="+string(key))
	cmd.Stderr = os.Stderr
	return cmd
}

func computedLines(t *testing.T, root string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "computed.log"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(data)), "\n")
}

func TestLockGoroutinesComputeOnce(t *testing.T) {
	s := newStore(t, false)
	k := testKey("goroutines")
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- lockAndCompute(s, k, filepath.Join(s.Root(), "computed.log"))
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if lines := computedLines(t, s.Root()); len(lines) != 1 {
		t.Errorf("computed %d times: %v", len(lines), lines)
	}
	if err := s.Verify(k); err != nil {
		t.Error(err)
	}
	if ents, _ := os.ReadDir(filepath.Join(s.Root(), locksDir)); len(ents) != 0 {
		t.Errorf("lock files left: %v", ents)
	}
}

func TestLockProcessesComputeOnce(t *testing.T) {
	s := newStore(t, false)
	k := testKey("processes")
	var cmds []*exec.Cmd
	for i := 0; i < 3; i++ {
		cmd := helperCmd(t, "lockput", s.Root(), k)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("helper: %v", err)
		}
	}
	if lines := computedLines(t, s.Root()); len(lines) != 1 {
		t.Errorf("computed %d times: %v", len(lines), lines)
	}
	if err := s.Verify(k); err != nil {
		t.Error(err)
	}
}

func TestConcurrentPutProcesses(t *testing.T) {
	s := newStore(t, false)
	base := testKey("racing-puts")
	var cmds []*exec.Cmd
	for i := 0; i < 2; i++ {
		cmd := helperCmd(t, "put", s.Root(), base)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("helper: %v", err)
		}
	}
	keys, err := s.List()
	if err != nil || len(keys) != 10 {
		t.Fatalf("List = %d keys, %v; want 10", len(keys), err)
	}
	for _, k := range keys {
		if err := s.Verify(k); err != nil {
			t.Error(err)
		}
	}
	if ents, _ := os.ReadDir(filepath.Join(s.Root(), tmpDir)); len(ents) != 0 {
		t.Errorf("tmp not empty: %v", ents)
	}
}

// writeLease plants a lease file as another holder would.
func writeLease(t *testing.T, s *Store, k Key, l leaseInfo) string {
	t.Helper()
	l.Key = k
	if l.Token == "" {
		l.Token = "planted"
	}
	data, _ := json.Marshal(l)
	p := filepath.Join(s.Root(), locksDir, string(k)+".lock")
	// A new file, as every holder creates one.
	if err := os.WriteFile(p+".planting", data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(p+".planting", p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLockBreaksDeadHolder(t *testing.T) {
	s := newStore(t, false)
	k := testKey("dead-holder")
	cmd := helperCmd(t, "hold", s.Root(), k)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if line, _ := bufio.NewReader(out).ReadString('\n'); line != "locked\n" {
		t.Fatalf("helper said %q", line)
	}
	// Held by a live process: not available.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	_, err := s.Lock(ctx, k, time.Second)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Lock while held by a live process = %v", err)
	}
	// Killed (its lease has 1 minute left): broken at once.
	cmd.Process.Kill()
	cmd.Wait()
	ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	l, err := s.Lock(ctx, k, time.Second)
	if err != nil {
		t.Fatalf("Lock after holder died: %v", err)
	}
	t.Logf("took over a dead holder's lease in %v", time.Since(start))
	if err := l.Release(); err != nil {
		t.Error(err)
	}
}

func TestLockStaleLeases(t *testing.T) {
	s := newStore(t, false)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for name, l := range map[string]leaseInfo{
		"expired elsewhere": {Host: "elsewhere", PID: 1, Expires: time.Now().Add(-time.Second)},
		"dead pid here":     {Host: s.host, PID: deadPID(t), Expires: time.Now().Add(time.Hour)},
	} {
		k := testKey(name)
		writeLease(t, s, k, l)
		lease, err := s.Lock(ctx, k, time.Second)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := lease.Release(); err != nil {
			t.Errorf("%s: Release: %v", name, err)
		}
	}
	// A live lease elsewhere is respected until it expires.
	k := testKey("live elsewhere")
	writeLease(t, s, k, leaseInfo{Host: "elsewhere", PID: 1, Expires: time.Now().Add(300 * time.Millisecond)})
	short, cancelShort := context.WithTimeout(ctx, 100*time.Millisecond)
	_, err := s.Lock(short, k, time.Second)
	cancelShort()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Lock of a live lease = %v", err)
	}
	lease, err := s.Lock(ctx, k, time.Second)
	if err != nil {
		t.Fatalf("Lock after expiry: %v", err)
	}
	lease.Release()
}

// TestLockBreaksEmptyAndGarbageLeases: leases are created whole (temp file,
// hard link), so an empty file (a holder killed by an older runner between
// create and write, or `: > KEY.lock`) or an unparseable one has no live
// holder and is broken at once, not after a grace period.
func TestLockBreaksEmptyAndGarbageLeases(t *testing.T) {
	s := newStore(t, false)
	for name, content := range map[string]string{"empty": "", "garbage": "{half", "binary": "\x00\xff\x00"} {
		k := testKey(name)
		p := filepath.Join(s.Root(), locksDir, string(k)+".lock")
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		// Fresh mtime: the old rule would wait 30 s. A context far below
		// that shows it is broken without waiting for age.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		l, err := s.Lock(ctx, k, time.Second)
		cancel()
		if err != nil {
			t.Fatalf("%s lease: Lock = %v, want it broken at once", name, err)
		}
		cur, _, err := readLease(p)
		if err != nil || cur.Token != l.token {
			t.Errorf("%s lease: lease file after Lock = %+v, %v", name, cur, err)
		}
		if err := l.Release(); err != nil {
			t.Errorf("%s lease: Release: %v", name, err)
		}
	}
}

// TestLeaseFilesAlwaysWhole reads a lease file over and over while it is
// renewed many times: every read parses (creation and renewal replace the
// file whole), so a reader can never mistake a live lease for garbage.
func TestLeaseFilesAlwaysWhole(t *testing.T) {
	s := newStore(t, false)
	k := testKey("whole")
	l, err := s.Lock(context.Background(), k, 30*time.Millisecond) // renewed every 10 ms
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(s.Root(), locksDir, string(k)+".lock")
	for i := 0; i < 2000; i++ {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
		var cur leaseInfo
		if err := json.Unmarshal(raw, &cur); err != nil || cur.Token != l.token {
			t.Fatalf("read %d: lease file %q: %v", i, raw, err)
		}
	}
	select {
	case <-l.Lost():
		t.Fatal("lease lost")
	default:
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	// No temporary lease files are left behind.
	ents, _ := os.ReadDir(filepath.Join(s.Root(), locksDir))
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "lease.") {
			t.Errorf("leftover %s", e.Name())
		}
	}
}

// TestLockStaleBrokenOnce has many waiters find one stale lease at once:
// exactly one may hold the lock at any time.
func TestLockStaleBrokenOnce(t *testing.T) {
	s := newStore(t, false)
	k := testKey("herd")
	writeLease(t, s, k, leaseInfo{Host: "elsewhere", PID: 1, Expires: time.Now().Add(-time.Minute)})
	var holders, maxHolders, done atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := s.Lock(context.Background(), k, time.Second)
			if err != nil {
				t.Error(err)
				return
			}
			n := holders.Add(1)
			for {
				m := maxHolders.Load()
				if n <= m || maxHolders.CompareAndSwap(m, n) {
					break
				}
			}
			time.Sleep(5 * time.Millisecond)
			holders.Add(-1)
			if err := l.Release(); err != nil {
				t.Error(err)
			}
			done.Add(1)
		}()
	}
	wg.Wait()
	if maxHolders.Load() != 1 || done.Load() != 6 {
		t.Errorf("max concurrent holders %d, done %d; want 1 and 6", maxHolders.Load(), done.Load())
	}
}

func TestLeaseRenewedAndLost(t *testing.T) {
	s := newStore(t, false)
	k := testKey("renew")
	ttl := 300 * time.Millisecond
	l, err := s.Lock(context.Background(), k, ttl)
	if err != nil {
		t.Fatal(err)
	}
	// Held for three ttls: renewal keeps others out.
	ctx, cancel := context.WithTimeout(context.Background(), 3*ttl)
	_, err = s.Lock(ctx, k, ttl)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second Lock during a renewed lease = %v", err)
	}
	select {
	case <-l.Lost():
		t.Fatal("lease reported lost")
	default:
	}
	// Someone else takes it over (as if we had stalled): Lost fires and
	// Release leaves their lease alone. A real taker holds the break mutex
	// while it replaces the file, as renewals do; without it a renewal
	// that read the file just before could rename its copy over the thief's.
	unlock, ok := leaseMutex(filepath.Join(s.Root(), locksDir, string(k)+".lock"), 5*time.Second)
	if !ok {
		t.Fatal("break mutex not taken")
	}
	p := writeLease(t, s, k, leaseInfo{Host: "elsewhere", PID: 1, Token: "thief", Expires: time.Now().Add(time.Hour)})
	unlock()
	select {
	case <-l.Lost():
	case <-time.After(5 * ttl):
		t.Fatal("Lost not signalled")
	}
	if err := l.Release(); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("Release = %v, want ErrLeaseLost", err)
	}
	if cur, _, err := readLease(p); err != nil || cur.Token != "thief" {
		t.Errorf("Release removed someone else's lease: %+v, %v", cur, err)
	}
	if err := l.Release(); err != nil {
		t.Errorf("second Release = %v", err)
	}
}

func TestLockCancelled(t *testing.T) {
	s := newStore(t, false)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Lock(ctx, testKey("c"), time.Second); !errors.Is(err, context.Canceled) {
		t.Errorf("Lock(cancelled) = %v", err)
	}
	if _, err := s.Lock(context.Background(), "bad", time.Second); err == nil {
		t.Error("Lock(invalid key) succeeded")
	}
}

// A lease released soon after it was written needs no break mutex (nobody
// can judge it stale): an abandoned mutex file does not hold its Release up,
// and is left for the next breaker to clear. One written ttl/2 ago or more is
// released under the mutex, which clears the abandoned one first.
func TestReleaseTakesBreakMutexOnlyForOldLeases(t *testing.T) {
	s := newStore(t, false)
	for _, tc := range []struct {
		name      string
		age       time.Duration
		wantBreak bool // the abandoned mutex is still there after Release
	}{
		{"fresh", 0, true},
		{"old", time.Hour, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := testKey("release-" + tc.name)
			l, err := s.Lock(context.Background(), k, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			bpath := filepath.Join(s.Root(), locksDir, string(k)+".lock.break")
			if err := os.WriteFile(bpath, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			// Abandoned: older than breakGrace.
			old := time.Now().Add(-2 * breakGrace)
			if err := os.Chtimes(bpath, old, old); err != nil {
				t.Fatal(err)
			}
			l.written = l.written.Add(-tc.age)
			if err := l.Release(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(s.Root(), locksDir, string(k)+".lock")); !os.IsNotExist(err) {
				t.Errorf("lease file after Release: %v", err)
			}
			if _, err := os.Stat(bpath); (err == nil) != tc.wantBreak {
				t.Errorf("break mutex file after Release: %v, want it there: %v", err, tc.wantBreak)
			}
		})
	}
}
