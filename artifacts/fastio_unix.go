//go:build unix

package artifacts

import (
	"io/fs"
	"syscall"
)

// readSmall reads the file at path into buf with one open, one read and one
// close (os.ReadFile also does fstat, a second read and a netpoller
// registration, which double its cost on a virtual machine). It returns the
// bytes read; full reports that buf was filled, so the file may be longer.
// A short read that is not at end of file is possible in principle, so
// callers must treat the bytes as a hint and re-read with os.ReadFile if
// they do not parse.
func readSmall(path string, buf []byte) (n int, full bool, err error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return 0, false, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	n, err = syscall.Read(fd, buf)
	_ = syscall.Close(fd)
	if err != nil || n < 0 {
		return 0, false, &fs.PathError{Op: "read", Path: path, Err: err}
	}
	return n, n == len(buf), nil
}

// fileSize returns the size of the regular file at path with one stat.
func fileSize(path string) (size int64, regular bool, err error) {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return 0, false, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	return st.Size, st.Mode&syscall.S_IFMT == syscall.S_IFREG, nil
}
