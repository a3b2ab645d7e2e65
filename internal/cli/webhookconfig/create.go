package webhookconfig

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/model"
)

// CreateOptions are the inputs of `webhook-config create`.
type CreateOptions struct {
	Factory *cmdutil.Factory
	Params  backend.CreateWebhookConfigParams
	Headers []string
	// ShowSecret shows credential headers in full (the new signing secret
	// is always shown once).
	ShowSecret bool
}

// NewCmdCreate builds `webhook-config create`. runF replaces createRun in tests.
func NewCmdCreate(f *cmdutil.Factory, runF func(context.Context, *CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{Factory: f}
	var secret *cmdutil.SecretFlags
	cmd := &cobra.Command{
		Use:   "create --url URL",
		Short: "Register an endpoint and get its signing secret",
		Long: `Register an endpoint URL with the events it subscribes to.

The secret used to sign what is sent to the endpoint is generated for the
scheme (Standard Webhooks by default) unless --secret, --secret-file or
$HOOKCTL_WEBHOOK_SECRET gives it. It is printed once, now; later only
"webhook-config get --show-secret" shows it.`,
		Example: `  hookctl webhook-config create --url https://example.com/hooks
  hookctl webhook-config create --url https://example.com/hooks --event 'device.*' --event user.signed_in
  hookctl wc create --url http://127.0.0.1:8080/ --scheme github --secret-file github-secret.txt
  hookctl wc create --url https://example.com/hooks -q secret   # just the secret`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			h, err := cmdutil.ParseHeaders(opts.Headers)
			if err != nil {
				return err
			}
			opts.Params.Headers = h
			secrets, err := secret.Resolve(f.IOStreams.In, f.Getenv, true)
			if err != nil {
				return err
			}
			if len(secrets) > 0 {
				opts.Params.Secret = secrets[0]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return createRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Params.URL, "url", "", "endpoint URL (http or https) `URL`")
	cmdutil.StringListVar(fl, &opts.Params.Events, "event", "", "event type or pattern to subscribe to, repeatable or comma-separated (default *: all)")
	fl.StringVar(&opts.Params.Description, "description", "", "free text shown in listings")
	fl.StringVar(&opts.Params.Scheme, "scheme", "standard", "signature scheme: "+schemeList())
	secret = cmdutil.AddSecretFlags(cmd, false, "signing secret (default: $"+cmdutil.SecretEnv+", else generated for the scheme)")
	cmdutil.HeaderVar(fl, &opts.Headers, "extra header sent with every delivery, 'Name: value', repeatable")
	fl.BoolVar(&opts.Params.Disabled, "disabled", false, "create the config disabled")
	fl.BoolVar(&opts.ShowSecret, "show-secret", false, "show credential headers (Authorization, X-API-Key, …) in full")
	_ = cmd.RegisterFlagCompletionFunc("scheme", cobra.FixedCompletions(model.ConfigSchemes, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func createRun(ctx context.Context, opts *CreateOptions) error {
	f := opts.Factory
	be, err := f.Backend()
	if err != nil {
		return err
	}
	c, err := be.CreateWebhookConfig(ctx, opts.Params)
	if err != nil {
		return err
	}
	return cmdutil.Render(f, withHeaders(*c, opts.ShowSecret), func() error {
		ios := f.IOStreams
		if ios.IsStderrTTY() {
			fmt.Fprintf(ios.ErrOut, "%s Created webhook config %s\n", ios.ErrStyles().SuccessIcon(), c.ID)
		}
		if err := printDetail(ios, f.Now(), c, true, opts.ShowSecret); err != nil {
			return err
		}
		if ios.IsStderrTTY() {
			fmt.Fprintln(ios.ErrOut, ios.ErrStyles().Muted.Render("Keep the secret safe: it is shown again only with \"hookctl webhook-config get "+c.ID+" --show-secret\"."))
		}
		return nil
	})
}

func schemeList() string {
	s := ""
	for i, x := range model.ConfigSchemes {
		if i > 0 {
			s += "|"
		}
		s += x
	}
	return s
}
