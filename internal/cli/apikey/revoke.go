package apikey

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/iostreams"
	"github.com/hookctl/hookctl/internal/store"
)

// RevokeOptions are the inputs of `api-key revoke`.
type RevokeOptions struct {
	Factory *cmdutil.Factory
	ID      string
	Yes     bool
}

// NewCmdRevoke builds `api-key revoke`.
func NewCmdRevoke(f *cmdutil.Factory, runF func(context.Context, *RevokeOptions) error) *cobra.Command {
	opts := &RevokeOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API key",
		Long: `Revoke an API key: a running server refuses it (401) from the next request
on. The key stays in "api-key list" as revoked.

On a terminal it asks first; without one it refuses unless --yes is given.
Answering "no" revokes nothing and exits 7.`,
		Example: `  hookctl api-key revoke key_01j…
  hookctl api-key revoke key_01j… --yes`,
		Args: cmdutil.ExactArgs(1, "API key ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if err := cmdutil.CanConfirm(f, opts.Yes, "revoke "+opts.ID); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return revokeRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, cmdutil.YesFlagUsage)
	return cmd
}

func revokeRun(ctx context.Context, opts *RevokeOptions) error {
	f := opts.Factory
	// Look the key up first, so that the question names it; the store is
	// not held open while the question waits.
	var question string
	err := withStore(ctx, f, func(s *store.Store) error {
		k, err := s.GetAPIKey(ctx, opts.ID)
		if err != nil {
			return err
		}
		if k.RevokedAt == nil {
			question = fmt.Sprintf("Revoke API key %s (%s)? A server refuses it from then on", k.ID, iostreams.Escape(k.Name))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if question != "" { // revoking a revoked key fails below without asking
		if err := cmdutil.Confirm(f, question, opts.Yes); err != nil {
			return err
		}
	}
	return withStore(ctx, f, func(s *store.Store) error {
		k, err := s.RevokeAPIKey(ctx, opts.ID, f.Now())
		if err != nil {
			return err
		}
		ios := f.IOStreams
		fmt.Fprintf(ios.ErrOut, "%s Revoked API key %s (%s)\n", ios.ErrStyles().SuccessIcon(), k.ID, iostreams.Escape(k.Name))
		if f.Globals.WantsJSON() {
			return cmdutil.PrintJSON(ios, k, f.Globals.Query)
		}
		return nil
	})
}
