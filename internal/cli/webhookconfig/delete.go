package webhookconfig

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/cmdutil"
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
		Long:    "Delete a webhook config. On a terminal it asks first; in scripts pass --yes.",
		Example: `  hookctl webhook-config delete whc_01j…
  hookctl webhook-config delete whc_01j… --yes`,
		Args: cmdutil.ExactArgs(1, "webhook config ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if !opts.Yes && !f.IOStreams.CanPrompt() {
				return cmdutil.NeedsFlagError("--yes", "refusing to delete "+opts.ID+" without confirmation")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return deleteRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "delete without asking")
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
	if !opts.Yes {
		ok, err := f.Prompter().Confirm(fmt.Sprintf("Delete webhook config %s (%s)?", c.ID, c.URL), false)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.New(apperr.ErrInterrupted, "cancelled: nothing deleted")
		}
	}
	if err := be.DeleteWebhookConfig(ctx, opts.ID); err != nil {
		return err
	}
	result := map[string]any{"id": c.ID, "deleted": true}
	return cmdutil.Render(f, result, func() error {
		ios := f.IOStreams
		fmt.Fprintf(ios.ErrOut, "%s Deleted webhook config %s (%s)\n", ios.ErrStyles().SuccessIcon(), c.ID, c.URL)
		return nil
	})
}
