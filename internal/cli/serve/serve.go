// Package serve implements `hookctl serve`: the JSON REST API of
// internal/server over the local store.
package serve

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/apikey"
	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/config"
	"github.com/hookctl/hookctl/internal/netguard"
	"github.com/hookctl/hookctl/internal/outbox"
	"github.com/hookctl/hookctl/internal/publish"
	"github.com/hookctl/hookctl/internal/server"
	"github.com/hookctl/hookctl/internal/store"
)

// Options are the inputs of `serve`.
type Options struct {
	Factory         *cmdutil.Factory
	Addr            string
	Workers         int
	ReadyFile       string
	ShutdownTimeout time.Duration
	PublicURL       string
	// AllowTarget are the --allow-target values; AllowTargets, parsed.
	AllowTarget        []string
	AllowTargets       []netip.Prefix
	PerHostConcurrency int
	// TLSCert and TLSKey are --tls-cert/--tls-key; TLS, the loaded pair
	// (nil: plain http).
	TLSCert, TLSKey string
	TLS             *tls.Config
	// Limits cap what one send or resend may ask (--max-retries, …).
	Limits server.Limits
	// AMQPURL is --amqp-url (else HOOKCTL_AMQP_URL, else the config file's
	// amqp_url, resolved in RunE); "" publishes nothing. AMQPExchange is
	// --amqp-exchange.
	AMQPURL, AMQPExchange string
	// Lease is the outbox lease (0: outbox.DefaultLease), from the
	// undocumented HOOKCTL_OUTBOX_LEASE: tests shorten it so that a killed
	// replica's deliveries resume in seconds (internal/replicatest).
	Lease time.Duration
}

// DefaultAddr is where serve listens without --addr.
const DefaultAddr = "127.0.0.1:8787"

