//go:build unix

package artifacts

import "syscall"

var errNotEmpty error = syscall.ENOTEMPTY
