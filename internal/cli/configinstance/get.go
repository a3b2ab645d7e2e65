package configinstance

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/cmdutil"
)

// GetOptions are the inputs of `config-instance get`.
type GetOptions struct {
	Factory *cmdutil.Factory
	ID      string
}

// NewCmdGet builds `config-instance get`.
func NewCmdGet(f *cmdutil.Factory, runF func(context.Context, *GetOptions) error) *cobra.Command {
	opts := &GetOptions{Factory: f}
	cmd := &cobra.Command{
		Use:     "get ID",
		Aliases: []string{"show"},
		Short:   "Show one config instance with its content, status, message and errors",
		Long: `Show a config instance: its statuses, device, path, the approval or
rejection message, the parameter errors of a rejection, and the content
pretty-printed.`,
		Example: `  hookctl config-instance get cfg_inst_01j…
  hookctl ci get cfg_inst_01j… -q content
  hookctl ci get cfg_inst_01j… -o json -q errors`,
		Args: cmdutil.ExactArgs(1, "config instance ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return getRun(cmd.Context(), opts)
		},
	}
	return cmd
}

func getRun(ctx context.Context, opts *GetOptions) error {
	f := opts.Factory
	be, err := f.Backend()
	if err != nil {
		return err
	}
	ci, err := be.GetConfigInstance(ctx, opts.ID)
	if err != nil {
		return err
	}
	return cmdutil.Render(f, ci, func() error { return printDetail(f.IOStreams, f.Now(), ci) })
}
