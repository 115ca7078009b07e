//go:build !linux

package artifacts

import (
	"errors"
	"os"
)

// shardDirs stats entry directories by their whole path where the
// descriptor-relative stat of statat_linux.go is not used.
type shardDirs struct{}

func (d *shardDirs) stamp(s *Store, key Key) (entryStamp, error) { return statStamp(s.Dir(key)) }

// statStamp is the stamp of the directory at path: its modification time
// only (no inode or change time portably).
func statStamp(path string) (entryStamp, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return entryStamp{}, err
	}
	if !fi.IsDir() {
		return entryStamp{}, errors.New("not a directory")
	}
	return entryStamp{mtime: fi.ModTime().UnixNano()}, nil
}

func (d *shardDirs) close() {}
