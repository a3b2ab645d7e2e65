package cmdutil

import (
	"fmt"
	"path/filepath"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/config"
)

// DataDir resolves the data directory: --data-dir, HOOKCTL_DATA_DIR, the
// config file, $XDG_DATA_HOME/hookctl.
func DataDir(f *Factory) (string, error) {
	file, err := config.Load(f.Getenv)
	if err != nil {
		return "", err
	}
	return config.DataDir(f.Globals.DataDir, f.Getenv, file), nil
}

// LoadCatalog returns the builtin events extended and overridden by the
// user's templates in $DATA_DIR/events and then in dirs (--template-dir,
// later wins). A --template-dir that does not exist is a usage error;
// template paths that are not regular files are skipped with a warning on
// stderr.
func LoadCatalog(f *Factory, dirs []string) (*catalog.Catalog, error) {
	dir, err := DataDir(f)
	if err != nil {
		return nil, err
	}
	c, err := catalog.LoadUser(filepath.Join(dir, "events"), dirs...)
	if err != nil {
		return nil, err
	}
	for _, w := range c.Warnings() {
		fmt.Fprintf(f.IOStreams.ErrOut, "warning: %s\n", w)
	}
	return c, nil
}
