package webhook

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/cli/receive"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/inspect"
	"github.com/hookctl/hookctl/internal/iostreams"
	"github.com/hookctl/hookctl/internal/listener"
	"github.com/hookctl/hookctl/internal/redact"
	"github.com/hookctl/hookctl/internal/routes"
	"github.com/hookctl/hookctl/internal/signature"
)

// Output formats of `webhook listen`.
const (
	listenPretty = "pretty"
	listenJSON   = "json"
	listenRaw    = "raw"
	// listenCompact is one line per request (renderCompactLine).
	listenCompact = "compact"
)

// ListenOptions are the inputs of `webhook listen`.
type ListenOptions struct {
	Factory       *cmdutil.Factory
	Host          string
	Port          int
	Path          string
	Secrets       []string
	ConfigID      string
	Scheme        string
	RejectInvalid bool
	ForwardTo     []string
	// RoutesFile is --routes; Routes, the table of --forward-to and the file.
	RoutesFile     string
	Routes         routes.Table
	ForwardHeaders http.Header
	ForwardTimeout time.Duration
	Insecure       bool
	Events         []string
	Filter         string
	Format         string
	MaxBody        int64
	RequireJSON    bool
	TSField        string
	ResponseStatus int
	ExitAfter      int
	ReadTimeout    time.Duration
	// ShowSecret prints credential headers in full in --format json.
	ShowSecret bool
	Timeout    time.Duration
	ReadyFile  string
	NoRecord   bool
	Tunnel     receive.TunnelFlags
	Register   bool
	Keep       bool
	// Inspect is --inspect[=ADDR]: the web inspector beside the listener.
	Inspect string

	// Relay mode (listen_relay.go): receive the requests of a source of
	// `hookctl serve` instead of listening on a port.
	Relay   string
	Source  string
	SinceID int64

	// Listen opens the socket; tests and the tunnel may replace it.
	Listen func(ctx context.Context, addr string) (net.Listener, error)

	secret *cmdutil.SecretFlags
}

