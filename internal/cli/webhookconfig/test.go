package webhookconfig

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/dispatch"
	"github.com/hookctl/hookctl/internal/iostreams"
	"github.com/hookctl/hookctl/internal/model"
)

// TestOptions are the inputs of `webhook-config test`.
type TestOptions struct {
	Factory *cmdutil.Factory
	ID      string
	Timeout time.Duration
}

// NewCmdTest builds `webhook-config test`.
func NewCmdTest(f *cmdutil.Factory, runF func(context.Context, *TestOptions) error) *cobra.Command {
	opts := &TestOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "test ID",
		Short: "Send a test event to a webhook config and show the answer",
		Long: `Send the catalogue's webhook_config.test event to the config's URL, signed
with its scheme and current secret and with its headers, like the "send test
event" button of a provider, and show the receiver's answer: status, latency
and response body. The config takes the test event whatever its
subscriptions; a disabled config is refused.

One attempt, no retries. The delivery is recorded (see "hookctl webhook
deliveries list --config ID"). With a remote backend (--api-url) the server
sends and records.

Exit status: 0 when the receiver answered 2xx, 1 otherwise (another status,
a redirect, no answer).`,
		Example: `  hookctl webhook-config test whc_01j…
  hookctl wc test whc_01j… -o json -q attempts.0.response_body
  hookctl wc test whc_01j… --timeout 5s`,
		Args: cmdutil.ExactArgs(1, "webhook config ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if opts.Timeout <= 0 {
				return apperr.Usagef("--timeout must be positive")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return testRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", dispatch.DefaultTimeout, "how long to wait for the answer")
	return cmd
}

func testRun(ctx context.Context, opts *TestOptions) error {
	f := opts.Factory
	d, err := cmdutil.SendTestEvent(ctx, f, opts.ID, opts.Timeout)
	if err != nil {
		return err
	}
	if err := cmdutil.Render(f, d, func() error { return printTestAnswer(f.IOStreams, d) }); err != nil {
		return err
	}
	if d.State != model.DeliverySucceeded {
		if d.StatusCode == 0 {
			return fmt.Errorf("test of %s failed: %s", d.ConfigID, cmdutil.AttemptOutcome(d.LastAttempt()))
		}
		return fmt.Errorf("test of %s: the receiver answered %s", d.ConfigID, cmdutil.AttemptOutcome(d.LastAttempt()))
	}
	return nil
}

// maxTTYBody bounds the response body printed on a terminal.
const maxTTYBody = 1024

func printTestAnswer(ios *iostreams.IOStreams, d *model.Delivery) error {
	st := ios.Styles()
	esc := iostreams.Escape
	a := d.LastAttempt()
	icon := st.SuccessIcon()
	if d.State != model.DeliverySucceeded {
		icon = st.FailureIcon()
	}
	latency := "-"
	if a != nil {
		latency = cmdutil.FormatLatency(a.Latency)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s  %s  %s  %s\n", icon, esc(cmdutil.AttemptOutcome(a)), esc(d.URL), latency, esc(d.ID))
	if a != nil && a.ResponseBody != "" {
		body, more := strings.TrimRight(a.ResponseBody, "\n"), ""
		if ios.IsStdoutTTY() && len(body) > maxTTYBody {
			more = st.Muted.Render(fmt.Sprintf("… (%d more bytes; -o json shows all)", len(body)-maxTTYBody))
			body = body[:maxTTYBody]
		}
		b.WriteString("  " + strings.ReplaceAll(iostreams.EscapeText(body)+more, "\n", "\n  ") + "\n")
	}
	_, err := fmt.Fprint(ios.Out, b.String())
	return err
}