// NewCmdServe builds `serve`.
func NewCmdServe(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the hookctl REST API over the local store",
		Long: `Serve a JSON REST API over the data directory, so that other machines and CI
jobs can use hookctl against one shared store (with --api-url or
HOOKCTL_API_URL, and HOOKCTL_API_KEY).

Every call except GET /healthz needs an API key, in the X-API-Key header or
as Authorization: Bearer KEY. Create keys with "hookctl api-key create" on the
same data directory; a server without keys refuses every call.

Each key belongs to a tenant (api-key create --tenant; "default" without
one). Everything a key creates belongs to its tenant, and a key sees and
changes only its own tenant's configs, deliveries, config instances,
received requests and sources: another tenant's id answers 404 exactly as
an id that does not exist, and uniqueness (a config's URL, the ids a client
chooses) is per tenant.

Endpoints:
  POST   /v1/webhook_configs                      create (the response has the secret)
  GET    /v1/webhook_configs?event=&enabled=      list ({"data":[…]})
  GET    /v1/webhook_configs/{id}                 get (?show_secret=true for the secret)
  PATCH  /v1/webhook_configs/{id}                 update
  DELETE /v1/webhook_configs/{id}                 delete (204)
  POST   /v1/webhook_configs/{id}/rotate_secret   {"keep_old":"24h"} or {"keep_old":86400}
  POST   /v1/config_instances                     create (queues the validation event)
  GET    /v1/config_instances?status=&device_id=  list
  GET    /v1/config_instances/{id}                get
  POST   /v1/config_instances/{id}/approve        {"message":"…"}
  POST   /v1/config_instances/{id}/reject         {"message":"…","errors":[{"parameter_path":[…],"message":"…"}]}
  POST   /v1/config_instances/{id}/deploy         ?dry_run=true|false, no body → {"deploy":…,"remove":[…]}
  POST   /v1/events?wait=20s                      send an event (type or payload; config_id, to, or all subscribed)
  GET    /v1/deliveries?since=&until=&status_code=&request_id=&event=&config_id=&state=&limit=&starting_after=
  GET    /v1/deliveries/{id}?wait=20s&attempts=N  one delivery with its attempts (long poll: final, or more than N attempts)
  POST   /v1/deliveries/{id}/resend               {"to": URL} optional
  POST   /v1/deliveries                           record deliveries made elsewhere
  GET    /v1/requests?since=&event=&failed=&limit=&starting_after=, GET /v1/requests/{id}, POST /v1/requests
  POST   /wh/config                               create or update an inbound source ({"datasource","event","tsField"})
  GET    /wh/config                               the key tenant's sources
  GET    /wh/config/{token}                       one source (HEAD: 200 if valid; DELETE: 204)
  POST   /wh/{apiToken}/{token}                   a source's hook URL: JSON events, no key (the tokens are the credentials)
  GET    /v1/relay/{token}                        a source's requests as Server-Sent Events (Last-Event-ID resumes)
  GET    /healthz                                 liveness, no key needed
  GET    /metrics                                 Prometheus text format

Errors are {"error":{"code":"not_found","message":"…"}} with status 400, 401,
404, 409, 413, 415 or 422. Request bodies are limited to 1 MiB.

Work per request is bounded. Lists of deliveries and requests answer at
most 1000 items (limit, default 50) without payloads, with "has_more" and
?starting_after=ID for the next page. Credential headers (Authorization,
Cookie, X-API-Key, names with token, secret, signature, key or auth) are
redacted unless ?show_secret=true. A send or resend may ask for at most
--max-retries retries, a --max-timeout per attempt and a --max-retry-delay
(422 beyond). The API refuses (508) requests that carry Hookctl-Delivery,
the header of every delivery hookctl makes, so that configs pointing at a
hookctl API cannot make it loop.

Events, resends and validation events are queued in a durable outbox (in the
same transaction as their delivery records) and delivered by --workers
workers with retries; what is pending when the server stops or dies is
delivered when it starts again, with the same request id (at least once).

Deliveries never connect to loopback, private (RFC 1918), link-local,
CGNAT, unique-local, multicast, broadcast or unspecified addresses, nor to
the server's own address: the resolved address of every connection is
checked, and a refused one is a failed attempt that is not retried.
--allow-target CIDR (repeatable; a bare IP is its /32 or /128) opens a
range, for internal deployments that deliver to private networks and for
tests. At most --per-host-concurrency attempts run at once to one host
(host:port), so a slow endpoint cannot hold every worker.

With --tls-cert FILE --tls-key FILE (PEM, both or neither) the API is served
over https only, and the printed and --ready-file URLs are https://. Without
them API keys travel in clear text: keep plain http to loopback, or put the
server behind a TLS-terminating proxy.

With --amqp-url amqp://USER:PASS@HOST:5672/VHOST (or HOOKCTL_AMQP_URL, or
amqp_url in the config file) every event a source accepts is published to
RabbitMQ, on the durable topic exchange --amqp-exchange (events-to-enrich,
declared at start) with routing key event.TENANT.DATASOURCE.EVENT, the body
as received, message_id = the request id, timestamp = the event's tsField
time (else the time received), persistent, with tenant, datasource, event
and source_id headers. The event and a "to publish" mark are committed
before the hook answers 202; the mark is removed when the broker confirms
the message. A broker that is down delays publishing, never loses an event
and never fails a hook: serve starts anyway, warns once, and retries with
backoff. Delivery is at least once: after a crash an event may be published
again with the same message_id, so consumers deduplicate on it. The backlog
is in /metrics (hookctl_publish_backlog) and in GET /healthz. Events
accepted while publishing is off are not published later. An exchange that
exists with another type stops serve (exit 1) with the broker's reason.

With --database postgres://… (or HOOKCTL_DATABASE_URL, or database_url in
the config file) the store is PostgreSQL instead of SQLite in the data
directory, and any number of replicas may serve one database: they share the
outbox (rows claimed with SKIP LOCKED under 30 s leases renewed while held;
a dead replica's deliveries resume on the others once its leases end), wake
each other's relay streams and long polls (LISTEN/NOTIFY), and publish to
RabbitMQ one at a time. While the database is away, calls answer 503 with
Retry-After and GET /healthz answers 503.

SIGINT or SIGTERM stop accepting connections and let in-flight requests and
delivery attempts finish (up to --shutdown-timeout).`,
		Example: `  # Create a key, then serve on the default address
  hookctl api-key create --name ci
  hookctl serve

  # Any free port; the URL is printed and written to a file
  hookctl serve --addr 127.0.0.1:0 --ready-file /tmp/hookctl.url

  # Over https
  hookctl serve --addr 0.0.0.0:8787 --tls-cert server.crt --tls-key server.key

  # An internal deployment delivering to receivers on 10.x and on this host
  hookctl serve --allow-target 10.0.0.0/8 --allow-target 127.0.0.0/8

  # Two replicas on one PostgreSQL database (create the key there too)
  export HOOKCTL_DATABASE_URL=postgres://hookctl:PASS@db.internal:5432/hookctl
  hookctl api-key create --name ci
  hookctl serve --addr 0.0.0.0:8787 & hookctl serve --addr 0.0.0.0:8788 &

  # Use it from another shell
  export HOOKCTL_API_URL=http://127.0.0.1:8787 HOOKCTL_API_KEY=hk_…
  hookctl webhook-config list`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Workers < 1 {
				return apperr.Usagef("invalid --workers %d: use 1 or more", opts.Workers)
			}
			if opts.ShutdownTimeout <= 0 {
				return apperr.Usagef("invalid --shutdown-timeout %s: use a positive duration such as 10s", opts.ShutdownTimeout)
			}
			if opts.Limits.MaxRetries < 0 || opts.Limits.MaxTimeout <= 0 || opts.Limits.MaxRetryDelay <= 0 {
				return apperr.Usagef("invalid --max-retries, --max-timeout or --max-retry-delay: use 0 or more retries and positive durations such as 30s")
			}
			if v := f.Getenv("HOOKCTL_OUTBOX_LEASE"); v != "" {
				d, err := time.ParseDuration(v)
				if err != nil || d < 30*time.Millisecond {
					return apperr.Usagef("invalid HOOKCTL_OUTBOX_LEASE %q: use a duration such as 30s", v)
				}
				opts.Lease = d
			}
			if opts.PerHostConcurrency < 1 {
				return apperr.Usagef("invalid --per-host-concurrency %d: use 1 or more", opts.PerHostConcurrency)
			}
			opts.AllowTargets = nil
			for _, v := range opts.AllowTarget {
				p, err := netguard.ParseTarget(v)
				if err != nil {
					return apperr.Usagef("invalid --allow-target: %v", err)
				}
				opts.AllowTargets = append(opts.AllowTargets, p)
			}
			if opts.PublicURL != "" {
				u, err := url.Parse(opts.PublicURL)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
					return apperr.Usagef("invalid --public-url %q: want http(s)://host[:port][/prefix], without query or fragment", opts.PublicURL)
				}
			}
			if opts.AMQPURL == "" {
				file, err := config.Load(f.Getenv)
				if err != nil {
					return err
				}
				opts.AMQPURL = config.AMQPURL("", f.Getenv, file)
			}
			if opts.AMQPURL != "" {
				if _, err := amqp.ParseURI(opts.AMQPURL); err != nil {
					return apperr.Usagef("invalid --amqp-url %s: %v", publish.MaskURL(opts.AMQPURL), err)
				}
			}
			if opts.AMQPExchange == "" {
				return apperr.Usagef("invalid --amqp-exchange: give a name (default %s)", publish.DefaultExchange)
			}
			tlsConfig, err := loadTLS(opts.TLSCert, opts.TLSKey)
			if err != nil {
				return err
			}
			opts.TLS = tlsConfig
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return serveRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Addr, "addr", DefaultAddr, "address to listen on (port 0 picks a free port)")
	fl.IntVar(&opts.Workers, "workers", 4, "number of delivery workers")
	fl.StringVar(&opts.ReadyFile, "ready-file", "", "once listening, write the server's URL to this file (atomically)")
	fl.DurationVar(&opts.ShutdownTimeout, "shutdown-timeout", server.DefaultShutdownTimeout, "how long to wait for in-flight requests on shutdown")
	cmdutil.StringListVar(fl, &opts.AllowTarget, "allow-target", "", "let deliveries reach this CIDR or IP (repeatable or comma-separated), e.g. 10.0.0.0/8; loopback, private and link-local addresses are refused otherwise")
	fl.IntVar(&opts.Limits.MaxRetries, "max-retries", server.DefaultLimits.MaxRetries, "the most retries a send or resend may ask for")
	fl.DurationVar(&opts.Limits.MaxTimeout, "max-timeout", server.DefaultLimits.MaxTimeout, "the longest per-attempt timeout a send or resend may ask for")
	fl.DurationVar(&opts.Limits.MaxRetryDelay, "max-retry-delay", server.DefaultLimits.MaxRetryDelay, "the longest first retry delay a send or resend may ask for")
	fl.IntVar(&opts.PerHostConcurrency, "per-host-concurrency", outbox.DefaultPerHostConcurrency, "attempts in flight at once to one destination host:port")
	fl.StringVar(&opts.TLSCert, "tls-cert", "", "serve https with this PEM certificate (chain) `FILE` (with --tls-key)")
	fl.StringVar(&opts.TLSKey, "tls-key", "", "the PEM private key `FILE` of --tls-cert")
	fl.StringVar(&opts.AMQPURL, "amqp-url", "", "publish source events to this RabbitMQ `URL` (amqp://user:pass@host:5672/vhost; default $HOOKCTL_AMQP_URL or amqp_url in the config file)")
	fl.StringVar(&opts.AMQPExchange, "amqp-exchange", publish.DefaultExchange, "the durable topic exchange source events are published to")
	fl.StringVar(&opts.PublicURL, "public-url", "", "base of the sources' hook URLs, e.g. behind a proxy or tunnel (default: the address each client used)")
	return cmd
}

