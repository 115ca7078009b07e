package artifacts

import (
	"errors"
	"path/filepath"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// shardDirs holds open descriptors of a store's shard directories
// (objects/xx), so that a check stats "<key>" relative to one: the kernel
// then resolves one path component instead of the whole path, and nothing
// is allocated for the absolute name (a million-cell no-op apply makes a
// million such stats).
type shardDirs struct {
	fds [256]atomic.Int32 // descriptor + 1; 0: not open
}

// stamp returns the stamp of key's entry directory in store s.
func (d *shardDirs) stamp(s *Store, key Key) (entryStamp, error) {
	shard, ok := shardIndex(key)
	if !ok {
		return statStamp(s.Dir(key))
	}
	fd := int(d.fds[shard].Load()) - 1
	if fd < 0 {
		nfd, err := unix.Open(filepath.Join(s.objects, string(key[:2])), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return statStamp(s.Dir(key)) // no shard (yet): the plain path says why
		}
		if d.fds[shard].CompareAndSwap(0, int32(nfd)+1) {
			fd = nfd
		} else {
			unix.Close(nfd)
			fd = int(d.fds[shard].Load()) - 1
		}
	}
	var st unix.Stat_t
	var err error
	for {
		if err = unix.Fstatat(fd, string(key), &st, unix.AT_SYMLINK_NOFOLLOW); err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return entryStamp{}, err
	}
	return stampOf(&st)
}

// statStamp is the stamp of the directory at path.
func statStamp(path string) (entryStamp, error) {
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		return entryStamp{}, err
	}
	return stampOf(&st)
}

func stampOf(st *unix.Stat_t) (entryStamp, error) {
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return entryStamp{}, errors.New("not a directory")
	}
	return entryStamp{ino: st.Ino, mtime: st.Mtim.Nano(), ctime: st.Ctim.Nano()}, nil
}

// close closes the descriptors.
func (d *shardDirs) close() {
	for i := range d.fds {
		if fd := d.fds[i].Swap(0); fd > 0 {
			unix.Close(int(fd) - 1)
		}
	}
}
