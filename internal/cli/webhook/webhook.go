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
		Long: `Work with webhook requests themselves: sign a payload, verify a received
request and explain why a signature fails.`,
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
