package webhookconfig

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/iostreams"
)

// DeleteOptions are the inputs of `webhook-config delete`.
type DeleteOptions struct {
	Factory *cmdutil.Factory
	ID      string
	Yes     bool
}

// NewCmdDelete builds `webhook-config delete`.
func NewCmdDelete(f *cmdutil.Factory, runF func(context.Context, *DeleteOptions) error) *cobra.Command {
	opts := &DeleteOptions{Factory: f}
	cmd := &cobra.Command{
		Use:     "delete ID",
		Aliases: []string{"rm"},
		Short:   "Delete a webhook config",
		Long: `Delete a webhook config. On a terminal it asks first; without one it
refuses unless --yes is given. Answering "no" deletes nothing and exits 7.`,
		Example: `  hookctl webhook-config delete whc_01j…
  hookctl webhook-config delete whc_01j… --yes`,
		Args: cmdutil.ExactArgs(1, "webhook config ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if err := cmdutil.CanConfirm(f, opts.Yes, "delete "+opts.ID); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return deleteRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, cmdutil.YesFlagUsage)
	return cmd
}

func deleteRun(ctx context.Context, opts *DeleteOptions) error {
	f := opts.Factory
	be, err := f.Backend()
	if err != nil {
		return err
	}
	c, err := be.GetWebhookConfig(ctx, opts.ID)
	if err != nil {
		return err
	}
	if err := cmdutil.Confirm(f, fmt.Sprintf("Delete webhook config %s (%s)?", c.ID, iostreams.Escape(c.URL)), opts.Yes); err != nil {
		return err
	}
	if err := be.DeleteWebhookConfig(ctx, opts.ID); err != nil {
		return err
	}
	result := map[string]any{"id": c.ID, "deleted": true}
	return cmdutil.Render(f, result, func() error {
		ios := f.IOStreams
		fmt.Fprintf(ios.ErrOut, "%s Deleted webhook config %s (%s)\n", ios.ErrStyles().SuccessIcon(), c.ID, iostreams.Escape(c.URL))
		return nil
	})
}