// NewCmdListen builds `webhook listen`.
func NewCmdListen(f *cmdutil.Factory, runF func(context.Context, *ListenOptions) error) *cobra.Command {
	opts := &ListenOptions{Factory: f}
	var forwardHeaders []string
	cmd := &cobra.Command{
		Use:   "listen",
		Short: "Receive webhooks locally: verify, show, record and forward them",
		Long: `Start an HTTP server that receives webhooks. For every request it reads the
body once, verifies the signature when a secret is known (--secret or --config;
the scheme is detected from the headers unless --scheme says), classifies the
event type, records the request in the history ("hookctl webhook requests"),
forwards it byte for byte to the --forward-to targets its event matches and
answers the sender.

Forwarding per event: --forward-to takes a URL (every request) or
PATTERN=URL ('device.*=http://localhost:3000/devices': only matching event
types), repeatable; a URL without a scheme means http:// (localhost:3000/hook,
or :3000/hook). --routes FILE reads the same from YAML:

  routes:
    - events: ["device.*"]
      to: http://localhost:3000/devices
      headers: {X-Env: dev}
    - to: [http://localhost:4000/everything]

A request of an unknown event type goes only to the routes without events.
When exactly one target matches, its status and body are passed back to the
sender; otherwise the sender gets --response-status (200) {"message":"ok"}.
Every output names the route taken. Hop-by-hop headers are not forwarded;
--forward-header adds or replaces headers (a route's headers on top).

Health checks: GET /_hookctl/health always answers 200 {"message":"ok"}. A GET
or HEAD on the listen path with no body, no query string, no signature headers
and no event-type header is answered the same way and not shown; any other GET
is treated as a webhook.

Filtering: --events takes comma-separated patterns ('*' matches anything,
'device.*'); --filter takes a gjson query over the body that must select
something: 'data.device', 'data.devices.#(os=="android")', or a comparison
PATH OP VALUE with OP one of == != < <= > >= % !% ('data.device.os=="android"',
'data.amount>1000'). Requests that do not match are answered 200 and recorded
as filtered, but neither shown, forwarded nor counted.

Output: --format pretty (default) prints one block per request on stdout with
the verification result, forward results and the body; json prints one JSON
object per request and line (jq-friendly: .payload is the parsed body); raw
prints each body followed by a newline; compact prints one line per request,
for long sessions ("21:54:47 ✓ device.enrolled POST /webhooks → 200 1.4ms
req_…": ✓/✗ verified or not, • unchecked; each forward's status and latency,
or "← status" answered; rejected and filtered requests, filtered ones
included, are marked). Received text (paths, headers, event types, …) is
escaped in human output (ESC shows as \x1b); json is exact. Status lines go
to stderr.

Tunnel: --tunnel opens an ngrok endpoint inside hookctl (no ngrok binary
needed) with the authtoken in NGROK_AUTHTOKEN (or --ngrok-authtoken), on a
random or --domain address, and serves the same listener there. The public URL
is printed, written to --ready-file (first line; the local URL second) and, with
--format json, sent as {"type":"tunnel",…} objects, like reconnects.

Register: --register points a webhook config at this listener (the public URL
with --tunnel) and verifies with its secret: a new config (subscribed to
--events, or everything), or the one named by --config, whose URL is switched.
On exit the new config is deleted, or the old URL restored; --keep keeps it.

CI: "Ready! Listening on URL" is printed on stderr once serving, and the URL is
written to --ready-file. --exit-after N exits 0 after N matching requests;
with --timeout D it exits 6 if they did not come in time (without
--exit-after, --timeout just stops listening after D). Ctrl-C or SIGTERM
finishes in-flight requests and exits.

Inspector: --inspect serves the web inspector beside the listener (on
127.0.0.1:4040, the next free port if taken, or --inspect=ADDR): every request
appears there as it is handled, with its signature diagnosis, and can be
replayed, edited and re-signed (see "hookctl inspect"). Its URL, with a random
access token, is printed on stderr ({"type":"inspector",…} with --format json).

Relay: --relay SERVER --source TOKEN receives the requests of an inbound
source of "hookctl serve" (see "hookctl source") instead of listening on a
port, over Server-Sent Events with HOOKCTL_API_KEY, and runs each through the
same verify/show/forward/record path. It reconnects with backoff and resumes
after the last event it handled, which it keeps in the data directory, so a
restarted listener also gets what was sent while it was down (--since-id N
resumes elsewhere; 0 replays what the server retains). Connection changes are
status lines on stderr, or {"type":"relay",…} lines with --format json.`,
		Example: `  # See what a provider sends, verifying with a Standard Webhooks secret
  hookctl webhook listen --port 8080 --secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw

  # Verify with a registered config and forward to your app, refusing bad signatures
  hookctl webhook listen --config whc_01j… --reject-invalid --forward-to http://localhost:3000/webhooks

  # Device events to one app, GitHub pushes to another
  hookctl webhook listen --forward-to 'device.*=localhost:3000/devices' --forward-to 'push=localhost:4000/github'

  # Only Android device events, as JSON lines for jq
  hookctl webhook listen --events 'device.*' --filter 'data.device.os=="android"' --format json | jq .event_type

  # Receive from the internet through ngrok, registering a config for the public URL
  NGROK_AUTHTOKEN=… hookctl webhook listen --tunnel --register --events 'device.*'
  # Relay a source of a hookctl server to a local app
  hookctl webhook listen --relay https://hooks.example.com --source hks_… --forward-to http://localhost:3000/webhooks

  # Watch what arrives in the browser, and replay it from there
  hookctl webhook listen --config whc_01j… --forward-to localhost:3000/webhooks --inspect

  # CI: wait for 2 events, at most 1 minute
  hookctl webhook listen --port 0 --ready-file url.txt --exit-after 2 --timeout 1m`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.validate(cmd, forwardHeaders); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return listenRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Host, "host", "127.0.0.1", "address to listen on (0.0.0.0 for every interface)")
	fl.IntVarP(&opts.Port, "port", "p", 8080, "port to listen on (0 picks a free one)")
	fl.StringVar(&opts.Path, "path", "/", "path that receives webhooks (requests under it are accepted)")
	opts.secret = cmdutil.AddSecretFlags(cmd, true, "signing secret to verify with (repeat for rotated secrets)")
	fl.StringVar(&opts.ConfigID, "config", "", "verify with this webhook config's scheme and secrets")
	cmdutil.SchemeFlag(cmd, &opts.Scheme, true, "signature scheme (auto: detect it from the headers)")
	fl.BoolVar(&opts.RejectInvalid, "reject-invalid", false, "answer 401 when the signature does not verify")
	fl.StringArrayVar(&opts.ForwardTo, "forward-to", nil, "forward requests to URL, or only events matching PATTERN with PATTERN=URL (repeatable)")
	fl.StringVar(&opts.RoutesFile, "routes", "", "forward per event as a YAML `FILE` says (patterns → URLs, headers)")
	fl.StringArrayVar(&forwardHeaders, "forward-header", nil, "header added to forwarded requests, 'Name: value' (repeatable)")
	fl.DurationVar(&opts.ForwardTimeout, "forward-timeout", listener.DefaultForwardTimeout, "timeout of one forward")
	fl.BoolVar(&opts.Insecure, "insecure", false, "do not verify TLS certificates of forward targets")
	events := cmdutil.StringListVar(fl, &opts.Events, "events", "", "only event types matching these patterns, comma-separated or repeated, e.g. 'device.*,user.signed_in'")
	fl.Var(events.Value, "event", "the same as --events: an event type pattern, repeatable or comma-separated")
	fl.StringVar(&opts.Filter, "filter", "", "only requests whose JSON body matches this gjson query")
	cmdutil.StringEnumFlag(cmd, &opts.Format, "format", "", "", []string{listenPretty, listenCompact, listenJSON, listenRaw},
		"output (compact: one line per request, json: one object per line, raw: the bodies); default pretty, json with -o json")
	cmdutil.ByteSizeVar(fl, &opts.MaxBody, "max-body", listener.DefaultMaxBody, "largest accepted body (413 beyond), e.g. 512KiB, 10MiB")
	fl.BoolVar(&opts.RequireJSON, "require-json", false, "answer 415 unless the Content-Type is JSON (application/json, application/*+json)")
	fl.StringVar(&opts.TSField, "ts-field", "", "gjson path to the payload's own time (RFC 3339 or unix s/ms), e.g. commits.0.timestamp")
	fl.IntVar(&opts.ResponseStatus, "response-status", http.StatusOK, "status answered when a request does not match exactly one forward target")
	fl.IntVar(&opts.ExitAfter, "exit-after", 0, "exit 0 after this many matching requests")
	fl.DurationVar(&opts.Timeout, "timeout", 0, "stop after this long; with --exit-after, exit 6 if too few requests came")
	receive.ReadTimeoutFlag(cmd, &opts.ReadTimeout)
	fl.StringVar(&opts.ReadyFile, "ready-file", "", "write the listening URL to this file once ready (for scripts)")
	fl.BoolVar(&opts.NoRecord, "no-record", false, "do not record requests in the history")
	fl.BoolVar(&opts.ShowSecret, "show-secret", false, "print credential headers (Authorization, signatures, tokens) in full in --format json")
	fl.BoolVar(&opts.Register, "register", false, "point a webhook config at this listener and verify with its secret")
	fl.BoolVar(&opts.Keep, "keep", false, "with --register: keep the registration after exit")
	opts.Tunnel.Register(cmd)
	receive.InspectFlag(cmd, &opts.Inspect)
	fl.StringVar(&opts.Relay, "relay", "", "receive the requests of a source of this hookctl server instead of listening (with --source)")
	fl.StringVar(&opts.Source, "source", "", "the source token (hks_…) to relay")
	fl.Int64Var(&opts.SinceID, "since-id", -1, "with --relay: resume after this event id (0: everything the server retains); default: where this listener stopped")
	return cmd
}

