package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/build"
	"github.com/hookctl/hookctl/internal/cli/apikey"
	"github.com/hookctl/hookctl/internal/cli/configinstance"
	"github.com/hookctl/hookctl/internal/cli/events"
	inspectcmd "github.com/hookctl/hookctl/internal/cli/inspect"
	"github.com/hookctl/hookctl/internal/cli/serve"
	"github.com/hookctl/hookctl/internal/cli/source"
	"github.com/hookctl/hookctl/internal/cli/validate"
	"github.com/hookctl/hookctl/internal/cli/webhook"
	"github.com/hookctl/hookctl/internal/cli/webhookconfig"
	"github.com/hookctl/hookctl/internal/cmdutil"
)

// NewCmdRoot builds a fresh command tree bound to f. No globals: tests build
// as many trees as they like.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "hookctl <command> <subcommand> [flags]",
		Short: "Build, receive, verify and send webhooks",
		Long: `hookctl is a toolkit for people who build and operate webhook integrations.

Register endpoints and their signing secrets, receive webhooks locally (optionally
through a public tunnel), verify and sign payloads for every common scheme, send
example events, and approve or reject config instances — from a terminal or from CI.

Everything works offline on an embedded SQLite store in $XDG_DATA_HOME/hookctl.`,
		Example: `  # Register an endpoint and get its signing secret
  hookctl webhook-config create --url https://example.com/webhooks --event 'device.*'

  # List endpoints as JSON and pick the ids
  hookctl webhook-config list -o json -q '#.id'`,
		Version:       build.Current().String(),
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if f.Globals.NoColor {
				f.IOStreams.DisableColour()
			}
			return f.Globals.ValidateOutput()
		},
	}
	// Mistyped commands get "Did you mean this?" at every level: the
	// groups' Args (cmdutil.Group) and FlagErrorFunc use cobra's
	// SuggestionsFor, within this edit distance.
	root.SuggestionsMinimumDistance = 2
	cmdutil.Group(root)
	root.SetVersionTemplate("hookctl version {{.Version}}\n")
	root.SetFlagErrorFunc(cmdutil.FlagErrorFunc)
	// Our own completion command (completion.go) replaces cobra's default.
	root.CompletionOptions.DisableDefaultCmd = true

	g := f.Globals
	pf := root.PersistentFlags()
	pf.StringVar(&g.DataDir, "data-dir", "", "directory of the local store (env HOOKCTL_DATA_DIR; default $XDG_DATA_HOME/hookctl)")
	pf.StringVar(&g.Database, "database", "", "keep the local store in this PostgreSQL `URL` (postgres://user:pass@host/db) instead of SQLite in the data dir (env HOOKCTL_DATABASE_URL)")
	pf.StringVar(&g.APIURL, "api-url", "", "use the hookctl server at this URL instead of the local store (env HOOKCTL_API_URL, key in HOOKCTL_API_KEY)")
	cmdutil.StringEnumPersistentFlag(root, &g.Output, "output", "o", cmdutil.FormatText, cmdutil.OutputFormats, "output format")
	pf.StringVarP(&g.Query, "query", "q", "", "gjson path applied to the JSON output, e.g. '#.id' (implies -o json)")
	pf.BoolVar(&g.NoColor, "no-color", false, "disable colour (also NO_COLOR)")
	pf.BoolVar(&g.Debug, "debug", false, "log debugging details to stderr")

	root.AddCommand(
		newCmdVersion(f),
		newCmdCompletion(f),
		newCmdMan(f),
		webhookconfig.NewCmdWebhookConfig(f),
		webhook.NewCmdWebhook(f),
		configinstance.NewCmdConfigInstance(f),
		events.NewCmdEvents(f),
		serve.NewCmdServe(f, nil),
		apikey.NewCmdAPIKey(f),
		validate.NewCmdValidate(f),
		source.NewCmdSource(f),
		inspectcmd.NewCmdInspect(f, nil),
	)
	// Ids and event types complete dynamically (complete.go).
	wireCompletions(root, f)
	return root
}

func newCmdVersion(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the hookctl version",
		Long: `Print the hookctl version. A release says its version; a binary built from a
checkout (go install, go build) without a stamped version also says the VCS
revision it was built from and whether the tree had uncommitted changes.`,
		Example: `  hookctl version
  hookctl version -o json -q revision`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			v := build.Current()
			return cmdutil.Render(f, v, func() error {
				_, err := fmt.Fprintf(f.IOStreams.Out, "hookctl version %s\n", v)
				return err
			})
		},
	}
}
