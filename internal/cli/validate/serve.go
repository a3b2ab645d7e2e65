package validate

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/cli/receive"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/inspect"
	"github.com/hookctl/hookctl/internal/iostreams"
	"github.com/hookctl/hookctl/internal/listener"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/rules"
	"github.com/hookctl/hookctl/internal/tunnel"
)

// Output formats of `validate serve`.
const (
	formatPretty = "pretty"
	formatJSON   = "json"
)

// defaultScheme is the provider's: Standard Webhooks (Svix style).
const defaultScheme = "standard"

// ServeOptions are the inputs of `validate serve`.
type ServeOptions struct {
	Factory     *cmdutil.Factory
	RulesFile   string
	Rules       *rules.RuleSet // loaded from RulesFile before running
	ConfigID    string
	Secrets     []string
	Scheme      string
	Host        string
	Port        int
	Path        string
	AutoDeploy  bool
	ReadyFile   string
	Tunnel      receive.TunnelFlags
	ExitAfter   int
	Timeout     time.Duration
	ReadTimeout time.Duration // --read-timeout
	Format      string
	// Inspect is --inspect[=ADDR]: the web inspector beside the server.
	Inspect string

	// Listen opens the local socket; tests may replace it.
	Listen func(ctx context.Context, addr string) (net.Listener, error)

	secret *cmdutil.SecretFlags
}

