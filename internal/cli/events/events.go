// Package events implements `hookctl events`: the catalogue of example
// events that `hookctl webhook send` can send.
package events

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/iostreams"
)

// NewCmdEvents is the `events` group.
func NewCmdEvents(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "events <command>",
		Short: "Browse the catalogue of example webhook events",
		Long: `The catalogue holds example events of several providers (Scalefusion, Stripe,
GitHub, Slack, Shopify, Miru, ricloud), each a JSON template whose ids and
timestamps are fresh at every build.

Add or override events with JSON files in $HOOKCTL_DATA_DIR/events/ (read
automatically) or in directories given with --template-dir (later wins); see
"hookctl events show TYPE -o json" for the format.`,
		Example: `  hookctl events list --provider scalefusion
  hookctl events list --platform android --category Enrollment
  hookctl events show device.enrolled
  hookctl events show device.unenrolled --platform macos`,
	}
	cmdutil.Group(cmd)
	cmd.AddCommand(NewCmdList(f, nil), NewCmdShow(f, nil))
	return cmd
}

// ListOptions are the inputs of `events list`.
type ListOptions struct {
	Factory      *cmdutil.Factory
	Provider     string
	Platform     string // one of catalog.Platforms, or ""
	Category     string // one of catalog.Categories, or ""
	TemplateDirs []string
	Limit        int // at most this many; 0: all
}

