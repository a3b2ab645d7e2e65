package webhook

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/iostreams"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/redact"
)

// NewCmdDeliveries is the `webhook deliveries` group: the log of what
// `webhook send` (and the dispatcher) delivered.
func NewCmdDeliveries(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "deliveries <command>",
		Aliases: []string{"delivery"},
		Short:   "Inspect and resend recorded outbound deliveries",
		Long: `Every delivery made by "hookctl webhook send" (except --mock) is recorded with
its request headers, payload and every attempt (status, latency, response body,
error). List them with filters, show one, or resend it.`,
		Example: `  hookctl webhook deliveries list --failed --since 24h
  hookctl webhook deliveries show dlv_01j…
  hookctl webhook deliveries resend dlv_01j…`,
	}
	cmdutil.Group(cmd)
	cmd.AddCommand(
		NewCmdDeliveriesList(f, nil),
		NewCmdDeliveriesShow(f, nil),
		NewCmdDeliveriesResend(f, nil),
	)
	return cmd
}

// DeliveriesListOptions are the inputs of `webhook deliveries list`.
type DeliveriesListOptions struct {
	Factory *cmdutil.Factory
	Params  backend.ListDeliveriesParams
	// Follow prints new deliveries as they are recorded (follow.go),
	// polling every Interval.
	Follow   bool
	Interval time.Duration
}

