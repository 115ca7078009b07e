//go:build !unix

package artifacts

import "os"

func readSmall(path string, buf []byte) (n int, full bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false, err
	}
	defer f.Close()
	n, err = f.Read(buf)
	if err != nil {
		return 0, false, err
	}
	return n, n == len(buf), nil
}

func fileSize(path string) (size int64, regular bool, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, false, err
	}
	return fi.Size(), fi.Mode().IsRegular(), nil
}