func serveRun(ctx context.Context, opts *Options) error {
	ctx, stopWorkers := context.WithCancel(ctx)
	defer stopWorkers()
	f := opts.Factory
	ios := f.IOStreams
	s, err := cmdutil.OpenLocalStore(ctx, f)
	if err != nil {
		return err
	}
	// One server per SQLite data directory: a second one would free the
	// first's outbox leases on start and deliver what it is delivering.
	// Replicas on PostgreSQL share the database (leases with owners).
	if !s.Shared() {
		lock, err := s.Acquire(ctx, "serve")
		if err != nil {
			s.Close()
			if errors.Is(err, store.ErrLocked) {
				return apperr.New(apperr.ErrConflict, "another hookctl serve is already using %s: stop it, give this server its own --data-dir, or run replicas on PostgreSQL (--database)",
					filepath.Dir(s.Path()))
			}
			return err
		}
		defer lock.Release()
	}
	defer s.Close()

	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %v", opts.Addr, unwrapOpError(err))
	}
	// Deliveries go through the outbound guard: never to loopback, private
	// or link-local addresses, nor to this server, unless --allow-target.
	self, err := netguard.SelfAddrs(ln.Addr())
	if err != nil {
		ln.Close()
		return err
	}
	scheme := "http"
	if opts.TLS != nil {
		ln, scheme = tls.NewListener(ln, opts.TLS), "https"
	}
	guard := netguard.New(opts.AllowTargets, self)
	tr := guard.Transport(nil)
	tr.MaxIdleConnsPerHost = max(opts.PerHostConcurrency, 2)

	// The durable dispatcher: events, resends and validation events are
	// queued in the outbox table and delivered by --workers workers.
	metrics := server.NewMetrics()
	var onAttempt func(string, time.Duration)
	ob, err := outbox.New(ctx, s, outbox.Options{
		Workers:            opts.Workers,
		PerHostConcurrency: opts.PerHostConcurrency,
		Client:             &http.Client{Transport: tr},
		OnAttempt:          func(o string, d time.Duration) { onAttempt(o, d) },
		ErrorLog:           ios.ErrOut,
		Lease:              opts.Lease,
	})
	if err != nil {
		ln.Close()
		return err
	}
	onAttempt = server.DispatcherMetrics(metrics, ob.Len)
	// Publishing of source events (issue 16): the first connection attempt
	// is made before listening, so that a refused exchange stops serve; an
	// unreachable broker is only a warning (Connect prints it).
	localOpts := []backend.LocalOption{backend.WithNotifier(server.QueueNotifier{Dispatcher: ob})}
	var pub *publish.Publisher
	if opts.AMQPURL != "" {
		pub, err = publish.New(publish.Options{URL: opts.AMQPURL, Exchange: opts.AMQPExchange, Store: s, Log: ios.ErrOut, Now: f.Now})
		if err != nil {
			ln.Close()
			return err
		}
		var xe *publish.ExchangeError
		if err := pub.Connect(ctx); errors.As(err, &xe) {
			ln.Close()
			return err
		}
		localOpts = append(localOpts, backend.WithPublishing(pub.Poke))
		metrics.NewGaugeFunc("hookctl_publish_backlog", "Source events waiting to be published to the message broker.", func() float64 {
			n, _ := pub.Backlog(context.Background())
			return float64(n)
		})
		metrics.NewGaugeFunc("hookctl_publish_connected", "1 while connected to the message broker, else 0.", func() float64 {
			if pub.Connected() {
				return 1
			}
			return 0
		})
	}
	// Validation events of new config instances are queued in the outbox.
	local := backend.NewLocal(s, f.Now, localOpts...)
	srv := server.New(server.Options{
		Backend: local.Scoped,
		Sources: local,
		Auth: &apikey.Authenticator{Store: s, Now: f.Now, TouchEvery: time.Minute, OnTouchError: func(id string, err error) {
			fmt.Fprintf(ios.ErrOut, "%s could not record the use of API key %s: %v\n", time.Now().UTC().Format(time.RFC3339), id, err)
		}},
		ErrorLog:   ios.ErrOut,
		Metrics:    metrics,
		Dispatcher: ob,
		PublicURL:  opts.PublicURL,
		Limits:     opts.Limits,
		Guard:      guard,
		Publish:    publishStatus(pub),
		Ping:       s.Ping,
	})
	// What other replicas commit wakes the relay streams and long polls
	// held here (PostgreSQL LISTEN/NOTIFY; nothing to do on SQLite).
	listening := make(chan struct{})
	go s.Subscribe(ctx, listening, func(n store.Notification) {
		srv.Notified(n)
		ob.Notified(n)
	})
	url := scheme + "://" + ln.Addr().String()

	n, err := s.CountActiveAPIKeys(ctx)
	if err != nil {
		ln.Close()
		return err
	}
	if n == 0 {
		where := "--data-dir " + filepath.Dir(s.Path())
		if s.Shared() {
			where = "--database '" + s.Location() + "'"
		}
		fmt.Fprintf(ios.ErrOut, "%s No API keys yet: every call except /healthz will be refused. Create one with:\n  hookctl api-key create --name NAME %s\n",
			ios.ErrStyles().WarningIcon(), where)
	}
	if opts.ReadyFile != "" {
		if err := cmdutil.WriteFileAtomic(opts.ReadyFile, []byte(url+"\n")); err != nil {
			ln.Close()
			return fmt.Errorf("write --ready-file: %w", err)
		}
	}
	if n := ob.Len(); n > 0 {
		fmt.Fprintf(ios.ErrOut, "Resuming %s from the outbox\n", cmdutil.Plural(n, "pending delivery", "pending deliveries"))
	}
	if pub != nil {
		if n, err := pub.Backlog(ctx); err == nil && n > 0 {
			fmt.Fprintf(ios.ErrOut, "Resuming %s to publish\n", cmdutil.Plural(n, "source event", "source events"))
		}
		fmt.Fprintf(ios.ErrOut, "Publishing source events to exchange %s at %s\n", pub.Exchange(), pub.MaskedURL())
	}
	if s.Shared() {
		select { // a replica's first wake-ups must not be missed
		case <-listening:
		case <-time.After(5 * time.Second):
			fmt.Fprintf(ios.ErrOut, "%s not yet listening for other replicas' notifications (retrying)\n", ios.ErrStyles().WarningIcon())
		}
		fmt.Fprintf(ios.ErrOut, "Store: PostgreSQL at %s (replicas share it)\n", s.Location())
	}
	fmt.Fprintf(ios.ErrOut, "Listening on %s\n", url)
	obDone := make(chan error, 1)
	go func() { obDone <- ob.Run(ctx, opts.ShutdownTimeout) }()
	pubDone := make(chan error, 1)
	if pub != nil {
		go func() {
			// A refused exchange (re-declared with another type while
			// the broker was away) stops the server like at start.
			err := runLeading(ctx, s, "publish", pub.Run)
			if err != nil {
				stopWorkers()
			}
			pubDone <- err
		}()
	} else {
		pubDone <- nil
	}
	serveErr := srv.Serve(ctx, ln, opts.ShutdownTimeout)
	// Serve returns when ctx is done (or on a listener error): stop the
	// workers too; in-flight attempts get up to --shutdown-timeout, the
	// rest stays in the outbox for the next start.
	stopWorkers()
	if err := errors.Join(serveErr, <-obDone, <-pubDone); err != nil {
		return err
	}
	fmt.Fprintln(ios.ErrOut, "Stopped")
	return nil
}