// NewCmdDeliveriesList builds `webhook deliveries list`.
func NewCmdDeliveriesList(f *cmdutil.Factory, runF func(context.Context, *DeliveriesListOptions) error) *cobra.Command {
	opts := &DeliveriesListOptions{Factory: f}
	var since, until cmdutil.Since
	var events []string
	var failed, succeeded bool
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List recorded deliveries, newest first",
		Long: `List recorded deliveries, newest first, with totals over the filter (all,
succeeded, failed): on stderr on a terminal, and in the JSON object
({"total", "succeeded", "failed", "deliveries"}).

--since and --until take an RFC 3339 time, a date (2026-11-23, midnight UTC) or
a duration ago (90m, 24h, 7d). --event takes event type patterns ('device.*'),
repeated or comma-separated; a delivery matching any is listed. Piped, the table is tab-separated without a
header: id, event type, status, state, attempts, url, request id, created at.

--follow (-f) is tail mode: it prints the page as above but oldest first,
then every new matching delivery as it is recorded, until Ctrl-C (exit 130).
With -o json each delivery is one JSON object on a line (-q applies to each);
otherwise one row per delivery, times in RFC 3339. --since 0s shows only new
ones. It polls every --interval (remote mode too); a delivery is shown in the
state it had when first seen.`,
		Example: `  hookctl webhook deliveries list
  hookctl webhook deliveries list --since 24h --failed
  hookctl webhook deliveries list --status-code 503 --event device.enrolled
  hookctl webhook deliveries list --event 'device.*,user.signed_in' --limit 0
  hookctl webhook deliveries list --request-id 5f0c…  -q 'deliveries.#.id'
  hookctl webhook deliveries list --follow --failed -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cmdutil.MutuallyExclusive("--failed and --succeeded cannot be used together", failed, succeeded); err != nil {
				return err
			}
			now := f.Now()
			opts.Params.Since, opts.Params.Until = since.Time(now), until.Time(now)
			switch {
			case failed:
				opts.Params.State = model.DeliveryFailed
			case succeeded:
				opts.Params.State = model.DeliverySucceeded
			}
			opts.Params.EventType = model.JoinEventPatterns(events)
			if err := checkFollowFlags(cmd, opts.Follow, opts.Interval, "until"); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return deliveriesListRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	cmdutil.SinceVar(fl, &since, "since", "only deliveries created at or after `T`")
	cmdutil.SinceVar(fl, &until, "until", "only deliveries created before `T`")
	fl.IntVar(&opts.Params.StatusCode, "status-code", 0, "only deliveries whose final status is `N`")
	fl.StringVar(&opts.Params.RequestID, "request-id", "", "only the deliveries with this request id")
	cmdutil.StringListVar(fl, &events, "event", "", "only these event types: patterns ('*' matches anything, e.g. 'device.*'), repeatable or comma-separated")
	fl.StringVar(&opts.Params.ConfigID, "config", "", "only deliveries to this webhook config")
	fl.BoolVar(&failed, "failed", false, "only failed deliveries")
	fl.BoolVar(&succeeded, "succeeded", false, "only succeeded deliveries")
	cmdutil.LimitVar(fl, &opts.Params.Limit, "deliveries")
	followFlags(cmd, &opts.Follow, &opts.Interval)
	return cmd
}

func deliveriesListRun(ctx context.Context, opts *DeliveriesListOptions) error {
	if opts.Follow {
		return deliveriesFollowRun(ctx, opts)
	}
	f := opts.Factory
	be, err := f.Backend()
	if err != nil {
		return err
	}
	list, err := be.ListDeliveries(ctx, opts.Params)
	if err != nil {
		return err
	}
	return cmdutil.Render(f, list, func() error {
		ios := f.IOStreams
		if ios.IsStderrTTY() {
			fmt.Fprintf(ios.ErrOut, "%s: %d succeeded, %d failed", cmdutil.Plural(list.Total, "delivery", "deliveries"), list.Succeeded, list.Failed)
			if len(list.Deliveries) < list.Total {
				fmt.Fprintf(ios.ErrOut, " (showing %d; use --limit)", len(list.Deliveries))
			}
			fmt.Fprintln(ios.ErrOut)
		}
		if len(list.Deliveries) == 0 {
			return nil
		}
		now := f.Now()
		tbl := cmdutil.NewTable(ios, deliveryHeaders...)
		for _, d := range list.Deliveries {
			created := d.CreatedAt.UTC().Format(time.RFC3339)
			if ios.IsStdoutTTY() {
				created = cmdutil.FuzzyAgo(now, d.CreatedAt)
			}
			tbl.AddRow(deliveryRow(ios, &d, created)...)
		}
		return tbl.Render()
	})
}

// deliveryHeaders are the columns of the list (and of --follow).
var deliveryHeaders = []string{"ID", "EVENT", "STATUS", "STATE", "ATTEMPTS", "URL", "REQUEST ID", "CREATED"}

// deliveryRow is d's row of the list, the state coloured on a terminal.
func deliveryRow(ios *iostreams.IOStreams, d *model.Delivery, created string) []string {
	state := esc(d.State)
	if ios.IsStdoutTTY() {
		st := ios.Styles()
		if d.State == model.DeliveryFailed {
			state = st.Failure.Render(state)
		} else if d.State == model.DeliverySucceeded {
			state = st.Success.Render(state)
		}
	}
	return []string{esc(d.ID), esc(d.EventType), statusCell(d.StatusCode), state, strconv.Itoa(d.AttemptCount), esc(d.URL), esc(d.RequestID), created}
}

func statusCell(code int) string {
	if code == 0 {
		return "-"
	}
	return strconv.Itoa(code)
}

// DeliveriesShowOptions are the inputs of `webhook deliveries show`.
type DeliveriesShowOptions struct {
	Factory    *cmdutil.Factory
	ID         string
	ShowSecret bool // credential request headers in full
}

// NewCmdDeliveriesShow builds `webhook deliveries show`.
func NewCmdDeliveriesShow(f *cmdutil.Factory, runF func(context.Context, *DeliveriesShowOptions) error) *cobra.Command {
	opts := &DeliveriesShowOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show a delivery: request headers, payload and every attempt",
		Long: `Show one recorded delivery: where it went, its request headers and payload,
and every attempt with its status, latency, error and response body.
Credential headers (Authorization, X-API-Key, signatures, …) are redacted to
a hint such as "Bearer …-123" unless --show-secret.`,
		Example: `  hookctl webhook deliveries show dlv_01j…
  hookctl webhook deliveries show dlv_01j… -q payload`,
		Args: cmdutil.ExactArgs(1, "delivery id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return deliveriesShowRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.ShowSecret, "show-secret", false, "show credential request headers in full")
	return cmd
}

func deliveriesShowRun(ctx context.Context, opts *DeliveriesShowOptions) error {
	f := opts.Factory
	be, err := f.Backend()
	if err != nil {
		return err
	}
	if opts.ShowSecret {
		ctx = backend.WithShowSecret(ctx)
	}
	d, err := be.GetDelivery(ctx, opts.ID)
	if err != nil {
		return err
	}
	if !opts.ShowSecret {
		shown := *d
		shown.RequestHeaders = redact.Headers(d.RequestHeaders)
		d = &shown
	}
	return cmdutil.Render(f, d, func() error { return printDelivery(f, d) })
}

func printDelivery(f *cmdutil.Factory, d *model.Delivery) error {
	ios := f.IOStreams
	st := ios.Styles()
	now := f.Now()
	var b strings.Builder
	kv := func(k, v string) { fmt.Fprintf(&b, "%s %s\n", st.Key.Render(fmt.Sprintf("%-11s", k)), v) }
	kv("ID", st.Bold.Render(esc(d.ID)))
	kv("Event", esc(d.EventType))
	if d.EventID != "" {
		kv("Event ID", esc(d.EventID))
	}
	kv("URL", esc(d.URL))
	if d.ConfigID != "" {
		kv("Config", esc(d.ConfigID))
	}
	scheme := d.Scheme
	if scheme == "" {
		scheme = "unsigned"
	}
	kv("Scheme", esc(scheme))
	kv("Request ID", esc(d.RequestID))
	state := esc(d.State)
	if d.StatusCode != 0 {
		state += fmt.Sprintf(" (%d)", d.StatusCode)
	}
	kv("State", state)
	if d.ResendOf != "" {
		kv("Resend of", esc(d.ResendOf))
	}
	kv("Created", cmdutil.HumanTime(now, d.CreatedAt))
	b.WriteString("\n" + st.Header.Render("Request headers") + "\n")
	keys := make([]string, 0, len(d.RequestHeaders))
	for k := range d.RequestHeaders {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "  %s: %s\n", esc(k), esc(d.RequestHeaders[k]))
	}
	b.WriteString("\n" + st.Header.Render("Payload") + "\n")
	b.WriteString(indent(iostreams.EscapeText(iostreams.PrettyJSON(d.Payload)), "  ") + "\n")
	for _, a := range d.Attempts {
		fmt.Fprintf(&b, "\n%s\n", st.Header.Render(fmt.Sprintf("Attempt %d", a.N)))
		outcome := "no response"
		if a.StatusCode != 0 {
			outcome = fmt.Sprintf("%d %s", a.StatusCode, http.StatusText(a.StatusCode))
		}
		fmt.Fprintf(&b, "  %s  %s  at %s\n", outcome, cmdutil.FormatLatency(a.Latency), a.StartedAt.UTC().Format(time.RFC3339Nano))
		if a.Error != "" {
			fmt.Fprintf(&b, "  error: %s\n", esc(a.Error))
		}
		if a.ResponseBody != "" {
			body := iostreams.EscapeText(strings.TrimRight(a.ResponseBody, "\n"))
			if a.ResponseTruncated {
				body += st.Muted.Render(" … (truncated)")
			}
			b.WriteString(indent(body, "  | ") + "\n")
		}
	}
	_, err := fmt.Fprint(ios.Out, b.String())
	return err
}
