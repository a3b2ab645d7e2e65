// Package source implements `hookctl source`: the inbound webhook sources
// of `hookctl serve` (create-or-update, list, get, delete). Sources live on
// a server — their hook URLs are served by it — so these commands need
// --api-url/HOOKCTL_API_URL and an API key, whose tenant owns the sources.
package source

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/iostreams"
	"github.com/hookctl/hookctl/internal/model"
)

// NewCmdSource is the `source` group.
func NewCmdSource(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "source <command>",
		Aliases: []string{"sources"},
		Short:   "Manage inbound webhook sources of hookctl serve",
		Long: `An inbound source gives senders a hook URL, <server>/wh/{apiToken}/{token},
to POST JSON events to. The server records each event as a received request,
with the event time read from --ts-field and the routing key
event.{tenant}.{datasource}.{event}; "hookctl webhook listen --relay" receives
them as they arrive and forwards them to a local app.

There is one source per datasource and event: creating it again updates it.
The tokens are the credentials of the hook URL: keep them secret.

Sources live on "hookctl serve": these commands need --api-url (or
HOOKCTL_API_URL) and HOOKCTL_API_KEY; the key's tenant owns the sources.`,
		Example: `  hookctl source create --datasource github --event push --ts-field 'commits[0].timestamp'
  hookctl source list
  hookctl source get hks_…
  hookctl source delete hks_…`,
	}
	cmdutil.Group(cmd)
	cmd.AddCommand(
		NewCmdCreate(f, nil),
		NewCmdList(f, nil),
		NewCmdGet(f, nil),
		NewCmdDelete(f, nil),
	)
	return cmd
}

// printDetail renders one source as aligned "key  value" lines.
func printDetail(ios *iostreams.IOStreams, s *model.Source) error {
	st := ios.Styles()
	esc := iostreams.Escape
	ts := esc(s.TSField)
	if ts == "" {
		ts = st.Muted.Render("(none)")
	}
	rows := [][2]string{
		{"hookUrl", st.Bold.Render(esc(s.HookURL))},
		{"apiToken", esc(s.APIToken)},
		{"token", esc(s.Token)},
		{"datasource", esc(s.Datasource)},
		{"event", esc(s.Event)},
		{"tsField", ts},
		{"createdAt", s.CreatedAt.UTC().Format(time.RFC3339)},
	}
	for _, r := range rows {
		if _, err := fmt.Fprintf(ios.Out, "%s  %s\n", st.Key.Render(fmt.Sprintf("%-10s", r[0])), r[1]); err != nil {
			return err
		}
	}
	return nil
}
