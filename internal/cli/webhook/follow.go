package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/spf13/cobra"
	"github.com/tidwall/gjson"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/redact"
)

// Tail mode: `webhook deliveries list --follow` and `webhook requests list
// --follow`.
//
// Like `tail -f`, it prints the current page first (the list's filters and
// --limit, oldest first, so that the newest entry is the last line), then
// every new matching entry as it is recorded, until Ctrl-C (exit 130,
// quietly, as for `webhook listen`). To see only new entries, pass
// --since 0s.
//
// It polls the backend's list (the store, or GET /v1/… of `hookctl serve`
// in remote mode) every --interval. The lists are newest first and keyed by
// (time, id); an entry can be committed after a newer one (a delivery is
// saved when it ends, a listener commits in groups), so each poll asks for
// everything since followWindow before the newest entry seen, and ids seen
// in that window are remembered: nothing is printed twice, and several
// entries arriving within one poll are all printed, in (time, id) order. An
// entry committed more than followWindow behind the newest one printed is
// missed. A delivery is printed once, in the state it had when first seen
// (`webhook deliveries show ID` has its outcome).

// DefaultFollowInterval is the time between two polls of --follow.
const DefaultFollowInterval = 500 * time.Millisecond

// followWindow is how far behind the newest entry seen a poll looks again.
const followWindow = 10 * time.Second

// followKey orders entries as the lists do (newest first: time, then id).
type followKey struct {
	at time.Time
	id string
}

func (k followKey) before(o followKey) bool {
	return k.at.Before(o.at) || k.at.Equal(o.at) && k.id < o.id
}

// follower polls a newest-first list and emits each new entry once.
type follower[T any] struct {
	key func(*T) followKey
	// fetch lists every matching entry at or after since, newest first.
	fetch    func(ctx context.Context, since time.Time) ([]T, error)
	emit     func(*T) error
	interval time.Duration
	since    time.Time // the user's --since (zero: none)

	seen   map[string]time.Time
	newest time.Time
	// floor, when the first page was cut by --limit, is its oldest entry:
	// entries at or before it existed before the follow started.
	floor *followKey
}

// begin takes the first page (newest first, limit as asked) and returns it
// oldest first, for printing; its entries count as seen.
func (f *follower[T]) begin(page []T, limit int) []T {
	f.seen = map[string]time.Time{}
	out := slices.Clone(page)
	slices.Reverse(out)
	for i := range out {
		f.mark(f.key(&out[i]))
	}
	if limit > 0 && len(out) >= limit {
		k := f.key(&out[0])
		f.floor = &k
	}
	return out
}

func (f *follower[T]) mark(k followKey) {
	f.seen[k.id] = k.at
	if k.at.After(f.newest) {
		f.newest = k.at
	}
}

// poll fetches the window and emits the entries not seen yet, oldest first.
func (f *follower[T]) poll(ctx context.Context) error {
	since := f.since
	if !f.newest.IsZero() {
		if w := f.newest.Add(-followWindow); w.After(since) {
			since = w
		}
	}
	items, err := f.fetch(ctx, since)
	if err != nil {
		return err
	}
	var fresh []*T
	for i := range items {
		k := f.key(&items[i])
		if _, ok := f.seen[k.id]; ok {
			continue
		}
		if f.floor != nil && !f.floor.before(k) {
			f.seen[k.id] = k.at // history beyond the first page
			continue
		}
		fresh = append(fresh, &items[i])
	}
	slices.SortFunc(fresh, func(a, b *T) int {
		ka, kb := f.key(a), f.key(b)
		switch {
		case ka.before(kb):
			return -1
		case kb.before(ka):
			return 1
		}
		return 0
	})
	for _, it := range fresh {
		if err := f.emit(it); err != nil {
			return err
		}
		f.mark(f.key(it))
	}
	// Ids that left the window are never fetched again.
	edge := f.newest.Add(-followWindow)
	for id, at := range f.seen {
		if at.Before(edge) {
			delete(f.seen, id)
		}
	}
	return nil
}

