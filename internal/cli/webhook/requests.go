package webhook

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/rawhttp"
	"github.com/hookctl/hookctl/internal/redact"
)

// NewCmdRequests is the `webhook requests` group: the history of what
// `webhook listen` received.
func NewCmdRequests(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "requests <command>",
		Aliases: []string{"request", "req"},
		Short:   "Browse the requests received by \"webhook listen\"",
		Long: `Every request that "hookctl webhook listen" receives is recorded (unless
--no-record): method, path, headers, the exact body, the verification result,
the event type and what forwarding returned. Replay one with "hookctl webhook replay".`,
		Example: `  hookctl webhook requests list --since 1h --failed
  hookctl webhook requests show req_06h0… --raw | hookctl webhook verify --request - --secret …`,
	}
	cmdutil.Group(cmd)
	cmd.AddCommand(
		NewCmdRequestsList(f, nil),
		NewCmdRequestsShow(f, nil),
	)
	return cmd
}

// RequestsListOptions are the inputs of `webhook requests list`.
type RequestsListOptions struct {
	Factory *cmdutil.Factory
	Params  backend.ListRequestsParams
	// ShowSecret shows credential headers in full (JSON output).
	ShowSecret bool
	// Follow prints new requests as they are recorded (follow.go),
	// polling every Interval.
	Follow   bool
	Interval time.Duration
}

// NewCmdRequestsList builds `webhook requests list`.
func NewCmdRequestsList(f *cmdutil.Factory, runF func(context.Context, *RequestsListOptions) error) *cobra.Command {
	opts := &RequestsListOptions{Factory: f}
	var since cmdutil.Since
	var events []string
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List received requests, newest first",
		Long: `List the recorded requests, newest first. --failed keeps those that were
rejected, whose signature did not verify or whose forward failed.

On a terminal the list is a table; piped, it is one tab-separated line per
request (id, time, method, path, event, verification, forward, status).
Credential headers (Authorization, Cookie, X-API-Key, signatures, …) in JSON
output are redacted unless --show-secret. Lists leave bodies out, so that a
long history stays cheap to list: "hookctl webhook requests show ID" has the
body.

--follow (-f) is tail mode: it prints the page as above but oldest first,
then every new matching request as it is recorded, until Ctrl-C (exit 130).
With -o json each request is one JSON object on a line (-q applies to each);
otherwise one row per request, times in RFC 3339. --since 0s shows only new
ones. It polls every --interval, in remote mode too.`,
		Example: `  hookctl webhook requests list
  hookctl webhook requests list --since 30m --event 'device.*' --limit 5
  hookctl webhook requests list --failed -o json -q '#.id'
  hookctl webhook requests list --follow --since 0s --event 'device.*'`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Params.Event = model.JoinEventPatterns(events)
			opts.Params.Since = since.Time(f.Now())
			if err := checkFollowFlags(cmd, opts.Follow, opts.Interval); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return requestsListRun(cmd.Context(), opts)
		},
	}
	cmdutil.SinceVar(cmd.Flags(), &since, "since", "only requests received at or after `T`: a duration ago (30m, 24h, 7d), a date or an RFC 3339 time")
	cmdutil.StringListVar(cmd.Flags(), &events, "event", "", "only these event types: patterns ('*' matches anything, e.g. 'device.*'), repeatable or comma-separated")
	cmd.Flags().BoolVar(&opts.Params.Failed, "failed", false, "only rejected, unverified or failed-forward requests")
	cmdutil.LimitVar(cmd.Flags(), &opts.Params.Limit, "requests")
	cmd.Flags().BoolVar(&opts.ShowSecret, "show-secret", false, "show credential headers in full")
	followFlags(cmd, &opts.Follow, &opts.Interval)
	return cmd
}

func requestsListRun(ctx context.Context, opts *RequestsListOptions) error {
	if opts.Follow {
		return requestsFollowRun(ctx, opts)
	}
	f := opts.Factory
	be, err := f.Backend()
	if err != nil {
		return err
	}
	if opts.ShowSecret {
		ctx = backend.WithShowSecret(ctx)
	}
	reqs, err := be.ListRequests(ctx, opts.Params)
	if err != nil {
		return err
	}
	if !opts.ShowSecret {
		for i := range reqs {
			reqs[i].Headers = redact.HTTPHeader(reqs[i].Headers)
		}
	}
	return cmdutil.Render(f, reqs, func() error {
		ios := f.IOStreams
		if len(reqs) == 0 {
			if ios.IsStdoutTTY() {
				fmt.Fprintln(ios.Out, "No received requests. Start a listener with: hookctl webhook listen")
			}
			return nil
		}
		now := f.Now()
		tbl := cmdutil.NewTable(ios, requestHeaders...)
		for _, r := range reqs {
			received := r.ReceivedAt.UTC().Format(time.RFC3339)
			if ios.IsStdoutTTY() {
				received = cmdutil.FuzzyAgo(now, r.ReceivedAt)
			}
			tbl.AddRow(requestRow(&r, received)...)
		}
		return tbl.Render()
	})
}

// requestHeaders are the columns of the list (and of --follow).
var requestHeaders = []string{"ID", "RECEIVED", "METHOD", "PATH", "EVENT", "SIGNATURE", "FORWARD", "STATUS"}

