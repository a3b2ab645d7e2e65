// Package apikey implements `hookctl api-key`: create, list and revoke the
// API keys of `hookctl serve`. These are admin commands: they work on the
// local data directory directly (never through --api-url).
package apikey

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/store"
)

// NewCmdAPIKey is the `api-key` group.
func NewCmdAPIKey(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "api-key <command>",
		Aliases: []string{"api-keys"},
		Short:   "Manage the API keys of hookctl serve",
		Long: `API keys authenticate calls to "hookctl serve". A key is shown once, when it
is created; only a hash is stored. These commands act on the local data
directory (--data-dir), the one the server uses.`,
		Example: `  hookctl api-key create --name ci
  hookctl api-key list
  hookctl api-key revoke key_01j…`,
	}
	cmdutil.Group(cmd)
	cmd.AddCommand(
		NewCmdCreate(f, nil),
		NewCmdList(f, nil),
		NewCmdRevoke(f, nil),
	)
	return cmd
}

// withStore opens the local store for the duration of fn.
func withStore(ctx context.Context, f *cmdutil.Factory, fn func(*store.Store) error) error {
	s, err := cmdutil.OpenLocalStore(ctx, f)
	if err != nil {
		return err
	}
	defer s.Close()
	return fn(s)
}

func timeOr(now time.Time, t *time.Time, tty bool, none string) string {
	if t == nil {
		return none
	}
	if tty {
		return cmdutil.FuzzyAgo(now, *t)
	}
	return t.UTC().Format(time.RFC3339)
}