func (o *ListenOptions) validate(cmd *cobra.Command, forwardHeaders []string) error {
	if err := o.Tunnel.Validate(cmd); err != nil {
		return err
	}
	if o.secret != nil {
		if o.secret.Given() && o.ConfigID != "" {
			return apperr.Usagef("use either --secret or --config, not both")
		}
		if o.Register && o.secret.Given() {
			return apperr.Usagef("--register verifies with the registered config's secret: drop --secret")
		}
		secrets, err := o.secret.Resolve(o.Factory.IOStreams.In, o.Factory.Getenv, o.ConfigID == "" && !o.Register)
		if err != nil {
			return err
		}
		o.Secrets = secrets
	}
	if o.Register && len(o.Secrets) > 0 {
		return apperr.Usagef("--register verifies with the registered config's secret: drop --secret")
	}
	if o.Keep && !o.Register {
		return apperr.Usagef("--keep goes with --register")
	}
	if o.Format == "" {
		o.Format = listenPretty
		if o.Factory.Globals.WantsJSON() {
			o.Format = listenJSON
		}
	}
	if o.Port < 0 || o.Port > 65535 {
		return apperr.Usagef("invalid --port %d: use 0-65535 (0 picks a free port)", o.Port)
	}
	if !strings.HasPrefix(o.Path, "/") {
		o.Path = "/" + o.Path
	}
	t, err := routes.Parse(o.ForwardTo)
	if err != nil {
		return err
	}
	if o.RoutesFile != "" {
		ft, err := routes.Load(o.RoutesFile)
		if err != nil {
			return err
		}
		t = append(t, ft...)
	}
	o.Routes = t
	if len(forwardHeaders) > 0 {
		o.ForwardHeaders = http.Header{}
		for _, h := range forwardHeaders {
			k, v, err := cmdutil.ParseHeader(h)
			if err != nil {
				return err
			}
			o.ForwardHeaders.Add(k, v)
		}
	}
	if o.ForwardTimeout <= 0 {
		return apperr.Usagef("--forward-timeout must be positive")
	}
	for i, e := range o.Events {
		o.Events[i] = strings.TrimSpace(e)
	}
	if err := backend.ValidateEventPatterns(o.Events); err != nil {
		return err
	}
	if o.Filter != "" {
		if _, err := listener.CompileFilter(o.Filter); err != nil {
			return err
		}
	}
	if o.ResponseStatus < 100 || o.ResponseStatus > 599 {
		return apperr.Usagef("invalid --response-status %d: use 100-599", o.ResponseStatus)
	}
	if o.ExitAfter < 0 {
		return apperr.Usagef("--exit-after must not be negative")
	}
	if o.Timeout < 0 {
		return apperr.Usagef("--timeout must not be negative")
	}
	if err := o.validateRelay(cmd); err != nil {
		return err
	}
	if err := receive.ValidateInspectAddr(o.Inspect); err != nil {
		return err
	}
	if cmd.Flags().Changed("scheme") && len(o.Secrets) == 0 && o.ConfigID == "" && !o.Register {
		return apperr.Usagef("--scheme needs a secret to verify with: pass --secret, --config or --register")
	}
	return nil
}

