package webhookconfig

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/cmdutil"
)

// GetOptions are the inputs of `webhook-config get`.
type GetOptions struct {
	Factory    *cmdutil.Factory
	ID         string
	ShowSecret bool
}

// NewCmdGet builds `webhook-config get`.
func NewCmdGet(f *cmdutil.Factory, runF func(context.Context, *GetOptions) error) *cobra.Command {
	opts := &GetOptions{Factory: f}
	cmd := &cobra.Command{
		Use:     "get ID",
		Aliases: []string{"show"},
		Short:   "Show one webhook config",
		Long: `Show a webhook config. The signing secret is shown only with --show-secret,
and so are credential headers (Authorization, X-API-Key, …) in full; without
it they are redacted to a hint such as "Bearer …-123".`,
		Example: `  hookctl webhook-config get whc_01j…
  hookctl webhook-config get whc_01j… --show-secret -q secret`,
		Args: cmdutil.ExactArgs(1, "webhook config ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return getRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.ShowSecret, "show-secret", false, "include the signing secret(s) and credential headers in full")
	return cmd
}

func getRun(ctx context.Context, opts *GetOptions) error {
	f := opts.Factory
	be, err := f.Backend()
	if err != nil {
		return err
	}
	if opts.ShowSecret {
		ctx = backend.WithShowSecret(ctx)
	}
	c, err := be.GetWebhookConfig(ctx, opts.ID)
	if err != nil {
		return err
	}
	return cmdutil.Render(f, forOutput(*c, opts.ShowSecret), func() error {
		return printDetail(f.IOStreams, f.Now(), c, opts.ShowSecret, opts.ShowSecret)
	})
}
