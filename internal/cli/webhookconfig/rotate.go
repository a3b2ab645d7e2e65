package webhookconfig

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/cmdutil"
)

// RotateOptions are the inputs of `webhook-config rotate-secret`.
type RotateOptions struct {
	Factory *cmdutil.Factory
	ID      string
	KeepOld time.Duration
}

// NewCmdRotateSecret builds `webhook-config rotate-secret`.
func NewCmdRotateSecret(f *cmdutil.Factory, runF func(context.Context, *RotateOptions) error) *cobra.Command {
	opts := &RotateOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "rotate-secret ID",
		Short: "Replace a webhook config's signing secret",
		Long: `Generate a new signing secret and print it.

The old secret stays valid for signing and verifying for --keep-old (24h by
default), so receivers can be switched over without dropping events.
--keep-old 0 drops it at once.`,
		Example: `  hookctl webhook-config rotate-secret whc_01j…
  hookctl webhook-config rotate-secret whc_01j… --keep-old 1h
  hookctl webhook-config rotate-secret whc_01j… --keep-old 0 -q secret`,
		Args: cmdutil.ExactArgs(1, "webhook config ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return rotateRun(cmd.Context(), opts)
		},
	}
	cmdutil.DurationVar(cmd.Flags(), &opts.KeepOld, "keep-old", backend.DefaultKeepOld, "how long the old secret stays valid, e.g. 1h or 2d (0 drops it now)")
	return cmd
}

func rotateRun(ctx context.Context, opts *RotateOptions) error {
	f := opts.Factory
	be, err := f.Backend()
	if err != nil {
		return err
	}
	// The new secret is printed: ask for it.
	c, err := be.RotateWebhookConfigSecret(backend.WithShowSecret(ctx), opts.ID, opts.KeepOld)
	if err != nil {
		return err
	}
	return cmdutil.Render(f, withHeaders(*c, false), func() error {
		ios := f.IOStreams
		if ios.IsStderrTTY() {
			fmt.Fprintf(ios.ErrOut, "%s Rotated the secret of %s\n", ios.ErrStyles().SuccessIcon(), c.ID)
		}
		return printDetail(ios, f.Now(), c, true, false)
	})
}
