// Package webhook implements `hookctl webhook`: receive, verify, sign, send
// and replay webhooks.
package webhook

import (
	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/cmdutil"
)

// NewCmdWebhook is the `webhook` group. Each verb lives in its own file.
func NewCmdWebhook(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "webhook <command>",
		Short: "Receive, verify, sign, send and replay webhooks",
		Long: `Work with webhook requests themselves:

  listen      receive webhooks on a local server (optionally through a public
              tunnel), verify and record them, and forward them to your app
  requests    list and show the requests listen recorded
  replay      send a recorded request again, to your app or another URL
  send        send a signed example event (or your own payload) to an endpoint
  deliveries  list, show and resend the deliveries send made, with each attempt
  sign        sign a payload with any supported scheme and print the headers
  verify      verify a received request's signature and explain a failure`,
		Example: `  # Receive webhooks on port 8080 and forward them to your app
  hookctl webhook listen --port 8080 --forward-to http://localhost:3000/webhooks

  # Send a signed example event, then look at the delivery
  hookctl webhook send device.enrolled --to https://example.com/webhooks --secret whsec_…
  hookctl webhook deliveries list --limit 5`,
	}
	cmdutil.Group(cmd)
	cmd.AddCommand(
		// Verbs register here, one per line.
		NewCmdSign(f, nil),
		NewCmdVerify(f, nil),
		NewCmdSend(f, nil),
		NewCmdDeliveries(f),
		NewCmdListen(f, nil),
		NewCmdRequests(f),
		NewCmdReplay(f, nil),
	)
	return cmd
}