// listenRun: the request source first (the relay opens nothing; a socket
// is a local port, also behind the tunnel with --tunnel), then the
// listener over it, the stop rule, serving, and the summary.
func listenRun(ctx context.Context, opts *ListenOptions) error {
	f := opts.Factory
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	r := newListenRenderer(opts, stop)
	if opts.Inspect != "" {
		insp, err := receive.StartInspector(ctx, f, opts.Inspect, "listen", opts.Format == listenJSON)
		if err != nil {
			return err
		}
		defer insp.Close()
		r.inspector = insp
	}
	if opts.Relay != "" {
		cfg, err := listenerConfig(ctx, opts, r, "")
		if err != nil {
			return err
		}
		return relayRun(ctx, runCtx, stop, opts, cfg, r)
	}

	ep, err := receive.Open(ctx, f, receive.Socket{
		Host: opts.Host, Port: opts.Port, Path: opts.Path, Listen: opts.Listen,
		Tunnel: &opts.Tunnel, LocalToo: true, OnTunnelStatus: r.tunnelStatus,
	})
	if err != nil {
		return err
	}
	defer ep.Close()
	if opts.Register {
		reg, err := register(ctx, f, opts, ep.URL)
		if err != nil {
			return err
		}
		defer reg.undo()
		opts.ConfigID = reg.config.ID
	}
	cfg, err := listenerConfig(ctx, opts, r, ep.URL)
	if err != nil {
		return err
	}
	l, err := listener.New(cfg)
	if err != nil {
		return err
	}
	defer l.Close()
	if opts.ReadyFile != "" {
		if err := receive.WriteReadyFile(opts.ReadyFile, ep.URLs()...); err != nil {
			return err
		}
	}
	r.printBanner(ep.URL, ep.LocalURL, cfg)

	deadline := &receive.Deadline{ExitAfter: opts.ExitAfter, Timeout: opts.Timeout}
	defer deadline.Arm(stop)()
	serveErr := l.Serve(runCtx, ep.Listeners...)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.printSummary()
	return r.outcome(ctx, deadline, serveErr)
}

