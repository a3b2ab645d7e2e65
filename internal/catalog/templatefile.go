package catalog

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/hookctl/hookctl/internal/apperr"
)

// MaxTemplateSize is the largest user template file LoadUser reads (1 MiB);
// a larger one is a usage error naming the file.
const MaxTemplateSize = 1 << 20

// errSkip marks a template path that is not a regular file: it is skipped
// with a warning (Catalog.Warnings), never opened.
var errSkip = errors.New("not a regular file")

// readTemplate reads one user template: a regular file (a symlink is
// followed) of at most MaxTemplateSize bytes. A FIFO, a device (a link to
// /dev/zero), a socket or a directory named *.json returns errSkip wrapped
// with what it is, without being opened, so nothing blocks or reads without
// end. The file is opened non-blocking where the OS allows it and checked
// again after opening, so one swapped for a FIFO meanwhile cannot block
// either; the read is bounded whatever the file does.
func readTemplate(p string) ([]byte, error) {
	info, err := os.Stat(p)
	if err != nil {
		return nil, apperr.Wrap(apperr.ErrUsage, err, "read event template: %v", err)
	}
	if err := regular(info); err != nil {
		return nil, err
	}
	if info.Size() > MaxTemplateSize {
		return nil, tooBig(p, fmt.Sprintf("%.1f MiB", float64(info.Size())/(1<<20)))
	}
	f, err := openNonBlocking(p)
	if err != nil {
		return nil, apperr.Wrap(apperr.ErrUsage, err, "read event template: %v", err)
	}
	defer f.Close()
	if info, err = f.Stat(); err != nil {
		return nil, apperr.Wrap(apperr.ErrUsage, err, "read event template: %v", err)
	}
	if err := regular(info); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxTemplateSize+1))
	if err != nil {
		return nil, apperr.Wrap(apperr.ErrUsage, err, "read event template: %v", err)
	}
	if len(data) > MaxTemplateSize {
		return nil, tooBig(p, "over 1 MiB")
	}
	return data, nil
}

func regular(info fs.FileInfo) error {
	m := info.Mode()
	if m.IsRegular() {
		return nil
	}
	what := "not a regular file"
	switch {
	case m&fs.ModeNamedPipe != 0:
		what = "a named pipe (FIFO)"
	case m&fs.ModeCharDevice != 0:
		what = "a character device"
	case m&fs.ModeDevice != 0:
		what = "a device"
	case m&fs.ModeSocket != 0:
		what = "a socket"
	case m.IsDir():
		what = "a directory"
	}
	return fmt.Errorf("%w: %s", errSkip, what)
}

func tooBig(p, size string) error {
	return apperr.Usagef("event template %s is %s; a template may be at most 1 MiB: shrink it or move it out of the templates directory", p, size)
}
