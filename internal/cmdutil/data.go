package cmdutil

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hookctl/hookctl/internal/apperr"
)

// MaxDataSize bounds what --data reads from a file or stdin.
const MaxDataSize = 64 << 20

// ReadData resolves a --data style argument: "@path" reads a file, "-" reads
// stdin, anything else is the data itself.
func ReadData(arg string, stdin io.Reader) ([]byte, error) {
	switch {
	case arg == "-":
		return readLimited(stdin, "standard input")
	case strings.HasPrefix(arg, "@"):
		path := strings.TrimPrefix(arg, "@")
		f, err := os.Open(path)
		if err != nil {
			return nil, apperr.Usagef("cannot read %s: %v", path, unwrapPathError(err))
		}
		defer f.Close()
		return readLimited(f, path)
	default:
		return []byte(arg), nil
	}
}

func readLimited(r io.Reader, name string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxDataSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(data) > MaxDataSize {
		return nil, apperr.New(apperr.ErrTooLarge, "%s is larger than %d MiB", name, MaxDataSize>>20)
	}
	return data, nil
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