// publishStatus is pub for /healthz, or a nil interface without one.
func publishStatus(pub *publish.Publisher) server.PublishStatus {
	if pub == nil {
		return nil
	}
	return pub
}

// loadTLS loads --tls-cert/--tls-key: both or neither (nil, nil).
func loadTLS(certFile, keyFile string) (*tls.Config, error) {
	switch {
	case certFile == "" && keyFile == "":
		return nil, nil
	case certFile == "" || keyFile == "":
		return nil, apperr.Usagef("--tls-cert and --tls-key go together: pass both (PEM files) or neither")
	}
	for _, p := range []string{certFile, keyFile} {
		if _, err := os.Stat(p); err != nil {
			return nil, apperr.Usagef("cannot read TLS file %s: %v", p, unwrapPathError(err))
		}
	}
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, apperr.Usagef("invalid TLS certificate/key (--tls-cert %s, --tls-key %s): %v", certFile, keyFile, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, nil
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func unwrapOpError(err error) error {
	if oe, ok := err.(*net.OpError); ok && oe.Err != nil {
		if se, ok := oe.Err.(*os.SyscallError); ok {
			return se.Err
		}
		return oe.Err
	}
	return err
}

// runLeading runs fn while this process leads name among the replicas of
// the database (store.Lead; at once on SQLite), again each time it leads
// anew after losing the lead, until ctx is done or fn fails.
func runLeading(ctx context.Context, s *store.Store, name string, fn func(context.Context) error) error {
	for ctx.Err() == nil {
		lctx, release, err := s.Lead(ctx, name)
		if err != nil {
			return nil // ctx is done
		}
		err = fn(lctx)
		release()
		if err != nil && ctx.Err() == nil {
			return err
		}
	}
	return nil
}