// listenerConfig is the listener of listen's flags: what it verifies with,
// where it records and forwards, how it reports to r.
func listenerConfig(ctx context.Context, opts *ListenOptions, r *listenRenderer, url string) (listener.Config, error) {
	f := opts.Factory
	cfg := listener.Config{
		Path:           opts.Path,
		Scheme:         signature.Auto,
		RejectInvalid:  opts.RejectInvalid,
		Routes:         opts.Routes,
		ForwardHeaders: opts.ForwardHeaders,
		ForwardTimeout: opts.ForwardTimeout,
		InsecureTLS:    opts.Insecure,
		Events:         opts.Events,
		Filter:         opts.Filter,
		MaxBody:        opts.MaxBody,
		RequireJSON:    opts.RequireJSON,
		TSField:        opts.TSField,
		ResponseStatus: opts.ResponseStatus,
		ReadTimeout:    opts.ReadTimeout,
		OnEvent:        r.handle,
	}
	if len(opts.Secrets) > 0 || opts.ConfigID != "" {
		s, err := receive.ResolveSigning(ctx, f, opts.Scheme, opts.Secrets, opts.ConfigID, signature.Auto)
		if err != nil {
			return cfg, err
		}
		cfg.Scheme, cfg.Secrets = s.Scheme, s.Secrets
	}
	if !opts.NoRecord {
		be, err := f.Backend()
		if err != nil {
			return cfg, err
		}
		cfg.Recorder = be
	}
	return cfg, nil
}

// listenRenderer turns listener events into output. Events arrive
// concurrently; one mutex keeps each block whole.
type listenRenderer struct {
	opts *ListenOptions
	stop func()
	// inspector, with --inspect, shows every request at once.
	inspector *inspect.Server

	mu       sync.Mutex
	buf      []byte
	received int
	matched  int
	counted  int // what --exit-after counts (listener.Event.Counts)
	// refusedCounted of them were refused for their signature.
	refusedCounted int
	filtered       int
	rejected       int
	errors         int
}

func newListenRenderer(opts *ListenOptions, stop func()) *listenRenderer {
	return &listenRenderer{opts: opts, stop: stop}
}

