package webhookconfig

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/iostreams"
	"github.com/hookctl/hookctl/internal/model"
)

// ListOptions are the inputs of `webhook-config list`.
type ListOptions struct {
	Factory  *cmdutil.Factory
	Event    string
	Enabled  bool
	Disabled bool
	Limit    int // at most this many, the oldest first; 0: all
	// ShowSecret shows credential headers in full (signing secrets are
	// never listed).
	ShowSecret bool
}

// NewCmdList builds `webhook-config list`.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	opts := &ListOptions{Factory: f}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List webhook configs",
		Long: `List the registered webhook configs, oldest first. Secrets are never listed;
credential headers (Authorization, X-API-Key, …) in JSON output are redacted
unless --show-secret.

On a terminal the list is a table; piped, it is one tab-separated line per
config (id, url, events, scheme, enabled) for cut and awk.`,
		Example: `  hookctl webhook-config list
  hookctl webhook-config list --event device.enrolled --enabled
  hookctl webhook-config list --limit 0   # all of them (default: the first 50)
  hookctl webhook-config list -o json -q '#.url'`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cmdutil.MutuallyExclusive("--enabled and --disabled cannot be used together", opts.Enabled, opts.Disabled); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Event, "event", "", "only configs that would receive this event type")
	cmd.Flags().BoolVar(&opts.Enabled, "enabled", false, "only enabled configs")
	cmd.Flags().BoolVar(&opts.Disabled, "disabled", false, "only disabled configs")
	cmd.Flags().BoolVar(&opts.ShowSecret, "show-secret", false, "show credential headers in full (signing secrets are never listed)")
	cmdutil.LimitVar(cmd.Flags(), &opts.Limit, "configs")
	return cmd
}

func listRun(ctx context.Context, opts *ListOptions) error {
	f := opts.Factory
	be, err := f.Backend()
	if err != nil {
		return err
	}
	p := backend.ListWebhookConfigsParams{Event: opts.Event}
	if opts.Enabled || opts.Disabled {
		p.Enabled = &opts.Enabled
	}
	if opts.ShowSecret {
		ctx = backend.WithShowSecret(ctx)
	}
	configs, err := be.ListWebhookConfigs(ctx, p)
	if err != nil {
		return err
	}
	total := len(configs)
	configs, _ = cmdutil.Truncate(configs, opts.Limit)
	cmdutil.LimitNote(f, len(configs), total, "webhook configs")
	redacted := make([]model.WebhookConfig, len(configs))
	for i, c := range configs {
		redacted[i] = withHeaders(c.Redacted(), opts.ShowSecret)
	}
	return cmdutil.Render(f, redacted, func() error {
		ios := f.IOStreams
		if len(configs) == 0 {
			if ios.IsStdoutTTY() {
				fmt.Fprintln(ios.Out, "No webhook configs yet. Create one with: hookctl webhook-config create --url URL")
			}
			return nil
		}
		now := f.Now()
		tbl := cmdutil.NewTable(ios, "ID", "URL", "EVENTS", "SCHEME", "ENABLED", "CREATED")
		for _, c := range configs {
			created := c.CreatedAt.UTC().Format("2006-01-02T15:04:05Z")
			if ios.IsStdoutTTY() {
				created = cmdutil.FuzzyAgo(now, c.CreatedAt)
			}
			esc := iostreams.Escape
			tbl.AddRow(esc(c.ID), esc(c.URL), esc(strings.Join(c.Events, ",")), esc(c.Scheme), yesNo(c.Enabled), created)
		}
		return tbl.Render()
	})
}
