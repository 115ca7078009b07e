//go:build !linux

package main

import "os"

func processUmask() (os.FileMode, bool) { return 0, false }
