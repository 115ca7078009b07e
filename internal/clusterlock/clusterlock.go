package clusterlock

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// Path is the lock file, in the temporary directory that the local
// cluster's nodes share with the tests.
func Path() string { return filepath.Join(os.TempDir(), "runner-slurm-cluster.lock") }

// Lock is a held cluster lock. The kernel drops it when the process ends.
type Lock struct{ f *os.File }

// Shared blocks until no test holds the lock exclusive, then holds it
// shared.
func Shared() (*Lock, error) { return take(syscall.LOCK_SH) }

// Exclusive blocks until no other test holds the lock, then holds it alone.
func Exclusive() (*Lock, error) { return take(syscall.LOCK_EX) }

func take(how int) (*Lock, error) {
	f, err := os.OpenFile(Path(), os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		return nil, fmt.Errorf("clusterlock: %w", err)
	}
	if err := flock(f, how); err != nil {
		f.Close()
		return nil, err
	}
	return &Lock{f: f}, nil
}

func flock(f *os.File, how int) error {
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if err != syscall.EINTR {
			if err != nil {
				return fmt.Errorf("clusterlock: flock %s: %w", f.Name(), err)
			}
			return nil
		}
	}
}

// Release lets the lock go.
func (l *Lock) Release() error { return l.f.Close() }