// NewCmdServe builds `validate serve`. runF replaces serveRun in tests.
func NewCmdServe(f *cmdutil.Factory, runF func(context.Context, *ServeOptions) error) *cobra.Command {
	opts := &ServeOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "serve --rules FILE (--config ID | --secret S)",
		Short: "Run a validation server that approves or rejects config instances by rules",
		Long: `Run a custom validation server, as in Miru's flow: when a config instance is
created it waits, validating, and a config_instance.target_status.validated
webhook tells the validation servers subscribed to it. This server receives
that webhook, checks the instance's content against a rules file, and approves
or rejects the instance through the API.

The flow:

  1. Register a webhook config subscribed to config_instance.* whose URL is
     this server (http://127.0.0.1:8080/ by default, or the public URL with
     --tunnel):
       hookctl webhook-config create --url http://127.0.0.1:8080/ --event 'config_instance.*'
  2. Run the server with the config's id, so it verifies the signatures with
     the config's secret (or pass the secret itself with --secret):
       hookctl validate serve --rules rules.yaml --config whc_…
  3. Create config instances ("hookctl config-instance create"): each one is
     decided within moments.

For every request the server verifies the signature (Standard Webhooks unless
--scheme or the config says otherwise) and answers 401 when it does not verify:
nothing is decided. A valid event is answered 200 {"message":"ok"} at once;
the decision happens afterwards, one at a time, in arrival order:

  - fetch the instance named in data.config_instance.id;
  - check its content against the rules for its config type (see the rules
    file format below);
  - approve it with a message listing the rules checked, or reject it with the
    failed rules' summary and one parameter error per failed rule;
  - with --auto-deploy, deploy what was approved, replacing the instance
    deployed on the same device at the same file path or with the same schema.

Other event types are acknowledged and shown as skipped; so is an instance that
is no longer validating (decided by someone else). Neither stops the server.

Rules file (YAML or JSON): per config type, checks on gjson paths of the
content — required, type (string, number, integer, boolean, object, array,
null), enum, min/max, pattern, min_length/max_length, and a custom message.
unknown_types (reject or approve) says what to do with config types the file
does not cover; rules under "*" apply to every type. A malformed file stops
the server at start with the file, line and reason (exit 2).

Output: one line per decision on stdout — ✓ approved or ✗ rejected, with the
message and the parameter errors — or one JSON object per line with
--format json. Status lines go to stderr.

Inspector: --inspect (or --inspect=ADDR) serves the web inspector beside the
server (see "hookctl inspect"): the webhooks received, and the config
instances as they are decided, live.

CI: "Ready! Listening on URL" is printed on stderr once serving and the URL is
written to --ready-file. --exit-after N exits 0 after N decisions (approvals
or rejections); with --timeout D it exits 6 if they did not come in time.
Ctrl-C or SIGTERM stops accepting webhooks, finishes the decisions already
acknowledged and exits.`,
		Example: `  # rules.yaml
  unknown_types: reject
  config_types:
    motion-control:
      - {path: speed.max, required: true, type: number, min: 0, max: 10}
      - {path: mode, enum: [auto, manual]}

  # Register the server, then run it with the config's secret
  hookctl webhook-config create --url http://127.0.0.1:8080/ --event 'config_instance.*' -q id
  hookctl validate serve --rules rules.yaml --config whc_01j…

  # Deploy what passes, reachable from the internet through ngrok
  hookctl validate serve --rules rules.yaml --secret whsec_… --auto-deploy --tunnel

  # Watch the decisions in the browser
  hookctl validate serve --rules rules.yaml --config whc_01j… --inspect

  # CI: decide 2 instances within a minute, as JSON lines
  hookctl validate serve --rules rules.yaml --config whc_01j… --port 0 --ready-file url.txt \
    --exit-after 2 --timeout 1m --format json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.validate(cmd); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return serveRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.RulesFile, "rules", "", "rules file (YAML or JSON) the content is checked against")
	fl.StringVar(&opts.ConfigID, "config", "", "verify with this webhook config's scheme and secrets")
	opts.secret = cmdutil.AddSecretFlags(cmd, true, "signing secret to verify with (repeat for rotated secrets)")
	cmdutil.SchemeFlag(cmd, &opts.Scheme, false, "signature scheme with --secret (default standard)")
	fl.StringVar(&opts.Host, "host", "127.0.0.1", "address to listen on (0.0.0.0 for every interface)")
	fl.IntVarP(&opts.Port, "port", "p", 8080, "port to listen on (0 picks a free one)")
	fl.StringVar(&opts.Path, "path", "/", "path that receives webhooks")
	fl.BoolVar(&opts.AutoDeploy, "auto-deploy", false, "deploy every instance this server approves")
	fl.StringVar(&opts.ReadyFile, "ready-file", "", "write the listening URL to this file once ready (for scripts)")
	fl.IntVar(&opts.ExitAfter, "exit-after", 0, "exit 0 after this many decisions (approvals or rejections)")
	fl.DurationVar(&opts.Timeout, "timeout", 0, "stop after this long; with --exit-after, exit 6 if too few decisions came")
	receive.ReadTimeoutFlag(cmd, &opts.ReadTimeout)
	cmdutil.StringEnumFlag(cmd, &opts.Format, "format", "", "", []string{formatPretty, formatJSON}, "output: pretty or json (one object per line); default pretty, json with -o json")
	opts.Tunnel.Register(cmd)
	receive.InspectFlag(cmd, &opts.Inspect)
	_ = cmd.MarkFlagFilename("rules", "yaml", "yml", "json")
	return cmd
}

func (o *ServeOptions) validate(cmd *cobra.Command) error {
	if o.Format == "" {
		o.Format = formatPretty
		if o.Factory.Globals.WantsJSON() {
			o.Format = formatJSON
		}
	}
	if o.RulesFile == "" {
		return apperr.Usagef("--rules is required: the rules file the config content is checked against")
	}
	if o.secret != nil {
		if o.secret.Given() && o.ConfigID != "" {
			return apperr.Usagef("use either --secret or --config, not both")
		}
		secrets, err := o.secret.Resolve(o.Factory.IOStreams.In, o.Factory.Getenv, o.ConfigID == "")
		if err != nil {
			return err
		}
		o.Secrets = secrets
	}
	if o.ConfigID == "" && len(o.Secrets) == 0 {
		return apperr.Usagef("a validation server verifies every webhook: pass --config with the webhook config that sends them, or --secret-file/--secret (or set $%s)", cmdutil.SecretEnv)
	}
	if o.ConfigID != "" && len(o.Secrets) > 0 {
		return apperr.Usagef("use either --secret or --config, not both")
	}
	if o.Port < 0 || o.Port > 65535 {
		return apperr.Usagef("invalid --port %d: use 0-65535 (0 picks a free port)", o.Port)
	}
	if !strings.HasPrefix(o.Path, "/") {
		o.Path = "/" + o.Path
	}
	if o.ExitAfter < 0 {
		return apperr.Usagef("--exit-after must not be negative")
	}
	if o.Timeout < 0 {
		return apperr.Usagef("--timeout must not be negative")
	}
	if err := o.Tunnel.Validate(cmd); err != nil {
		return err
	}
	if err := receive.ValidateInspectAddr(o.Inspect); err != nil {
		return err
	}
	rs, err := rules.Load(o.RulesFile)
	if err != nil {
		return err
	}
	o.Rules = rs
	return nil
}

func serveRun(ctx context.Context, opts *ServeOptions) error {
	f := opts.Factory
	sign, err := receive.ResolveSigning(ctx, f, opts.Scheme, opts.Secrets, opts.ConfigID, defaultScheme)
	if err != nil {
		return err
	}
	be, err := f.Backend()
	if err != nil {
		return err
	}

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	r := &renderer{opts: opts, stop: stop}
	d := &Decider{Backend: be, Rules: opts.Rules, AutoDeploy: opts.AutoDeploy, Now: f.Now}
	// Decisions outlive Ctrl-C: what was acknowledged gets decided.
	w := StartWorker(context.WithoutCancel(ctx), d.Decide, r.decision)
	workerClosed := false
	closeWorker := func() {
		if !workerClosed {
			workerClosed = true
			w.Close()
		}
	}
	defer closeWorker()

	var insp *inspect.Server
	if opts.Inspect != "" {
		if insp, err = receive.StartInspector(ctx, f, opts.Inspect, "validate serve", opts.Format == formatJSON); err != nil {
			return err
		}
		defer insp.Close()
	}

	l, err := listener.New(listener.Config{
		Path:          opts.Path,
		Scheme:        sign.Scheme,
		Secrets:       sign.Secrets,
		RejectInvalid: true,
		ReadTimeout:   opts.ReadTimeout,
		OnEvent: func(e listener.Event) {
			if insp != nil && e.Kind == listener.KindRequest {
				insp.Publish(e.Request)
			}
			if e.Matched() {
				req := e.Request
				w.Enqueue(Job{RequestID: req.ID, EventType: req.EventType, Body: req.Body, Received: req.ReceivedAt})
				return
			}
			r.request(e)
		},
	})
	if err != nil {
		return err
	}
	defer l.Close()

	ep, err := receive.Open(ctx, f, receive.Socket{
		Host: opts.Host, Port: opts.Port, Path: opts.Path,
		Tunnel: &opts.Tunnel, OnTunnelStatus: r.tunnelStatus, Listen: opts.Listen,
	})
	if err != nil {
		return err
	}
	defer ep.Close()
	if opts.ReadyFile != "" {
		if err := receive.WriteReadyFile(opts.ReadyFile, ep.URL); err != nil {
			return err
		}
	}
	r.printBanner(ep.URL, sign)

	deadline := &receive.Deadline{ExitAfter: opts.ExitAfter, Timeout: opts.Timeout}
	defer deadline.Arm(stop)()
	serveErr := l.Serve(runCtx, ep.Listeners...)
	closeWorker() // finish the decisions already acknowledged
	r.mu.Lock()
	defer r.mu.Unlock()
	r.printSummary()
	return deadline.Outcome(ctx, serveErr, r.decided, receive.Count{Verb: "made", Noun: "decisions"})
}

// renderer prints decisions (stdout) and request problems (stderr). The
// worker and the listener call it concurrently; one mutex keeps lines whole.
type renderer struct {
	opts *ServeOptions
	stop func()

	mu       sync.Mutex
	decided  int
	approved int
	rejected int
	deployed int
	skipped  int
	failed   int
	refused  int // requests answered with an error (bad signature, …)
	errors   int
}

func (r *renderer) decision(d Decision) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch d.Decision {
	case DecisionApproved:
		r.approved++
		if d.Deploy != nil {
			r.deployed++
		}
	case DecisionRejected:
		r.rejected++
	case DecisionSkipped:
		r.skipped++
	default:
		r.failed++
	}
	ios := r.opts.Factory.IOStreams
	if r.opts.Format == formatJSON {
		b, err := marshalLine(d)
		if err != nil {
			fmt.Fprintf(ios.ErrOut, "%s %v\n", ios.ErrStyles().WarningIcon(), err)
		} else {
			ios.Out.Write(b)
		}
	} else {
		fmt.Fprint(ios.Out, renderDecision(ios.Styles(), d))
	}
	if d.Decided() {
		r.decided++
		if r.opts.ExitAfter > 0 && r.decided == r.opts.ExitAfter {
			r.stop()
		}
	}
}

// request reports what the listener did not hand to the worker: refused
// requests (401 for a bad signature, 404, 413 …) and errors.
func (r *renderer) request(e listener.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ios := r.opts.Factory.IOStreams
	st := ios.ErrStyles()
	switch e.Kind {
	case listener.KindError:
		r.errors++
		fmt.Fprintf(ios.ErrOut, "%s %s\n", st.WarningIcon(), iostreams.EscapeText(e.Err.Error()))
	case listener.KindRequest:
		req := e.Request
		if req == nil || req.Rejected == "" {
			return
		}
		r.refused++
		why := req.Rejected
		if req.Verification != nil && req.Rejected == listener.RejectInvalidSignature {
			why = "invalid signature: " + req.Verification.Message
		}
		fmt.Fprintf(ios.ErrOut, "%s %s %s answered %d, nothing decided: %s\n", st.FailureIcon(), esc(req.Method), esc(req.Path), req.Status, esc(why))
	}
}

func (r *renderer) tunnelStatus(s tunnel.Status) {
	r.mu.Lock()
	defer r.mu.Unlock()
	receive.WriteTunnelStatus(r.opts.Factory.IOStreams, s, false, r.opts.Format == formatJSON)
}

func (r *renderer) printBanner(url string, sign *receive.Signing) {
	ios := r.opts.Factory.IOStreams
	st := ios.ErrStyles()
	var b strings.Builder
	line := func(k, v string) { fmt.Fprintf(&b, "  %s %s\n", st.Key.Render(fmt.Sprintf("%-10s", k)), v) }
	line("Rules", describeRules(r.opts.Rules))
	from := ""
	if sign.Config != nil {
		from = " of " + sign.Config.ID
	}
	line("Verifying", fmt.Sprintf("%s, %s%s, answering 401 to failures", sign.Scheme, cmdutil.Plural(len(sign.Secrets), "secret", "secrets"), from))
	if r.opts.AutoDeploy {
		line("Deploying", "every approved instance (--auto-deploy)")
	}
	if r.opts.ExitAfter > 0 {
		line("Exit after", cmdutil.Plural(r.opts.ExitAfter, "decision", "decisions"))
	}
	if c := sign.Config; c != nil {
		switch {
		case !c.Enabled:
			fmt.Fprintf(&b, "%s %s is disabled: it sends nothing until enabled (hookctl webhook-config update %s --enable)\n", st.WarningIcon(), c.ID, c.ID)
		case !c.Subscribes(model.EventConfigInstanceValidated):
			fmt.Fprintf(&b, "%s %s is not subscribed to %s: add it with hookctl webhook-config update %s --add-event 'config_instance.*'\n",
				st.WarningIcon(), c.ID, model.EventConfigInstanceValidated, c.ID)
		case c.URL != url:
			fmt.Fprintf(&b, "%s %s sends to %s, not here: hookctl webhook-config update %s --url %s\n", st.WarningIcon(), c.ID, c.URL, c.ID, url)
		}
	}
	fmt.Fprintf(&b, "%s Listening on %s\n", st.Success.Render("Ready!"), url)
	fmt.Fprint(ios.ErrOut, b.String())
}

// describeRules: "rules.yaml: motion-control (2 rules), * (1 rule); unknown types rejected".
func describeRules(rs *rules.RuleSet) string {
	var parts []string
	for _, t := range rs.ConfigTypes() {
		own, _ := rs.Rules(t)
		if t != rules.AllTypes {
			all, _ := rs.Rules(rules.AllTypes)
			own = own[:len(own)-len(all)]
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", t, cmdutil.Plural(len(own), "rule", "rules")))
	}
	types := "no config types"
	if len(parts) > 0 {
		types = strings.Join(parts, ", ")
	}
	unknown := "unknown types rejected"
	if rs.UnknownTypes == rules.UnknownApprove {
		unknown = "unknown types approved"
	}
	return fmt.Sprintf("%s: %s; %s", rs.Name, types, unknown)
}

func (r *renderer) printSummary() {
	ios := r.opts.Factory.IOStreams
	st := ios.ErrStyles()
	parts := []string{fmt.Sprintf("%d approved", r.approved), fmt.Sprintf("%d rejected", r.rejected)}
	if r.deployed > 0 {
		parts = append(parts, fmt.Sprintf("%d deployed", r.deployed))
	}
	if r.skipped > 0 {
		parts = append(parts, fmt.Sprintf("%d skipped", r.skipped))
	}
	if r.failed > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", r.failed))
	}
	if r.refused > 0 {
		parts = append(parts, cmdutil.Plural(r.refused, "request", "requests")+" refused")
	}
	if r.errors > 0 {
		parts = append(parts, cmdutil.Plural(r.errors, "error", "errors"))
	}
	fmt.Fprintf(ios.ErrOut, "%s\n", st.Muted.Render("Stopped validating: "+strings.Join(parts, ", ")+"."))
}
