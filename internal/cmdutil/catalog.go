package cmdutil

import (
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
// later wins).
func LoadCatalog(f *Factory, dirs []string) (*catalog.Catalog, error) {
	dir, err := DataDir(f)
	if err != nil {
		return nil, err
	}
	return catalog.Load(append([]string{filepath.Join(dir, "events")}, dirs...)...)
}
