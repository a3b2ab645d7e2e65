package source

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/cmdutil"
)

// GetOptions are the inputs of `source get`.
type GetOptions struct {
	Factory *cmdutil.Factory
	Token   string
}

// NewCmdGet builds `source get`.
func NewCmdGet(f *cmdutil.Factory, runF func(context.Context, *GetOptions) error) *cobra.Command {
	opts := &GetOptions{Factory: f}
	return &cobra.Command{
		Use:     "get TOKEN",
		Aliases: []string{"show"},
		Short:   "Show one inbound source",
		Long:    "Show the source with this token (hks_…): its hook URL, tokens, datasource, event, tsField and creation time.",
		Example: `  hookctl source get hks_…
  hookctl source get hks_… -q hookUrl`,
		Args: cmdutil.ExactArgs(1, "source token"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Token = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return getRun(cmd.Context(), opts)
		},
	}
}

func getRun(ctx context.Context, opts *GetOptions) error {
	f := opts.Factory
	r, err := f.SourceClient()
	if err != nil {
		return err
	}
	src, err := r.GetSource(ctx, opts.Token)
	if err != nil {
		return err
	}
	return cmdutil.Render(f, src, func() error { return printDetail(f.IOStreams, src) })
}
