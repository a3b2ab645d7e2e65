package cmdutil

import (
	"context"

	"github.com/hookctl/hookctl/internal/config"
	"github.com/hookctl/hookctl/internal/store"
)

// OpenLocalStore opens the store of the resolved data directory (--data-dir,
// HOOKCTL_DATA_DIR, config file, XDG default), whatever --api-url says: for
// commands that administer a data dir (serve, api-key). The caller closes it.
func OpenLocalStore(ctx context.Context, f *Factory) (*store.Store, error) {
	file, err := config.Load(f.Getenv)
	if err != nil {
		return nil, err
	}
	return store.Open(ctx, config.DataDir(f.Globals.DataDir, f.Getenv, file))
}
