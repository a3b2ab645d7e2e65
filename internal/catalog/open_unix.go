//go:build unix

package catalog

import (
	"os"
	"syscall"
)

// openNonBlocking opens p for reading without blocking on a FIFO with no
// writer (O_NONBLOCK); for a regular file the flag changes nothing.
func openNonBlocking(p string) (*os.File, error) {
	return os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
