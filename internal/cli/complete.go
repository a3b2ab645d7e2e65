package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/cmdutil"
)

// Dynamic completion of ids and event types is wired here, in one table,
// onto the tree the command packages built: the completion functions are
// cmdutil's (CompleteIDs, CompleteEventTypes, CompleteEventPatterns), and
// TestEveryIDTakerCompletes fails when a command that takes an id or an
// event type is missing from the table.

// argCompletions: the first positional argument of these commands (paths
// without "hookctl").
var argCompletions = map[string]func(*cmdutil.Factory) cobra.CompletionFunc{
	"webhook-config get":           idsOf(cmdutil.WebhookConfigIDs),
	"webhook-config update":        idsOf(cmdutil.WebhookConfigIDs),
	"webhook-config delete":        idsOf(cmdutil.WebhookConfigIDs),
	"webhook-config rotate-secret": idsOf(cmdutil.WebhookConfigIDs),
	"webhook-config test":          idsOf(cmdutil.WebhookConfigIDs),
	"webhook deliveries show":      idsOf(cmdutil.DeliveryIDs),
	"webhook deliveries resend":    idsOf(cmdutil.DeliveryIDs),
	"webhook requests show":        idsOf(cmdutil.RequestIDs),
	"webhook replay":               idsOf(cmdutil.RequestIDs),
	"config-instance get":          idsOf(cmdutil.ConfigInstanceIDs),
	"config-instance approve":      idsOf(cmdutil.ConfigInstanceIDs),
	"config-instance reject":       idsOf(cmdutil.ConfigInstanceIDs),
	"config-instance deploy":       idsOf(cmdutil.ConfigInstanceIDs),
	"config-instance review":       idsOf(cmdutil.ConfigInstanceIDs),
	"source get":                   idsOf(cmdutil.SourceTokens),
	"source delete":                idsOf(cmdutil.SourceTokens),
	"api-key revoke":               idsOf(cmdutil.APIKeyIDs),
	"webhook send":                 cmdutil.CompleteEventTypes,
	"events show":                  cmdutil.CompleteEventTypes,
}

// flagCompletions: flags of these names, on whichever command has them,
// unless the command is listed in flagExceptions or registered its own.
var flagCompletions = map[string]func(*cmdutil.Factory) cobra.CompletionFunc{
	"config":       idsOf(cmdutil.WebhookConfigIDs),
	"source":       idsOf(cmdutil.SourceTokens),
	"event":        cmdutil.CompleteEventPatterns,
	"events":       cmdutil.CompleteEventPatterns,
	"add-event":    cmdutil.CompleteEventPatterns,
	"remove-event": cmdutil.CompleteEventPatterns,
}

// flagExceptions: flags whose name matches but whose value is something
// else, or a single event type rather than a pattern ("command path
// --flag").
var flagExceptions = map[string]func(*cmdutil.Factory) cobra.CompletionFunc{
	"source create --event":       nil, // the source's own event name (push), not the catalogue's
	"webhook-config list --event": cmdutil.CompleteEventTypes,
}

func idsOf(kind cmdutil.IDKind) func(*cmdutil.Factory) cobra.CompletionFunc {
	return func(f *cmdutil.Factory) cobra.CompletionFunc { return cmdutil.CompleteIDs(f, kind) }
}

// relPath is cmd's path without the root's name.
func relPath(cmd *cobra.Command) string {
	p := cmd.CommandPath()
	if i := strings.IndexByte(p, ' '); i >= 0 {
		return p[i+1:]
	}
	return ""
}

// wireCompletions registers the table's completion functions on root's
// tree. Nothing is listed until a shell asks (hookctl __complete …).
func wireCompletions(root *cobra.Command, f *cmdutil.Factory) {
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		path := relPath(c)
		if mk, ok := argCompletions[path]; ok {
			c.ValidArgsFunction = cmdutil.Positional(mk(f))
		}
		for name, mk := range flagCompletions {
			if c.LocalNonPersistentFlags().Lookup(name) == nil {
				continue
			}
			if _, has := c.GetFlagCompletionFunc(name); has {
				continue
			}
			if ex, ok := flagExceptions[path+" --"+name]; ok {
				if mk = ex; mk == nil {
					continue
				}
			}
			_ = c.RegisterFlagCompletionFunc(name, mk(f))
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
