// Package webhookconfig implements `hookctl webhook-config`: register
// endpoints, their event subscriptions and signing secrets.
package webhookconfig

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/iostreams"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/redact"
)

// NewCmdWebhookConfig is the `webhook-config` group.
func NewCmdWebhookConfig(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "webhook-config <command>",
		Aliases: []string{"wc"},
		Short:   "Manage webhook endpoints, their events and signing secrets",
		Long: `A webhook config registers an endpoint URL, the event types it subscribes to,
the signature scheme and the secret used to sign what is sent to it.`,
		Example: `  hookctl webhook-config create --url https://example.com/hooks --event 'device.*'
  hookctl webhook-config list
  hookctl webhook-config rotate-secret whc_01j…
  hookctl webhook-config test whc_01j…`,
	}
	cmdutil.Group(cmd)
	cmd.AddCommand(
		NewCmdCreate(f, nil),
		NewCmdList(f, nil),
		NewCmdGet(f, nil),
		NewCmdUpdate(f, nil),
		NewCmdDelete(f, nil),
		NewCmdRotateSecret(f, nil),
		NewCmdTest(f, nil),
	)
	return cmd
}

// printDetail renders one config as aligned "Key  value" lines: the signing
// secrets when showSecret, credential headers in full when showHeaders.
func printDetail(ios *iostreams.IOStreams, now time.Time, c *model.WebhookConfig, showSecret, showHeaders bool) error {
	st := ios.Styles()
	esc := iostreams.Escape
	type kv struct{ k, v string }
	rows := []kv{
		{"ID", st.Bold.Render(esc(c.ID))},
		{"URL", esc(c.URL)},
		{"Events", esc(strings.Join(c.Events, ", "))},
		{"Scheme", esc(c.Scheme)},
		{"Enabled", yesNo(c.Enabled)},
	}
	if c.Description != "" {
		rows = append(rows, kv{"Description", esc(c.Description)})
	}
	if showSecret {
		rows = append(rows, kv{"Secret", st.Warning.Render(c.Secret)})
	} else {
		rows = append(rows, kv{"Secret", st.Muted.Render("hidden (use --show-secret)")})
	}
	for _, p := range c.ActivePreviousSecrets(now) {
		v := "valid until " + cmdutil.HumanTime(now, p.ExpiresAt)
		if showSecret {
			v = p.Secret + "  " + v
		}
		rows = append(rows, kv{"Old secret", v})
	}
	keys := make([]string, 0, len(c.Headers))
	for k := range c.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := c.Headers[k]
		if !showHeaders && redact.IsCredentialHeader(k) {
			v = redact.Value(v)
		}
		rows = append(rows, kv{"Header", esc(k) + ": " + esc(v)})
	}
	rows = append(rows,
		kv{"Created", cmdutil.HumanTime(now, c.CreatedAt)},
		kv{"Updated", cmdutil.HumanTime(now, c.UpdatedAt)},
	)
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "%s %s\n", st.Key.Render(fmt.Sprintf("%-12s", r.k)), r.v)
	}
	_, err := fmt.Fprint(ios.Out, b.String())
	return err
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// forOutput returns what JSON output shows: secrets and credential headers
// in full only when asked.
func forOutput(c model.WebhookConfig, showSecret bool) model.WebhookConfig {
	if showSecret {
		return c
	}
	return withHeaders(c.Redacted(), false)
}

// withHeaders returns c with its credential headers redacted unless show.
func withHeaders(c model.WebhookConfig, show bool) model.WebhookConfig {
	if !show {
		c.Headers = redact.Headers(c.Headers)
	}
	return c
}
