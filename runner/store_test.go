package runner

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoOpApplyWithoutJournal: a fully cached apply on a store where no
// journal can be written (a read-only store; simulated by a file where the
// runs directory should be, since tests may run as root) succeeds, and one
// with work to do still fails up front.
func TestNoOpApplyWithoutJournal(t *testing.T) {
	f := newFixture(t, basePipeline)
	reg := testRegistry(1)
	if _, _, err := f.apply(reg, 2); err != nil {
		t.Fatal(err)
	}
	runs := filepath.Join(f.store.Root(), "runs")
	if err := os.RemoveAll(runs); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(runs, nil, 0o444); err != nil {
		t.Fatal(err)
	}
	res, ran, err := f.apply(reg, 2)
	if err != nil {
		t.Fatalf("no-op apply without a journal: %v", err)
	}
	if res.Cached != len(allIDs) || len(ran) != 0 || res.JournalPath != "" {
		t.Fatalf("no-op apply: %+v, ran %v", res, ran)
	}
	if _, _, err := f.apply(reg, 2, "inc.delta=9"); err == nil || !strings.Contains(err.Error(), "journal") {
		t.Fatalf("apply with work and no journal = %v, want a journal error", err)
	}
}

// TestApplyCleansStaleTmp: a put-* directory left by a killed run (its pid is
// dead) is deleted when an apply starts, even a no-op one; one of a live
// process stays.
func TestApplyCleansStaleTmp(t *testing.T) {
	f := newFixture(t, basePipeline)
	reg := testRegistry(1)
	if _, _, err := f.apply(reg, 2); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skipf("cannot run true: %v", err)
	}
	host, _ := os.Hostname()
	tmp := filepath.Join(f.store.Root(), "tmp")
	// The store's tmpName format: <kind>.<pid>.<random>.<host>.
	stale := filepath.Join(tmp, fmt.Sprintf("put-0123456789ab.%d.00ff00ff00ff00ff.%s", cmd.Process.Pid, safeHostForTest(host)))
	live := filepath.Join(tmp, fmt.Sprintf("put-0123456789ab.%d.11ff00ff00ff00ff.%s", os.Getpid(), safeHostForTest(host)))
	for _, d := range []string{stale, live} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "table.arrow"), []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if res, _, err := f.apply(reg, 2); err != nil || res.Ran != 0 {
		t.Fatalf("no-op apply: %+v, %v", res, err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale put dir of a dead pid still there (%v)", err)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("put dir of a live process removed: %v", err)
	}
}

// safeHostForTest maps a host name as the store does in temporary names.
func safeHostForTest(h string) string {
	b := []byte(h)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			b[i] = '-'
		}
	}
	if len(b) > 64 {
		b = b[:64]
	}
	return string(b)
}