// run polls every interval until ctx ends, and returns ctx's error then
// (Ctrl-C: exit 130), or the first error of a poll.
func (f *follower[T]) run(ctx context.Context) error {
	t := time.NewTicker(f.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		if err := f.poll(ctx); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
	}
}

// followPrinter prints entries one at a time, each written at once: with
// -o json one compact JSON object per line (or the -q result of each);
// piped, the list's tab-separated rows; on a terminal, the header once and
// rows padded to the widest cell seen so far in each column, cut to the
// terminal's width.
type followPrinter struct {
	f       *cmdutil.Factory
	headers []string
	widths  []int
	started bool
}

func newFollowPrinter(f *cmdutil.Factory, headers ...string) *followPrinter {
	w := make([]int, len(headers))
	for i, h := range headers {
		w[i] = ansi.StringWidth(h)
	}
	return &followPrinter{f: f, headers: headers, widths: w}
}

// print writes v (JSON) or its cells (text).
func (p *followPrinter) print(v any, cells []string) error {
	ios := p.f.IOStreams
	if p.f.Globals.WantsJSON() {
		line, err := jsonLine(v, p.f.Globals.Query)
		if err != nil || line == nil {
			return err
		}
		_, err = ios.Out.Write(line)
		return err
	}
	if !ios.IsStdoutTTY() {
		_, err := fmt.Fprintln(ios.Out, strings.Join(cells, "\t"))
		return err
	}
	for i, c := range cells {
		if i < len(p.widths) {
			p.widths[i] = max(p.widths[i], ansi.StringWidth(c))
		}
	}
	var b strings.Builder
	if !p.started {
		p.started = true
		b.WriteString(ios.Styles().Header.Render(p.pad(p.headers)) + "\n")
	}
	b.WriteString(p.pad(cells) + "\n")
	_, err := fmt.Fprint(ios.Out, b.String())
	return err
}

// pad joins cells padded to the column widths, cut to the terminal.
func (p *followPrinter) pad(cells []string) string {
	var b strings.Builder
	for i, c := range cells {
		if i > 0 {
			b.WriteString("  ")
		}
		b.WriteString(c)
		if i < len(cells)-1 && i < len(p.widths) {
			b.WriteString(strings.Repeat(" ", max(p.widths[i]-ansi.StringWidth(c), 0)))
		}
	}
	line := b.String()
	if w := p.f.IOStreams.Width(); ansi.StringWidth(line) > w {
		line = ansi.Truncate(line, w, "…")
	}
	return line
}

// jsonLine is v as one line of JSON (no HTML escaping), or the -q result
// on it as PrintJSON prints it (strings bare); nil when the query matches
// nothing.
func jsonLine(v any, query string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	if query == "" {
		return buf.Bytes(), nil
	}
	r := gjson.GetBytes(buf.Bytes(), query)
	switch {
	case !r.Exists():
		return nil, nil
	case r.Type == gjson.String:
		return []byte(r.Str + "\n"), nil
	default:
		return []byte(r.Raw + "\n"), nil
	}
}

// waitingNote tells a terminal that the follow goes on.
func waitingNote(f *cmdutil.Factory, what string) {
	if ios := f.IOStreams; ios.IsStderrTTY() {
		fmt.Fprintln(ios.ErrOut, ios.ErrStyles().Muted.Render("Waiting for new "+what+"… (Ctrl-C to stop)"))
	}
}

// followInterval is opts' interval, or the default.
func followInterval(d time.Duration) time.Duration {
	if d <= 0 {
		return DefaultFollowInterval
	}
	return d
}