func (r *listenRenderer) handle(e listener.Event) {
	if r.inspector != nil && e.Kind == listener.KindRequest {
		r.inspector.Publish(e.Request)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	ios := r.opts.Factory.IOStreams
	switch e.Kind {
	case listener.KindError:
		r.errors++
		st := ios.ErrStyles()
		fmt.Fprintf(ios.ErrOut, "%s %s\n", st.WarningIcon(), iostreams.EscapeText(e.Err.Error()))
		return
	case listener.KindForward:
		return // shown within the request's block
	}
	req := e.Request
	r.received++
	switch {
	case req.Filtered:
		r.filtered++
		if r.opts.Format == listenCompact {
			fmt.Fprint(ios.Out, renderCompactLine(ios, req))
		}
		return
	case req.Rejected != "":
		r.rejected++
	default:
		r.matched++
	}
	if e.Counts() {
		r.counted++
	}
	if e.SignatureRefused() {
		r.refusedCounted++
	}
	switch r.opts.Format {
	case listenJSON:
		if !r.opts.ShowSecret {
			shown := *req
			shown.Headers = redact.HTTPHeader(req.Headers)
			req = &shown
		}
		r.buf = appendJSONLine(r.buf[:0], req)
		ios.Out.Write(r.buf)
	case listenRaw:
		if req.Rejected != "" {
			st := ios.ErrStyles()
			fmt.Fprintf(ios.ErrOut, "%s %s %s rejected: %d %s\n", st.FailureIcon(), esc(req.Method), esc(req.Path), req.Status, esc(req.Rejected))
			break
		}
		r.buf = append(r.buf[:0], req.Body...)
		if len(r.buf) == 0 || r.buf[len(r.buf)-1] != '\n' {
			r.buf = append(r.buf, '\n')
		}
		ios.Out.Write(r.buf)
	case listenCompact:
		fmt.Fprint(ios.Out, renderCompactLine(ios, req))
	default:
		fmt.Fprint(ios.Out, renderRequestBlock(ios, req, r.opts.TSField))
	}
	if r.opts.ExitAfter > 0 && r.counted == r.opts.ExitAfter && e.Counts() {
		r.stop()
	}
}

func (r *listenRenderer) printBanner(url, localURL string, cfg listener.Config) {
	ios := r.opts.Factory.IOStreams
	st := ios.ErrStyles()
	var b strings.Builder
	line := func(k, v string) { fmt.Fprintf(&b, "  %s %s\n", st.Key.Render(fmt.Sprintf("%-10s", k)), v) }
	if len(cfg.Secrets) > 0 {
		scheme := cfg.Scheme
		if scheme == signature.Auto {
			scheme = "scheme detected from the headers"
		}
		how := "flagging failures"
		if cfg.RejectInvalid {
			how = "answering 401 to failures"
		}
		line("Verifying", fmt.Sprintf("%s, %s, %s", scheme, cmdutil.Plural(len(cfg.Secrets), "secret", "secrets"), how))
	} else {
		line("Verifying", st.Muted.Render("no (pass --secret or --config to verify signatures)"))
	}
	forwardingLines(line, cfg.Routes)
	if len(cfg.Events) > 0 {
		line("Events", strings.Join(cfg.Events, ", "))
	}
	if cfg.Filter != "" {
		line("Filter", cfg.Filter)
	}
	if cfg.Recorder != nil {
		line("Recording", "yes (see \"hookctl webhook requests list\")")
	} else {
		line("Recording", "no")
	}
	if r.opts.ExitAfter > 0 {
		line("Exit after", cmdutil.Plural(r.opts.ExitAfter, "request", "requests"))
	}
	if url != localURL {
		line("Local", localURL)
		line("Public", st.Bold.Render(url))
	}
	fmt.Fprintf(&b, "%s Listening on %s\n", st.Success.Render("Ready!"), url)
	fmt.Fprint(ios.ErrOut, b.String())
}

func (r *listenRenderer) printSummary() {
	ios := r.opts.Factory.IOStreams
	st := ios.ErrStyles()
	parts := []string{cmdutil.Plural(r.received, "request", "requests")}
	if r.filtered > 0 {
		parts = append(parts, fmt.Sprintf("%d filtered", r.filtered))
	}
	if r.rejected > 0 {
		parts = append(parts, fmt.Sprintf("%d rejected", r.rejected))
	}
	if r.errors > 0 {
		parts = append(parts, cmdutil.Plural(r.errors, "error", "errors"))
	}
	fmt.Fprintf(ios.ErrOut, "%s\n", st.Muted.Render("Stopped listening: "+strings.Join(parts, ", ")+"."))
}

// forwardingLines are the banner's lines of the forward routes.
func forwardingLines(line func(k, v string), t routes.Table) {
	for _, r := range t {
		label := r.Label()
		if label == "" {
			label = "all events"
		}
		v := label + " → " + strings.Join(r.To, ", ")
		if len(r.Headers) > 0 {
			v += " (+ headers)"
		}
		line("Forwarding", esc(v))
	}
}

// outcome is listen's result: the Deadline's, except that with --exit-after
// met by requests some of which were refused for their signature it is a
// verification failure (exit 5).
func (r *listenRenderer) outcome(ctx context.Context, d *receive.Deadline, runErr error) error {
	err := d.Outcome(ctx, runErr, r.counted, receive.Count{Verb: "received", Noun: "matching requests"})
	if err == nil && d.ExitAfter > 0 && r.counted >= d.ExitAfter && r.refusedCounted > 0 {
		return apperr.New(apperr.ErrVerification, "%d of the %d requests waited for had an invalid signature (--reject-invalid answered 401)", r.refusedCounted, r.counted)
	}
	return err
}
