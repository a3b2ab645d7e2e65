package cmdutil

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/model"
)

// IDKind names what an argument or flag value identifies, for completion.
type IDKind int

// The kinds of ids hookctl completes.
const (
	WebhookConfigIDs  IDKind = iota // whc_…
	DeliveryIDs                     // dlv_…
	RequestIDs                      // req_…
	ConfigInstanceIDs               // cfg_inst_…
	SourceTokens                    // hks_… (sources live on a server)
	APIKeyIDs                       // key_… (always the local data dir)
)

func (k IDKind) String() string {
	switch k {
	case WebhookConfigIDs:
		return "webhook config"
	case DeliveryIDs:
		return "delivery"
	case RequestIDs:
		return "received request"
	case ConfigInstanceIDs:
		return "config instance"
	case SourceTokens:
		return "source"
	case APIKeyIDs:
		return "API key"
	}
	return fmt.Sprintf("IDKind(%d)", int(k))
}

const (
	// completionTimeout bounds one completion: a shell waiting on a
	// server that does not answer gets nothing rather than a hang.
	completionTimeout = 3 * time.Second
	// logPage is the page size when completing ids of the delivery and
	// request logs (newest first); logCandidates caps how many matching
	// ids one completion offers from them.
	logPage       = 500
	logCandidates = 1000
)

// CompleteIDs returns the completion function (a cobra ValidArgsFunction or
// RegisterFlagCompletionFunc func) of the ids of kind: each candidate with a
// short description in cobra's "id\tdescription" form, those starting with
// what was typed, never file names. It lists through the factory's backend,
// so in remote mode the server answers. When listing fails it offers nothing
// and prints nothing. As a ValidArgsFunction wrap it in Positional.
func CompleteIDs(f *Factory, kind IDKind) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		ctx, cancel := completionContext(cmd)
		defer cancel()
		out, err := listIDs(ctx, f, kind, toComplete)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// Positional makes fn a completion function of the first positional
// argument only: once it is given, nothing more is offered.
func Positional(fn cobra.CompletionFunc) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return fn(cmd, args, toComplete)
	}
}

func completionContext(cmd *cobra.Command) (context.Context, context.CancelFunc) {
	ctx := context.Background()
	if cmd != nil && cmd.Context() != nil {
		ctx = cmd.Context()
	}
	return context.WithTimeout(ctx, completionTimeout)
}

// configCompleter is a backend that lists configs for completion without
// reading whole rows (backend.Local): 10,000 configs in milliseconds.
type configCompleter interface {
	CompleteWebhookConfigs(ctx context.Context, prefix string) ([]model.WebhookConfig, error)
}

// listIDs lists the candidates of kind that start with prefix.
func listIDs(ctx context.Context, f *Factory, kind IDKind, prefix string) ([]cobra.Completion, error) {
	var out []cobra.Completion
	add := func(id string, desc ...string) {
		if !strings.HasPrefix(id, prefix) {
			return
		}
		out = append(out, cobra.CompletionWithDesc(id, describe(desc...)))
	}
	switch kind {
	case SourceTokens:
		r, err := f.SourceClient()
		if err != nil {
			return nil, err
		}
		srcs, err := r.ListSources(ctx)
		if err != nil {
			return nil, err
		}
		for _, s := range srcs {
			add(s.Token, s.Datasource+" "+s.Event)
		}
		return out, nil
	case APIKeyIDs:
		s, err := OpenLocalStore(ctx, f)
		if err != nil {
			return nil, err
		}
		defer s.Close()
		keys, err := s.ListAPIKeys(ctx)
		if err != nil {
			return nil, err
		}
		for _, k := range keys {
			state := ""
			if k.Revoked() {
				state = "revoked"
			}
			add(k.ID, k.Name, state)
		}
		return out, nil
	}

	be, err := f.Backend()
	if err != nil {
		return nil, err
	}
	switch kind {
	case WebhookConfigIDs:
		var cs []model.WebhookConfig
		if lean, ok := be.(configCompleter); ok {
			cs, err = lean.CompleteWebhookConfigs(ctx, prefix)
		} else {
			cs, err = be.ListWebhookConfigs(ctx, backend.ListWebhookConfigsParams{})
		}
		if err != nil {
			return nil, err
		}
		out = make([]cobra.Completion, 0, len(cs))
		for i := range cs {
			c := &cs[i]
			state := ""
			if !c.Enabled {
				state = "disabled"
			}
			add(c.ID, c.URL, state, c.Description)
		}
	case ConfigInstanceIDs:
		cis, err := be.ListConfigInstances(ctx, backend.ListConfigInstancesParams{})
		if err != nil {
			return nil, err
		}
		for _, ci := range cis {
			add(ci.ID, ci.Status, ci.ConfigTypeID, ci.DeviceID)
		}
	case DeliveryIDs:
		after := ""
		for len(out) < logCandidates {
			page, err := be.ListDeliveries(ctx, backend.ListDeliveriesParams{Limit: logPage, StartingAfter: after})
			if err != nil {
				if len(out) > 0 {
					break // offer what the earlier pages found
				}
				return nil, err
			}
			for _, d := range page.Deliveries {
				add(d.ID, d.EventType, deliveryStatus(d.State, d.StatusCode), d.URL)
			}
			if !page.HasMore || len(page.Deliveries) == 0 {
				break
			}
			after = page.Deliveries[len(page.Deliveries)-1].ID
		}
	case RequestIDs:
		after := ""
		for len(out) < logCandidates {
			reqs, err := be.ListRequests(ctx, backend.ListRequestsParams{Limit: logPage, StartingAfter: after})
			if err != nil {
				if len(out) > 0 {
					break
				}
				return nil, err
			}
			for _, r := range reqs {
				add(r.ID, r.Method+" "+r.Path, r.EventType, fmt.Sprint(r.Status))
			}
			if len(reqs) < logPage {
				break
			}
			after = reqs[len(reqs)-1].ID
		}
	default:
		return nil, fmt.Errorf("no completion for %v", kind)
	}
	if len(out) > logCandidates && (kind == DeliveryIDs || kind == RequestIDs) {
		out = out[:logCandidates]
	}
	return out, nil
}

