//go:build !unix

package artifacts

import "errors"

// pidAlive cannot tell on this platform: leases only go stale by expiry.
func pidAlive(pid int) bool { return pid > 0 }

var errNotEmpty = errors.New("directory not empty")
