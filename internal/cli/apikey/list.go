package apikey

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/iostreams"
	"github.com/hookctl/hookctl/internal/store"
)

// ListOptions are the inputs of `api-key list`.
type ListOptions struct {
	Factory *cmdutil.Factory
	Limit   int // at most this many, the oldest first; 0: all
}

// NewCmdList builds `api-key list`.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	opts := &ListOptions{Factory: f}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List API keys",
		Long: `List API keys, revoked ones included, oldest first: id, name, tenant, the
key's first characters, when it was created, last used and revoked.`,
		Example: `  hookctl api-key list
  hookctl api-key list -o json -q '#(revoked_at==null)#.id'`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmdutil.LimitVar(cmd.Flags(), &opts.Limit, "API keys")
	return cmd
}

func listRun(ctx context.Context, opts *ListOptions) error {
	f := opts.Factory
	return withStore(ctx, f, func(s *store.Store) error {
		ks, err := s.ListAPIKeys(ctx)
		if err != nil {
			return err
		}
		total := len(ks)
		ks, _ = cmdutil.Truncate(ks, opts.Limit)
		cmdutil.LimitNote(f, len(ks), total, "API keys")
		return cmdutil.Render(f, ks, func() error {
			ios := f.IOStreams
			tty := ios.IsStdoutTTY()
			if len(ks) == 0 {
				if tty {
					fmt.Fprintln(ios.Out, "No API keys yet. Create one with: hookctl api-key create --name NAME")
				}
				return nil
			}
			now := f.Now()
			tbl := cmdutil.NewTable(ios, "ID", "NAME", "TENANT", "PREFIX", "CREATED", "LAST USED", "REVOKED")
			for _, k := range ks {
				esc := iostreams.Escape
				tbl.AddRow(esc(k.ID), esc(k.Name), esc(k.Tenant), esc(k.Prefix)+"…", timeOr(now, &k.CreatedAt, tty, ""),
					timeOr(now, k.LastUsedAt, tty, "never"), timeOr(now, k.RevokedAt, tty, "no"))
			}
			return tbl.Render()
		})
	})
}