func deliveriesFollowRun(ctx context.Context, opts *DeliveriesListOptions) error {
	f := opts.Factory
	if err := cmdutil.ValidateQuery(f.Globals.Query); err != nil {
		return err
	}
	be, err := f.Backend()
	if err != nil {
		return err
	}
	first, err := be.ListDeliveries(ctx, opts.Params)
	if err != nil {
		return err
	}
	pr := newFollowPrinter(f, deliveryHeaders...)
	ios := f.IOStreams
	fl := &follower[model.Delivery]{
		key: func(d *model.Delivery) followKey { return followKey{d.CreatedAt, d.ID} },
		fetch: func(ctx context.Context, since time.Time) ([]model.Delivery, error) {
			p := opts.Params
			p.Since, p.Limit, p.StartingAfter = since, 0, ""
			l, err := be.ListDeliveries(ctx, p)
			if err != nil {
				return nil, err
			}
			return l.Deliveries, nil
		},
		emit: func(d *model.Delivery) error {
			return pr.print(d, deliveryRow(ios, d, d.CreatedAt.UTC().Format(time.RFC3339)))
		},
		interval: followInterval(opts.Interval),
		since:    opts.Params.Since,
	}
	for _, d := range fl.begin(first.Deliveries, opts.Params.Limit) {
		if err := fl.emit(&d); err != nil {
			return err
		}
	}
	waitingNote(f, "deliveries")
	return fl.run(ctx)
}

func requestsFollowRun(ctx context.Context, opts *RequestsListOptions) error {
	f := opts.Factory
	if err := cmdutil.ValidateQuery(f.Globals.Query); err != nil {
		return err
	}
	be, err := f.Backend()
	if err != nil {
		return err
	}
	if opts.ShowSecret {
		ctx = backend.WithShowSecret(ctx)
	}
	first, err := be.ListRequests(ctx, opts.Params)
	if err != nil {
		return err
	}
	pr := newFollowPrinter(f, requestHeaders...)
	fl := &follower[model.ReceivedRequest]{
		key: func(r *model.ReceivedRequest) followKey { return followKey{r.ReceivedAt, r.ID} },
		fetch: func(ctx context.Context, since time.Time) ([]model.ReceivedRequest, error) {
			p := opts.Params
			p.Since, p.Limit, p.StartingAfter = since, 0, ""
			return be.ListRequests(ctx, p)
		},
		emit: func(r *model.ReceivedRequest) error {
			if !opts.ShowSecret {
				shown := *r
				shown.Headers = redact.HTTPHeader(r.Headers)
				r = &shown
			}
			return pr.print(r, requestRow(r, r.ReceivedAt.UTC().Format(time.RFC3339)))
		},
		interval: followInterval(opts.Interval),
		since:    opts.Params.Since,
	}
	for _, r := range fl.begin(first, opts.Params.Limit) {
		if err := fl.emit(&r); err != nil {
			return err
		}
	}
	waitingNote(f, "requests")
	return fl.run(ctx)
}

// followFlags registers --follow/-f and --interval on a list command.
func followFlags(cmd *cobra.Command, follow *bool, interval *time.Duration) {
	cmd.Flags().BoolVarP(follow, "follow", "f", false, "print new entries as they are recorded, until Ctrl-C")
	cmdutil.DurationVar(cmd.Flags(), interval, "interval", DefaultFollowInterval, "with --follow, poll every `D`")
}

// checkFollowFlags refuses --interval without --follow, a non-positive
// interval, and the flags that cannot go with --follow (given by name).
func checkFollowFlags(cmd *cobra.Command, follow bool, interval time.Duration, notWithFollow ...string) error {
	fl := cmd.Flags()
	if !follow {
		if fl.Changed("interval") {
			return apperr.Usagef("--interval needs --follow")
		}
		return nil
	}
	if interval <= 0 {
		return apperr.Usagef("--interval must be positive")
	}
	for _, name := range notWithFollow {
		if fl.Changed(name) {
			return apperr.Usagef("--%s cannot be used with --follow (new entries are always newer)", name)
		}
	}
	return nil
}
