package apikey

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/store"
)

// RevokeOptions are the inputs of `api-key revoke`.
type RevokeOptions struct {
	Factory *cmdutil.Factory
	ID      string
}

// NewCmdRevoke builds `api-key revoke`.
func NewCmdRevoke(f *cmdutil.Factory, runF func(context.Context, *RevokeOptions) error) *cobra.Command {
	opts := &RevokeOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API key",
		Long: `Revoke an API key: a running server refuses it (401) from the next request
on. The key stays in "api-key list" as revoked.`,
		Example: `  hookctl api-key revoke key_01j…`,
		Args:    cmdutil.ExactArgs(1, "API key ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return revokeRun(cmd.Context(), opts)
		},
	}
	return cmd
}

func revokeRun(ctx context.Context, opts *RevokeOptions) error {
	f := opts.Factory
	return withStore(ctx, f, func(s *store.Store) error {
		k, err := s.RevokeAPIKey(ctx, opts.ID, f.Now())
		if err != nil {
			return err
		}
		ios := f.IOStreams
		fmt.Fprintf(ios.ErrOut, "%s Revoked API key %s (%s)\n", ios.ErrStyles().SuccessIcon(), k.ID, k.Name)
		if f.Globals.WantsJSON() {
			return cmdutil.PrintJSON(ios, k, f.Globals.Query)
		}
		return nil
	})
}
