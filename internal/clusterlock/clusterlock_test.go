package clusterlock

import (
	"os"
	"syscall"
	"testing"
)

func TestSharedExcludesExclusive(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	a, err := Shared()
	if err != nil {
		t.Fatal(err)
	}
	b, err := Shared()
	if err != nil {
		t.Fatal("a second shared holder was refused:", err)
	}
	probe := func() bool {
		f, err := os.Open(Path())
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil
	}
	if probe() {
		t.Fatal("exclusive lock taken while shared holders exist")
	}
	a.Release()
	b.Release()
	if !probe() {
		t.Fatal("exclusive lock refused after every holder released")
	}
	x, err := Exclusive()
	if err != nil {
		t.Fatal(err)
	}
	defer x.Release()
	f, _ := os.Open(Path())
	defer f.Close()
	if syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB) == nil {
		t.Error("shared lock taken while an exclusive holder exists")
	}
}
