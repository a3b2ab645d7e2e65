package source

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/iostreams"
)

// ListOptions are the inputs of `source list`.
type ListOptions struct {
	Factory *cmdutil.Factory
	Limit   int // at most this many, the oldest first; 0: all
}

// NewCmdList builds `source list`.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	opts := &ListOptions{Factory: f}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the inbound sources of your tenant",
		Long:    "List the sources of the API key's tenant, oldest first: token, datasource, event, tsField, created and hook URL.",
		Example: `  hookctl source list
  hookctl source list -q '#.hookUrl'`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmdutil.LimitVar(cmd.Flags(), &opts.Limit, "sources")
	return cmd
}

func listRun(ctx context.Context, opts *ListOptions) error {
	f := opts.Factory
	r, err := f.SourceClient()
	if err != nil {
		return err
	}
	srcs, err := r.ListSources(ctx)
	if err != nil {
		return err
	}
	total := len(srcs)
	srcs, _ = cmdutil.Truncate(srcs, opts.Limit)
	cmdutil.LimitNote(f, len(srcs), total, "sources")
	return cmdutil.Render(f, srcs, func() error {
		ios := f.IOStreams
		if len(srcs) == 0 {
			if ios.IsStdoutTTY() {
				fmt.Fprintln(ios.Out, "No sources yet. Create one with: hookctl source create --datasource NAME --event NAME")
			}
			return nil
		}
		tbl := cmdutil.NewTable(ios, "TOKEN", "DATASOURCE", "EVENT", "TS FIELD", "CREATED", "HOOK URL")
		for _, s := range srcs {
			created := s.CreatedAt.UTC().Format(time.RFC3339)
			if ios.IsStdoutTTY() {
				created = cmdutil.FuzzyAgo(f.Now(), s.CreatedAt)
			}
			esc := iostreams.Escape
			tbl.AddRow(esc(s.Token), esc(s.Datasource), esc(s.Event), esc(s.TSField), created, esc(s.HookURL))
		}
		return tbl.Render()
	})
}