func deliveryStatus(state string, code int) string {
	if code == 0 {
		return state
	}
	return fmt.Sprintf("%s %d", state, code)
}

// describe joins the non-empty parts of a description, on one line (a
// newline or tab would break the shell's "id\tdescription" protocol).
func describe(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		p = strings.Join(strings.Fields(p), " ")
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(" · ")
		}
		b.WriteString(p)
	}
	return b.String()
}

// CompleteEventTypes completes the event types of the catalogue (builtin
// events, the user's templates in $DATA_DIR/events and the command's
// --template-dir, if it has one), with their descriptions. A comma-separated
// list (a StringSlice flag such as listen --events) completes its last
// element. As a ValidArgsFunction wrap it in Positional.
func CompleteEventTypes(f *Factory) cobra.CompletionFunc {
	return completeEvents(f, false)
}

// CompleteEventPatterns is CompleteEventTypes for flags that take patterns
// ('device.*'): it also offers each provider's "prefix.*" and "*".
func CompleteEventPatterns(f *Factory) cobra.CompletionFunc {
	return completeEvents(f, true)
}

func completeEvents(f *Factory, patterns bool) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		head, word := "", toComplete
		if i := strings.LastIndexByte(toComplete, ','); i >= 0 {
			head, word = toComplete[:i+1], toComplete[i+1:]
		}
		cat := completionCatalog(f, cmd)
		var out []cobra.Completion
		seen := map[string]bool{}
		add := func(v, desc string) {
			if seen[v] || !strings.HasPrefix(v, word) {
				return
			}
			seen[v] = true
			out = append(out, cobra.CompletionWithDesc(head+v, describe(desc)))
		}
		evs := cat.List("")
		if patterns {
			add("*", "every event type")
			var groups []string
			for _, e := range evs {
				if i := strings.LastIndexByte(e.Type, '.'); i > 0 {
					groups = append(groups, e.Type[:i])
				}
			}
			sort.Strings(groups)
			for _, g := range groups {
				add(g+".*", "every "+g+" event")
			}
		}
		for _, e := range evs {
			desc := e.Description
			if desc == "" {
				desc = e.Provider
			}
			add(e.Type, desc)
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// completionCatalog loads the catalogue as the command would, quietly: on
// any error (or warning) it falls back to what loaded, or the builtin events.
func completionCatalog(f *Factory, cmd *cobra.Command) *catalog.Catalog {
	var dirs []string
	if cmd != nil && cmd.Flags().Lookup("template-dir") != nil {
		dirs, _ = cmd.Flags().GetStringArray("template-dir")
	}
	dir, err := DataDir(f)
	if err != nil {
		return catalog.Builtin()
	}
	c, err := catalog.LoadUser(filepath.Join(dir, "events"), dirs...)
	if err != nil || c == nil {
		return catalog.Builtin()
	}
	return c
}
