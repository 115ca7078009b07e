//go:build !linux

package stages

// physicalMemory is unknown off Linux: the default limit is 4 GiB.
func physicalMemory() int64 { return 0 }
