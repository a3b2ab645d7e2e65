package webhookconfig

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/cmdutil"
)

// UpdateOptions are the inputs of `webhook-config update`.
type UpdateOptions struct {
	Factory *cmdutil.Factory
	ID      string
	Params  backend.UpdateWebhookConfigParams

	url, description string
	enable, disable  bool
	headers          []string
}

// NewCmdUpdate builds `webhook-config update`.
func NewCmdUpdate(f *cmdutil.Factory, runF func(context.Context, *UpdateOptions) error) *cobra.Command {
	opts := &UpdateOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "update ID [flags]",
		Short: "Change a webhook config's URL, events, description, headers or state",
		Example: `  hookctl webhook-config update whc_01j… --url https://example.com/v2/hooks
  hookctl webhook-config update whc_01j… --add-event device.locked --remove-event '*'
  hookctl webhook-config update whc_01j… --disable`,
		Args: cmdutil.ExactArgs(1, "webhook config ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if err := cmdutil.MutuallyExclusive("--enable and --disable cannot be used together", opts.enable, opts.disable); err != nil {
				return err
			}
			fl := cmd.Flags()
			if fl.Changed("url") {
				opts.Params.URL = &opts.url
			}
			if fl.Changed("description") {
				opts.Params.Description = &opts.description
			}
			if opts.enable || opts.disable {
				opts.Params.Enabled = &opts.enable
			}
			h, err := cmdutil.ParseHeaders(opts.headers)
			if err != nil {
				return err
			}
			opts.Params.SetHeaders = h
			if fl.NFlag() == 0 || !anyChange(opts.Params) {
				return apperr.Usagef("nothing to update: pass at least one of --url, --add-event, --remove-event, --description, --enable, --disable, --header, --remove-header")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return updateRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.url, "url", "", "new endpoint URL")
	fl.StringVar(&opts.description, "description", "", "new description")
	cmdutil.StringListVar(fl, &opts.Params.AddEvents, "add-event", "", "subscribe to an event type or pattern, repeatable or comma-separated")
	cmdutil.StringListVar(fl, &opts.Params.RemoveEvents, "remove-event", "", "unsubscribe from an event type or pattern, repeatable or comma-separated")
	fl.BoolVar(&opts.enable, "enable", false, "enable deliveries")
	fl.BoolVar(&opts.disable, "disable", false, "pause deliveries")
	cmdutil.HeaderVar(fl, &opts.headers, "set a delivery header 'Name: value', repeatable")
	cmdutil.StringListVar(fl, &opts.Params.RemoveHeaders, "remove-header", "", "remove a delivery header by name, repeatable or comma-separated")
	return cmd
}

func anyChange(p backend.UpdateWebhookConfigParams) bool {
	return p.URL != nil || p.Description != nil || p.Enabled != nil || len(p.AddEvents)+len(p.RemoveEvents)+len(p.SetHeaders)+len(p.RemoveHeaders) > 0
}

func updateRun(ctx context.Context, opts *UpdateOptions) error {
	f := opts.Factory
	be, err := f.Backend()
	if err != nil {
		return err
	}
	c, err := be.UpdateWebhookConfig(ctx, opts.ID, opts.Params)
	if err != nil {
		return err
	}
	return cmdutil.Render(f, forOutput(*c, false), func() error {
		ios := f.IOStreams
		if ios.IsStderrTTY() {
			fmt.Fprintf(ios.ErrOut, "%s Updated webhook config %s\n", ios.ErrStyles().SuccessIcon(), c.ID)
		}
		return printDetail(ios, f.Now(), c, false, false)
	})
}
