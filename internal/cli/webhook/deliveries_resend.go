package webhook

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/dispatch"
)

// DeliveriesResendOptions are the inputs of `webhook deliveries resend`.
type DeliveriesResendOptions struct {
	Factory    *cmdutil.Factory
	ID         string
	To         string
	Retries    int
	RetryDelay time.Duration
	Timeout    time.Duration
	Insecure   bool
	Dispatcher func(*dispatch.Dispatcher)
}

// NewCmdDeliveriesResend builds `webhook deliveries resend`.
func NewCmdDeliveriesResend(f *cmdutil.Factory, runF func(context.Context, *DeliveriesResendOptions) error) *cobra.Command {
	opts := &DeliveriesResendOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "resend ID [--to URL]",
		Short: "Send a recorded delivery again",
		Long: `Send a recorded delivery's payload again, as a new delivery (with its own
dlv_ id, "resend_of" the original) that keeps the original request id, so a
receiver that deduplicates on it sees the same message.

It is signed afresh: with the config's current scheme, secret and headers when
the delivery went to a config that still exists; unsigned otherwise (a --to
delivery's secret is not stored). --to sends it to another URL (e.g. a local
receiver), signed the same way.`,
		Example: `  hookctl webhook deliveries resend dlv_01j…
  hookctl webhook deliveries resend dlv_01j… --to http://127.0.0.1:8080/hooks`,
		Args: cmdutil.ExactArgs(1, "delivery id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if opts.To != "" {
				if err := backend.ValidateEndpointURL(opts.To); err != nil {
					return err
				}
			}
			if opts.Retries < 0 {
				return apperr.Usagef("--retries must not be negative")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return deliveriesResendRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.To, "to", "", "send to this URL instead of the original one")
	fl.IntVar(&opts.Retries, "retries", dispatch.DefaultRetries, "retries after a failed attempt")
	fl.DurationVar(&opts.RetryDelay, "retry-delay", dispatch.DefaultBaseDelay, "first retry delay, doubled each retry")
	fl.DurationVar(&opts.Timeout, "timeout", dispatch.DefaultTimeout, "timeout of one attempt")
	fl.BoolVar(&opts.Insecure, "insecure", false, "do not verify the receiver's TLS certificate")
	return cmd
}

func deliveriesResendRun(ctx context.Context, opts *DeliveriesResendOptions) error {
	f := opts.Factory
	sopts := &SendOptions{Factory: f, Concurrency: 1, Retries: opts.Retries, RetryDelay: opts.RetryDelay, Timeout: opts.Timeout,
		Insecure: opts.Insecure, Dispatcher: opts.Dispatcher}
	res, err := cmdutil.Resend(ctx, f, opts.ID, opts.To, sendPolicy(sopts), httpClient(sopts), opts.Dispatcher)
	if res == nil {
		return err
	}
	printWarnings(f, res.Warnings)
	if rerr := cmdutil.Render(f, res.Data, func() error { return printDeliveries(sopts, res.Data) }); rerr != nil {
		return rerr
	}
	if err != nil {
		return err
	}
	return outcome(sopts, res.Data)
}