// NewCmdList builds `events list`.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	opts := &ListOptions{Factory: f}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List the event types that can be sent",
		Long: `List the event types of the catalogue: type, provider, signature scheme,
category and the device platforms the provider sends it for (device events),
and description. Piped, one tab-separated line per event without a header.

--platform keeps the events sent for that platform (android, ios, macos,
windows, linux); --category those of one category (Enrollment, Management,
Device Update; any case, device-update also works).`,
		Example: `  hookctl events list
  hookctl events list --provider stripe
  hookctl events list --platform android --category Enrollment
  hookctl events list --category "Device Update" -q '#.type'`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Platform != "" {
				if opts.Platform, err = catalog.ParsePlatform(opts.Platform); err != nil {
					return err
				}
			}
			if opts.Category != "" {
				if opts.Category, err = catalog.ParseCategory(opts.Category); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return listRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Provider, "provider", "", "only this provider's events")
	cmd.Flags().StringVar(&opts.Platform, "platform", "", "only the events sent for this device platform {"+strings.Join(catalog.Platforms, "|")+"}")
	cmd.Flags().StringVar(&opts.Category, "category", "", "only the events of this category {"+strings.Join(catalog.Categories, "|")+"}")
	cmd.Flags().StringArrayVar(&opts.TemplateDirs, "template-dir", nil, "extra directory of event templates, repeatable")
	cmdutil.LimitVar(cmd.Flags(), &opts.Limit, "event types")
	_ = cmd.RegisterFlagCompletionFunc("provider", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return catalog.Builtin().Providers(), cobra.ShellCompDirectiveNoFileComp
	})
	_ = cmd.RegisterFlagCompletionFunc("platform", cobra.FixedCompletions(catalog.Platforms, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("category", cobra.FixedCompletions(catalog.Categories, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// listItem is one row of `events list -o json`.
type listItem struct {
	Type        string   `json:"type"`
	Provider    string   `json:"provider"`
	Scheme      string   `json:"scheme,omitempty"`
	Category    string   `json:"category,omitempty"`
	Platforms   []string `json:"platforms,omitempty"`
	Description string   `json:"description,omitempty"`
	Source      string   `json:"source"`
}

func listRun(opts *ListOptions) error {
	f := opts.Factory
	cat, err := cmdutil.LoadCatalog(f, opts.TemplateDirs)
	if err != nil {
		return err
	}
	if len(cat.List(opts.Provider)) == 0 && opts.Provider != "" {
		return fmt.Errorf("no events for provider %q (known: %s)", opts.Provider, strings.Join(cat.Providers(), ", "))
	}
	// A filter that matches nothing is an empty list, not an error.
	evs := cat.Filter(catalog.ListFilter{Provider: opts.Provider, Platform: opts.Platform, Category: opts.Category})
	total := len(evs)
	evs, _ = cmdutil.Truncate(evs, opts.Limit)
	cmdutil.LimitNote(f, len(evs), total, "event types")
	items := make([]listItem, len(evs))
	for i, e := range evs {
		items[i] = listItem{Type: e.Type, Provider: e.Provider, Scheme: e.Scheme, Category: e.Category, Platforms: e.Platforms,
			Description: e.Description, Source: e.Source}
	}
	return cmdutil.Render(f, items, func() error {
		tbl := cmdutil.NewTable(f.IOStreams, "TYPE", "PROVIDER", "SCHEME", "CATEGORY", "PLATFORMS", "DESCRIPTION")
		for _, it := range items {
			esc := iostreams.Escape
			tbl.AddRow(esc(it.Type), esc(it.Provider), esc(it.Scheme), esc(it.Category), esc(strings.Join(it.Platforms, ",")), esc(it.Description))
		}
		return tbl.Render()
	})
}

// ShowOptions are the inputs of `events show`.
type ShowOptions struct {
	Factory      *cmdutil.Factory
	Type         string
	Platform     string // set the device's os/platform; "" = the example's
	TemplateDirs []string
}

// NewCmdShow builds `events show`.
func NewCmdShow(f *cmdutil.Factory, runF func(context.Context, *ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "show TYPE",
		Short: "Show a freshly built example of an event",
		Long: `Build the event's template with fresh ids and timestamps and print its headers
and pretty JSON payload. With -o json, print the raw event: the payload as
built (the exact bytes "webhook send" would sign) with its metadata and headers.

--platform sets the device's os and platform fields in the payload; a platform
the event is not sent for (device.activated on ios) is refused, naming the
supported ones.`,
		Example: `  hookctl events show device.enrolled
  hookctl events show device.enrolled --platform ios
  hookctl events show payment_intent.succeeded -q payload.data.object.amount`,
		Args: cmdutil.ExactArgs(1, "event type"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Type = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return showRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Platform, "platform", "", "device platform of the example {"+strings.Join(catalog.Platforms, "|")+"}")
	_ = cmd.RegisterFlagCompletionFunc("platform", cobra.FixedCompletions(catalog.Platforms, cobra.ShellCompDirectiveNoFileComp))
	cmd.Flags().StringArrayVar(&opts.TemplateDirs, "template-dir", nil, "extra directory of event templates, repeatable")
	return cmd // TYPE completes from the table in internal/cli/complete.go
}

// shown is `events show -o json`.
type shown struct {
	Type        string            `json:"type"`
	Provider    string            `json:"provider"`
	Scheme      string            `json:"scheme,omitempty"`
	Category    string            `json:"category,omitempty"`
	Platforms   []string          `json:"platforms,omitempty"`
	Description string            `json:"description,omitempty"`
	Source      string            `json:"source"`
	Headers     map[string]string `json:"headers"`
	Payload     json.RawMessage   `json:"payload"`
}

func showRun(opts *ShowOptions) error {
	f := opts.Factory
	cat, err := cmdutil.LoadCatalog(f, opts.TemplateDirs)
	if err != nil {
		return err
	}
	e, err := cat.Get(opts.Type)
	if err != nil {
		return err
	}
	body, hdr, err := e.BuildRequest(catalog.BuildOptions{Now: f.Now()})
	if err != nil {
		return err
	}
	if opts.Platform != "" {
		if body, err = e.WithPlatform(body, opts.Platform); err != nil {
			return err
		}
	}
	s := shown{Type: e.Type, Provider: e.Provider, Scheme: e.Scheme, Category: e.Category, Platforms: e.Platforms,
		Description: e.Description, Source: e.Source, Headers: map[string]string{}, Payload: body}
	for k := range hdr {
		s.Headers[k] = hdr.Get(k)
	}
	return cmdutil.Render(f, s, func() error {
		ios := f.IOStreams
		st := ios.Styles()
		var b strings.Builder
		esc := iostreams.Escape
		fmt.Fprintf(&b, "%s  %s\n", st.Bold.Render(esc(e.Type)), st.Muted.Render(esc(e.Provider+", "+schemeOrNone(e.Scheme))))
		if e.Description != "" {
			b.WriteString(esc(e.Description) + "\n")
		}
		var meta []string
		if e.Category != "" {
			meta = append(meta, "category: "+e.Category)
		}
		if len(e.Platforms) > 0 {
			var labels []string
			for _, p := range e.Platforms {
				labels = append(labels, catalog.PlatformLabel(p))
			}
			meta = append(meta, "platforms: "+strings.Join(labels, ", "))
		}
		if len(meta) > 0 {
			fmt.Fprintf(&b, "%s\n", st.Muted.Render(esc(strings.Join(meta, "; "))))
		}
		b.WriteString("\n")
		keys := make([]string, 0, len(s.Headers))
		for k := range s.Headers {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "%s %s\n", st.Key.Render(esc(k)+":"), esc(s.Headers[k]))
		}
		b.WriteString("\n")
		b.WriteString(iostreams.EscapeText(iostreams.PrettyJSON(body)))
		b.WriteString("\n")
		_, err := fmt.Fprint(ios.Out, b.String())
		return err
	})
}

func schemeOrNone(s string) string {
	if s == "" {
		return "no scheme"
	}
	return s + " signature"
}