// requestRow is r's row of the list.
func requestRow(r *model.ReceivedRequest, received string) []string {
	event := r.EventType
	if event == "" {
		event = "-"
	}
	status := strconv.Itoa(r.Status)
	if r.Filtered {
		status += " filtered"
	}
	if r.Rejected != "" {
		status += " " + r.Rejected
	}
	return []string{esc(r.ID), received, esc(r.Method), esc(r.Path), esc(event), esc(verificationCell(r.Verification)), forwardCell(r.Forwards), esc(status)}
}

func verificationCell(v *model.Verification) string {
	switch {
	case v == nil:
		return "-"
	case v.OK:
		return "valid " + v.Scheme
	case v.Scheme != "":
		return "invalid " + v.Scheme
	default:
		return "invalid"
	}
}

func forwardCell(fw []model.ForwardResult) string {
	if len(fw) == 0 {
		return "-"
	}
	parts := make([]string, len(fw))
	for i, f := range fw {
		if f.Error != "" {
			parts[i] = "error"
		} else {
			parts[i] = strconv.Itoa(f.Status)
		}
	}
	return strings.Join(parts, ",")
}

// RequestsShowOptions are the inputs of `webhook requests show`.
type RequestsShowOptions struct {
	Factory *cmdutil.Factory
	ID      string
	Raw     bool
	// ShowSecret shows credential headers in full (--raw always does).
	ShowSecret bool
}

// NewCmdRequestsShow builds `webhook requests show`.
func NewCmdRequestsShow(f *cmdutil.Factory, runF func(context.Context, *RequestsShowOptions) error) *cobra.Command {
	opts := &RequestsShowOptions{Factory: f}
	cmd := &cobra.Command{
		Use:     "show ID",
		Aliases: []string{"get"},
		Short:   "Show one received request: headers and body",
		Long: `Show a recorded request: what was received and verified, the forward
results, the headers and the pretty-printed body.

--raw prints the request exactly as an HTTP/1.1 message: request line, Host,
the headers, Content-Length, a blank line and the body byte for byte (lines
end in CRLF). "hookctl webhook verify --request -" reads that format.

Credential headers (Authorization, Cookie, X-API-Key, signatures, …) are
redacted to a hint such as "Bearer …-123" unless --show-secret; --raw keeps
the exact bytes.`,
		Example: `  hookctl webhook requests show req_06h0…
  hookctl webhook requests show req_06h0… --raw > request.http
  hookctl webhook requests show req_06h0… -o json -q payload.data`,
		Args: cmdutil.ExactArgs(1, "request ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if opts.Raw && f.Globals.WantsJSON() {
				return apperr.Usagef("--raw and -o json/--query cannot be used together")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return requestsShowRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Raw, "raw", false, "print the exact HTTP/1.1 request")
	cmd.Flags().BoolVar(&opts.ShowSecret, "show-secret", false, "show credential headers in full")
	return cmd
}

func requestsShowRun(ctx context.Context, opts *RequestsShowOptions) error {
	f := opts.Factory
	be, err := f.Backend()
	if err != nil {
		return err
	}
	if opts.Raw || opts.ShowSecret {
		// --raw is the exact request: the headers are asked for in full.
		ctx = backend.WithShowSecret(ctx)
	}
	r, err := be.GetRequest(ctx, opts.ID)
	if err != nil {
		return err
	}
	ios := f.IOStreams
	if opts.Raw {
		return WriteRawRequest(ios.Out, r)
	}
	if !opts.ShowSecret {
		shown := *r
		shown.Headers = redact.HTTPHeader(r.Headers)
		r = &shown
	}
	return cmdutil.Render(f, r, func() error {
		st := ios.Styles()
		var b strings.Builder
		kv := func(k, v string) { fmt.Fprintf(&b, "%s %s\n", st.Key.Render(fmt.Sprintf("%-10s", k)), v) }
		kv("ID", st.Bold.Render(esc(r.ID)))
		kv("Received", cmdutil.HumanTime(f.Now(), r.ReceivedAt))
		kv("Request", esc(r.Method)+" "+requestTarget(r))
		if r.EventType != "" {
			kv("Event", st.Accent.Render(esc(r.EventType)))
		}
		status := statusText(r.Status)
		if r.Filtered {
			status += " (filtered)"
		}
		kv("Answered", status)
		if r.RemoteAddr != "" {
			kv("From", esc(r.RemoteAddr))
		}
		for _, l := range statusLines(st, r, "payload") {
			b.WriteString("  " + l + "\n")
		}
		b.WriteString("\n")
		for _, l := range sortedHeaderLines(r.Headers) {
			k, v, _ := strings.Cut(l, ": ")
			b.WriteString(st.Key.Render(esc(k)+":") + " " + esc(v) + "\n")
		}
		b.WriteString("\n")
		b.WriteString(prettyBody(st, ios.ColourEnabled(), r.Body))
		_, err := io.WriteString(ios.Out, b.String())
		return err
	})
}

// WriteRawRequest writes r as an HTTP/1.1 message: request line, Host, the
// recorded headers (sorted), Content-Length, a blank line, the exact body.
func WriteRawRequest(w io.Writer, r *model.ReceivedRequest) error {
	target := r.Path
	if r.Query != "" {
		target += "?" + r.Query
	}
	host := r.Host
	if host == "" {
		host = "localhost"
	}
	_, err := w.Write(rawhttp.Format(r.Method, target, host, r.Headers, r.Body))
	return err
}
