package webhook

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/tidwall/gjson"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/dispatch"
	"github.com/hookctl/hookctl/internal/iostreams"
	"github.com/hookctl/hookctl/internal/model"
)

// SendOptions are the inputs of `webhook send`.
type SendOptions struct {
	Factory *cmdutil.Factory

	Type         string // positional TYPE or --type
	Data         string
	Sets         []string
	To           string
	ConfigID     string
	All          bool
	Scheme       string
	Secret       string
	Headers      map[string]string
	Mock         bool
	Count        int
	Concurrency  int
	Rate         float64 // requests per second; 0 = as fast as possible
	Retries      int
	RetryDelay   time.Duration
	Timeout      time.Duration
	Expect       *StatusExpectation
	Insecure     bool
	Platform     string // --platform: the device's os/platform in a device event's payload
	TemplateDirs []string

	// Dispatcher, if set, replaces the one sendRun builds (tests inject a
	// sleeper and a clock).
	Dispatcher func(*dispatch.Dispatcher)
}

// NewCmdSend builds `webhook send`. runF replaces sendRun in tests.
func NewCmdSend(f *cmdutil.Factory, runF func(context.Context, *SendOptions) error) *cobra.Command {
	opts := &SendOptions{Factory: f}
	var (
		typeFlag string
		headers  []string
		secret   *cmdutil.SecretFlags
	)
	cmd := &cobra.Command{
		Use:   "send [TYPE] (--to URL | --config ID | --all)",
		Short: "Send a signed example event to an endpoint",
		Long: `Build an event from the catalogue (see "hookctl events list") or from --data,
edit it with --set, sign it and POST it.

Targets:
  --to URL       an ad-hoc URL, signed with --scheme/--secret (unsigned, with a
                 note on stderr, when no --secret is given)
  --config ID    a webhook config: its URL, scheme, current secret and headers.
                 A disabled config, or one not subscribed to the event type, is
                 refused (send to its URL with --to instead)
  --all          every enabled config subscribed to the event type

Each delivery gets a delivery id (dlv_…) and a request id (a time-ordered
UUID v7, sent as X-Request-Id and, for Standard Webhooks, as webhook-id so the
signature covers it). Network errors, timeouts, 408, 429 and 5xx are retried
with exponential backoff and jitter, honouring Retry-After; other statuses are
final. Redirects are not followed (providers do not follow them): a 3xx fails
the delivery and names its Location. Every attempt is recorded: see "hookctl
webhook deliveries". With --mock nothing is recorded, like a provider's "send
test event" button.

Exit status: 1 when a delivery finally failed; with --expect-status, 6 when a
final status does not match (and 0 otherwise, whatever the status).

Load mode: --count N (> 1) sends the event N times (round-robin over the
targets), --concurrency at a time, at most --rate per second, and prints a
summary instead of every delivery: sent, succeeded, failed, p50/p95/p99
latency of the HTTP requests and requests per second. While it runs, a
terminal's stderr shows one progress line (sent, succeeded, failed, rate,
ETA; refreshed at most 10 times a second, cleared at the end); piped, nothing.
After Ctrl-C, deliveries cut off are counted as cancelled. The payload is built
once; each request still gets its own request id and signature. Deliveries
are recorded in batches of 500 per transaction by a background writer (at
most 100 ms after they end). Plain-http targets are sent over keep-alive
connections by a lean HTTP/1.1 client; the Go collector runs with GOGC=400
unless GOGC is set.

With a remote backend (--api-url / HOOKCTL_API_URL) a single send is made by
the server's dispatcher: the CLI asks, waits and prints the outcome. --mock
and load mode (--count > 1) always send from this process (--insecure too).`,
		Example: `  hookctl webhook send device.enrolled --to http://127.0.0.1:8080/hooks --secret s3cret
  hookctl webhook send payment_intent.succeeded --config whc_01j… --set data.object.amount=4200
  hookctl webhook send device.locked --all
  hookctl webhook send device.unenrolled --platform macos --to http://127.0.0.1:8080/hooks --secret s3cret
  hookctl webhook send --data @event.json --to https://example.com/hooks --mock
  hookctl webhook send ping --to http://127.0.0.1:8080/ --expect-status 2xx
  hookctl webhook send device.enrolled --to http://127.0.0.1:8080/ --count 10000 --concurrency 64`,
		Args: cmdutil.MaxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if typeFlag != "" && typeFlag != args[0] {
					return apperr.Usagef("the event type is given twice (%q and --type %q)", args[0], typeFlag)
				}
				opts.Type = args[0]
			} else {
				opts.Type = typeFlag
			}
			if opts.Type == "" && opts.Data == "" {
				return apperr.Usagef("missing event type: usage: %s (run \"hookctl events list\", or pass --data)", cmd.UseLine())
			}
			n := 0
			for _, b := range []bool{opts.To != "", opts.ConfigID != "", opts.All} {
				if b {
					n++
				}
			}
			switch {
			case n == 0:
				return apperr.Usagef("where to? pass --to URL, --config ID or --all")
			case n > 1:
				return apperr.Usagef("use only one of --to, --config and --all")
			}
			if opts.To == "" && (secret.Given() || opts.Scheme != "") {
				return apperr.Usagef("--scheme and --secret go with --to; a config signs with its own scheme and secret")
			}
			if secret.FromStdin() && opts.Data == "-" {
				return apperr.Usagef("--secret-file - and --data - cannot both read standard input")
			}
			secrets, err := secret.Resolve(f.IOStreams.In, f.Getenv, opts.To != "")
			if err != nil {
				return err
			}
			if len(secrets) > 0 {
				opts.Secret = secrets[0]
			}
			if opts.Scheme != "" && opts.Secret == "" {
				return apperr.Usagef("--scheme needs --secret, --secret-file or $%s", cmdutil.SecretEnv)
			}
			if opts.Count < 1 {
				return apperr.Usagef("--count must be at least 1")
			}
			if opts.Concurrency < 0 || opts.Retries < 0 || opts.RetryDelay < 0 || opts.Timeout < 0 {
				return apperr.Usagef("--concurrency, --retries, --retry-delay and --timeout must not be negative")
			}
			if opts.Concurrency == 0 {
				opts.Concurrency = 1
				if opts.Count > 1 {
					opts.Concurrency = 10
				}
			}
			if opts.Headers, err = cmdutil.ParseHeaders(headers); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return sendRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&typeFlag, "type", "", "event type (instead of the TYPE argument, e.g. with --data)")
	cmdutil.DataVar(fl, &opts.Data, "payload instead of the catalogue's: JSON, @file or - for stdin")
	fl.StringArrayVar(&opts.Sets, "set", nil, "edit the payload: GJSON-PATH=VALUE, repeatable")
	fl.StringVar(&opts.To, "to", "", "send to this URL")
	fl.StringVar(&opts.ConfigID, "config", "", "send to this webhook config")
	fl.BoolVar(&opts.All, "all", false, "send to every enabled config subscribed to the event")
	fl.StringVar(&opts.Scheme, "scheme", "", "signature scheme with --to (default: the event's, else standard)")
	secret = cmdutil.AddSecretFlags(cmd, false, "signing secret with --to")
	cmdutil.HeaderVar(fl, &headers, "extra header 'Name: value', repeatable")
	fl.BoolVar(&opts.Mock, "mock", false, "send without recording the delivery")
	fl.IntVar(&opts.Count, "count", 1, "send N times (load mode when > 1)")
	fl.IntVar(&opts.Concurrency, "concurrency", 0, "deliveries in flight at once (default 1, or 10 with --count)")
	cmdutil.RateVar(fl, &opts.Rate, "rate", "at most R deliveries per second, e.g. 100 or 100/s or 600/m")
	fl.IntVar(&opts.Retries, "retries", dispatch.DefaultRetries, "retries after a failed attempt")
	fl.DurationVar(&opts.RetryDelay, "retry-delay", dispatch.DefaultBaseDelay, "first retry delay, doubled each retry (capped at 30s)")
	fl.DurationVar(&opts.Timeout, "timeout", dispatch.DefaultTimeout, "timeout of one attempt")
	cmdutil.StatusExpectationVar(fl, &opts.Expect, "expect-status", "exit 6 unless every final status matches: 2xx, 4xx … or a code")
	fl.BoolVar(&opts.Insecure, "insecure", false, "do not verify the receiver's TLS certificate")
	fl.StringArrayVar(&opts.TemplateDirs, "template-dir", nil, "extra directory of event templates, repeatable")
	fl.StringVar(&opts.Platform, "platform", "", "device platform of a device event's payload {"+strings.Join(catalog.Platforms, "|")+"}; refused if the event is not sent for it")
	_ = cmd.RegisterFlagCompletionFunc("platform", cobra.FixedCompletions(catalog.Platforms, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("scheme", cobra.FixedCompletions(model.ConfigSchemes, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("expect-status", cobra.FixedCompletions([]string{"2xx", "3xx", "4xx", "5xx"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// StatusExpectation is a parsed --expect-status: a class (2xx) or a code
// (parsed by the flag itself, see cmdutil.StatusExpectationVar).
type StatusExpectation = cmdutil.StatusExpectation

// preparedEvent is the event to send and how --to signs it by default.
type preparedEvent struct {
	ev     dispatch.Event
	scheme string // the catalogue event's scheme, if known
}

func prepareEvent(opts *SendOptions) (*preparedEvent, error) {
	f := opts.Factory
	cat, err := cmdutil.LoadCatalog(f, opts.TemplateDirs)
	if err != nil {
		return nil, err
	}
	p := &preparedEvent{}
	var known *catalog.Event // the catalogue's event of this type, if any
	var body []byte
	hdr := http.Header{}
	if opts.Data != "" {
		body, err = cmdutil.ReadData(opts.Data, f.IOStreams.In)
		if err != nil {
			return nil, err
		}
		if opts.Type == "" {
			for _, field := range []string{"type", "event"} {
				if r := gjson.GetBytes(body, field); r.Type == gjson.String && r.Str != "" {
					opts.Type = r.Str
					break
				}
			}
			if opts.Type == "" {
				return nil, apperr.Usagef("cannot tell the event type: --data has no \"type\" field; pass TYPE or --type")
			}
		}
		// A known type still lends its headers and scheme.
		if e, err := cat.Get(opts.Type); err == nil {
			_, h, err := e.BuildRequest(catalog.BuildOptions{Now: f.Now()})
			if err != nil {
				return nil, err
			}
			hdr, p.scheme, known = h, e.Scheme, &e
		}
	} else {
		e, err := cat.Get(opts.Type)
		if err != nil {
			return nil, err
		}
		body, hdr, err = e.BuildRequest(catalog.BuildOptions{Now: f.Now()})
		if err != nil {
			return nil, err
		}
		p.scheme, known = e.Scheme, &e
	}
	if opts.Platform != "" {
		// Before --set, so that --set can still edit the device.
		if known == nil {
			return nil, apperr.Usagef("--platform needs an event type of the catalogue; %q is not one (run \"hookctl events list\")", opts.Type)
		}
		if body, err = known.WithPlatform(body, opts.Platform); err != nil {
			return nil, err
		}
	}
	if body, err = catalog.Apply(body, opts.Sets); err != nil {
		return nil, err
	}
	for k, v := range opts.Headers {
		hdr.Set(k, v)
	}
	p.ev = dispatch.Event{Type: opts.Type, Body: body, Headers: hdr}
	if r := gjson.GetBytes(body, "id"); r.Type == gjson.String {
		p.ev.EventID = r.Str
	}
	return p, nil
}

// sendRequest is one send, built once whichever way it goes (the CLI's
// dispatcher, or a server's): the event, the ad-hoc target of --to (signed
// when there is a secret) or the configs to reach, and the retry policy.
type sendRequest struct {
	ev     dispatch.Event
	to     *dispatch.Target // --to; nil: --config ID or --all
	policy dispatch.Policy
}

// newSendRequest builds the request of opts for the prepared event, and
// says on stderr, once, when --to goes unsigned.
func newSendRequest(opts *SendOptions, p *preparedEvent) (*sendRequest, error) {
	req := &sendRequest{ev: p.ev, policy: sendPolicy(opts)}
	if opts.To == "" {
		return req, nil
	}
	if err := backend.ValidateEndpointURL(opts.To); err != nil {
		return nil, err
	}
	t := dispatch.AdHocTarget(opts.To, opts.Secret, opts.Scheme, p.scheme)
	req.to = &t
	if ios := opts.Factory.IOStreams; opts.Secret == "" && ios != nil {
		fmt.Fprintf(ios.ErrOut, "%s sending unsigned: no --secret given (or use --config ID to sign with a config's secret)\n",
			ios.ErrStyles().WarningIcon())
	}
	return req, nil
}

// sendPolicy is the retry policy of --retries, --retry-delay and --timeout.
func sendPolicy(opts *SendOptions) dispatch.Policy {
	return dispatch.Policy{Retries: opts.Retries, BaseDelay: opts.RetryDelay, Timeout: opts.Timeout}
}

// targets are where the CLI's own dispatcher sends: --to, or the configs.
func (req *sendRequest) targets(ctx context.Context, opts *SendOptions) ([]dispatch.Target, error) {
	if req.to != nil {
		return []dispatch.Target{*req.to}, nil
	}
	be, err := opts.Factory.Backend()
	if err != nil {
		return nil, err
	}
	return backend.ConfigTargets(ctx, be, opts.ConfigID, opts.Type)
}

// httpClient clones the factory's client with a transport sized for the
// concurrency and, with --insecure, no certificate verification. Per-attempt
// timeouts come from the dispatcher, so the client has none.
func httpClient(opts *SendOptions) *http.Client {
	base := opts.Factory.HTTPClient()
	c := *base
	c.Timeout = 0
	var tr *http.Transport
	switch t := base.Transport.(type) {
	case nil:
		tr = http.DefaultTransport.(*http.Transport).Clone()
	case *http.Transport:
		tr = t.Clone()
	default:
		return &c // a test transport: leave it alone
	}
	tr.MaxIdleConns = max(100, opts.Concurrency*2)
	tr.MaxIdleConnsPerHost = max(opts.Concurrency, 2)
	if opts.Insecure {
		if tr.TLSClientConfig == nil {
			tr.TLSClientConfig = &tls.Config{}
		}
		tr.TLSClientConfig.InsecureSkipVerify = true
	}
	c.Transport = tr
	return &c
}

func newDispatcher(opts *SendOptions, client *http.Client, rec dispatch.Recorder) *dispatch.Dispatcher {
	d := dispatch.New(client, rec)
	d.Policy = sendPolicy(opts)
	if opts.Dispatcher != nil {
		opts.Dispatcher(d)
	}
	return d
}

func sendRun(ctx context.Context, opts *SendOptions) error {
	p, err := prepareEvent(opts)
	if err != nil {
		return err
	}
	req, err := newSendRequest(opts, p)
	if err != nil {
		return err
	}
	if !opts.Mock && opts.Count == 1 {
		sender, err := opts.Factory.Sender()
		if err != nil {
			return err
		}
		if sender != nil {
			return remoteSendRun(ctx, opts, req, sender)
		}
	}
	targets, err := req.targets(ctx, opts)
	if err != nil {
		return err
	}
	if opts.Count > 1 {
		return loadRun(ctx, opts, req.ev, targets)
	}
	f := opts.Factory
	var rec dispatch.Recorder
	if !opts.Mock {
		be, err := f.Backend()
		if err != nil {
			return err
		}
		rec = dispatch.SaveRecorder(be.SaveDeliveries)
	}
	d := newDispatcher(opts, httpClient(opts), rec)
	ios := f.IOStreams
	if ios.IsStderrTTY() {
		d.OnAttempt = func(del *model.Delivery, next time.Duration) {
			if next > 0 {
				a := del.LastAttempt()
				fmt.Fprintf(ios.ErrOut, "%s %s: attempt %d %s; retrying in %s\n", ios.ErrStyles().WarningIcon(), esc(del.URL), a.N,
					esc(cmdutil.AttemptOutcome(a)), next.Round(time.Millisecond))
			}
		}
	}
	results := d.DeliverAll(ctx, req.ev, targets, opts.Concurrency)
	var deliveries []*model.Delivery
	var errs []error
	for _, r := range results {
		if r.Delivery != nil {
			deliveries = append(deliveries, r.Delivery)
		}
		if r.Err != nil && !errors.Is(r.Err, context.Canceled) {
			errs = append(errs, r.Err)
		}
	}
	if len(deliveries) == 0 && len(errs) > 0 {
		return errors.Join(errs...)
	}
	if err := cmdutil.Render(f, deliveries, func() error { return printDeliveries(opts, deliveries) }); err != nil {
		return err
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return outcome(opts, deliveries)
}

// remoteSendRun asks the server to send (its durable dispatcher delivers
// and records) and renders the final deliveries like a local send. --mock
// and load mode (--count) always send from here.
func remoteSendRun(ctx context.Context, opts *SendOptions, req *sendRequest, sender backend.Sender) error {
	f := opts.Factory
	params := backend.SendEventParams{
		Type: opts.Type, PayloadBase64: req.ev.Body, Headers: map[string]string{},
		ConfigID: opts.ConfigID, DeliveryPolicy: backend.PolicyOf(req.policy),
	}
	if params.PayloadBase64 == nil {
		params.PayloadBase64 = []byte{}
	}
	for k := range req.ev.Headers {
		params.Headers[k] = req.ev.Headers.Get(k)
	}
	if t := req.to; t != nil {
		params.To, params.Scheme = t.URL, t.Scheme
		if len(t.Secrets) > 0 {
			params.Secret = t.Secrets[0].Value
		}
	}
	var progress func(*model.Delivery, *model.DeliveryAttempt)
	if ios := f.IOStreams; ios.IsStderrTTY() {
		// Show the server's retries as a local send shows its own.
		progress = func(d *model.Delivery, a *model.DeliveryAttempt) {
			fmt.Fprintf(ios.ErrOut, "%s %s: attempt %d %s; the server retries\n", ios.ErrStyles().WarningIcon(), esc(d.URL),
				a.N, esc(cmdutil.AttemptOutcome(a)))
		}
	}
	res, err := sender.SendEvent(ctx, params, progress)
	if err != nil {
		return err
	}
	printWarnings(f, res.Warnings)
	if err := cmdutil.Render(f, res.Data, func() error { return printDeliveries(opts, res.Data) }); err != nil {
		return err
	}
	return outcome(opts, res.Data)
}

func printWarnings(f *cmdutil.Factory, warnings []string) {
	for _, w := range warnings {
		fmt.Fprintf(f.IOStreams.ErrOut, "%s %s\n", f.IOStreams.ErrStyles().WarningIcon(), w)
	}
}

// outcome turns the final states into the exit status.
func outcome(opts *SendOptions, deliveries []*model.Delivery) error {
	if opts.Expect != nil {
		var bad []string
		for _, d := range deliveries {
			if !opts.Expect.Match(d.StatusCode) {
				bad = append(bad, fmt.Sprintf("%s answered %s", d.URL, deliveryStatusText(d)))
			}
		}
		if len(bad) > 0 {
			return apperr.New(apperr.ErrExpectation, "expected status %s, but %s", opts.Expect, strings.Join(bad, "; "))
		}
		return nil
	}
	failed := 0
	var last *model.Delivery
	for _, d := range deliveries {
		if d.State != model.DeliverySucceeded {
			failed++
			last = d
		}
	}
	if failed == 0 {
		return nil
	}
	if len(deliveries) == 1 {
		return fmt.Errorf("delivery to %s failed: %s", last.URL, cmdutil.AttemptOutcome(last.LastAttempt()))
	}
	return fmt.Errorf("%d of %d deliveries failed", failed, len(deliveries))
}

func deliveryStatusText(d *model.Delivery) string {
	if d.StatusCode == 0 {
		if a := d.LastAttempt(); a != nil && a.Error != "" {
			return "no response (" + a.Error + ")"
		}
		return "no response"
	}
	return strconv.Itoa(d.StatusCode)
}

// maxTTYBody bounds the response body printed on a terminal.
const maxTTYBody = 1024

func printDeliveries(opts *SendOptions, deliveries []*model.Delivery) error {
	ios := opts.Factory.IOStreams
	st := ios.Styles()
	var b strings.Builder
	for _, d := range deliveries {
		a := d.LastAttempt()
		icon := st.SuccessIcon()
		if d.State != model.DeliverySucceeded {
			icon = st.FailureIcon()
		}
		id := esc(d.ID)
		if d.Mock {
			id = "mock (not recorded)"
		}
		latency := "-"
		if a != nil {
			latency = cmdutil.FormatLatency(a.Latency)
		}
		line := fmt.Sprintf("%s %s  %s  %s  %s", icon, esc(cmdutil.AttemptOutcome(a)), esc(d.URL), latency, id)
		if n := len(d.Attempts); n > 1 {
			line += fmt.Sprintf("  (%d attempts)", n)
		}
		b.WriteString(line + "\n")
		if a != nil && a.ResponseBody != "" {
			body, more := strings.TrimRight(a.ResponseBody, "\n"), ""
			if ios.IsStdoutTTY() && len(body) > maxTTYBody {
				more = st.Muted.Render(fmt.Sprintf("… (%d more bytes; -o json shows all)", len(body)-maxTTYBody))
				body = body[:maxTTYBody]
			}
			b.WriteString(indent(iostreams.EscapeText(body)+more, "  ") + "\n")
		}
	}
	_, err := fmt.Fprint(ios.Out, b.String())
	return err
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}
