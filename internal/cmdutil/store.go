package cmdutil

import (
	"context"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/config"
	"github.com/hookctl/hookctl/internal/store"
)

// OpenLocalStore opens the local store, whatever --api-url says: for
// commands that administer it (serve, api-key). The caller closes it.
func OpenLocalStore(ctx context.Context, f *Factory) (*store.Store, error) {
	file, err := config.Load(f.Getenv)
	if err != nil {
		return nil, err
	}
	return OpenStore(ctx, f, file)
}

// OpenStore opens the store the settings name: the PostgreSQL database of
// --database, HOOKCTL_DATABASE_URL or database_url, else SQLite in the
// resolved data directory (--data-dir, HOOKCTL_DATA_DIR, config file, XDG
// default).
func OpenStore(ctx context.Context, f *Factory, file *config.File) (*store.Store, error) {
	if u := config.DatabaseURL(f.Globals.Database, f.Getenv, file); u != "" {
		if !store.IsDatabaseURL(u) {
			return nil, apperr.Usagef("database URL %s: want postgres://user:password@host:port/database (or leave it unset for SQLite in the data directory)", store.MaskURL(u))
		}
		return store.OpenURL(ctx, u)
	}
	return store.Open(ctx, config.DataDir(f.Globals.DataDir, f.Getenv, file))
}
