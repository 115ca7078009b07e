//go:build linux

package main

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// processUmask reads the umask from /proc/self/status (without changing
// it, unlike umask(2)).
func processUmask() (os.FileMode, bool) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "Umask:"); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32)
			return os.FileMode(n), err == nil
		}
	}
	return 0, false
}
