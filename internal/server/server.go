// Package server is the JSON REST API of `hookctl serve` over a
// backend.Backend: API-key authentication, one error format, request
// limits and Prometheus metrics. It knows nothing about cobra.
//
// Adding a resource: write <resource>.go with a method that registers its
// routes through s.route (see webhookConfigRoutes), and call it from
// routes(). Handlers decode with s.decodeJSON, answer with writeJSON /
// writeList, and return apperr-kinded errors; the toolkit in api.go maps
// them to {"error":{"code","message"}} with the right status.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/dispatch"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/netguard"
	"github.com/hookctl/hookctl/internal/store"
)

// Authenticator checks an API key; apikey.Authenticator implements it.
type Authenticator interface {
	Authenticate(ctx context.Context, key string) (*model.APIKey, error)
}

// Options configure a Server.
type Options struct {
	// Backend gives the backend of one tenant: the server calls it with the
	// tenant of each request's API key, so that every handler sees only
	// that tenant's data (backend.Local.Scoped). Required.
	Backend func(tenant string) backend.Backend
	// Sources, when set, serves the inbound sources (/wh/…, the relay);
	// its methods take the tenant explicitly.
	Sources backend.Sources
	// Auth checks the key of every call except /healthz. Required.
	Auth Authenticator
	// MaxBodyBytes bounds request bodies; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// ErrorLog receives unexpected (500) errors; nil discards them.
	ErrorLog io.Writer
	// Metrics is the registry served on /metrics; nil creates one.
	Metrics *Metrics
	// Dispatcher sends what POST /v1/events and resend queue; without one
	// those answer 500.
	Dispatcher Dispatcher
	// Limits cap what a send or resend may ask (zero fields: DefaultLimits).
	Limits Limits
	// Guard, when set, is the outbound guard of the server's deliveries:
	// a config URL or a send's "to" whose host is a literal address it
	// blocks is refused at once (422) instead of failing when attempted.
	Guard *netguard.Guard
	// PublicURL is the base of the sources' hook URLs (scheme://host[/prefix]),
	// for a server behind a proxy or tunnel; "" builds them from the address
	// each client used (its Host header).
	PublicURL string
	// Publish, when set, is the publisher of source events to the message
	// broker: GET /healthz reports its backlog and connection.
	Publish PublishStatus
	// Ping, when set, checks the database for GET /healthz, which answers
	// 503 while it fails (a load balancer then sends traffic elsewhere).
	Ping func(context.Context) error
}

// PublishStatus is what /healthz says of the publishing of source events
// (publish.Publisher implements it).
type PublishStatus interface {
	Connected() bool
	Backlog(ctx context.Context) (int, error)
}

// Server is the API's http.Handler.
type Server struct {
	backends func(tenant string) backend.Backend
	auth     Authenticator
	maxBody  int64
	mux      *http.ServeMux
	metrics  *Metrics
	// dispatcher queues and delivers events (nil: sending is not available).
	dispatcher Dispatcher
	publicURL  string // without a trailing slash
	limits     Limits
	guard      *netguard.Guard

	requests *CounterVec
	latency  *HistogramVec

	logMu    sync.Mutex
	errorLog io.Writer
	paths    map[string][]string // path pattern → methods, for 405 answers
	patterns []string            // every "METHOD /path" registered (Routes)

	publish PublishStatus // nil: source events are not published
	ping    func(context.Context) error

	unavailMu    sync.Mutex // logUnavailable's rate limit
	unavailAt    time.Time
	unavailQuiet int

	srcs backend.Sources // inbound sources (sources.go); nil: no /wh routes
	hub  *relayHub       // wakes relay streams (relay.go)
}

// New builds the handler.
func New(o Options) *Server {
	if o.Backend == nil || o.Auth == nil {
		panic("server.New: Backend and Auth are required")
	}
	s := &Server{
		backends: o.Backend,
		srcs:     o.Sources,
		auth:     o.Auth,
		maxBody:  o.MaxBodyBytes,
		mux:      http.NewServeMux(),
		metrics:  o.Metrics,
		errorLog: o.ErrorLog,
		paths:    map[string][]string{},

		dispatcher: o.Dispatcher,
		publicURL:  strings.TrimSuffix(o.PublicURL, "/"),
		limits:     o.Limits.withDefaults(),
		guard:      o.Guard,
		publish:    o.Publish,
		ping:       o.Ping,
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	if s.metrics == nil {
		s.metrics = NewMetrics()
	}
	s.requests = s.metrics.NewCounterVec("hookctl_http_requests_total", "API requests by method, route and status code.", "method", "route", "code")
	s.latency = s.metrics.NewHistogramVec("hookctl_http_request_duration_seconds", "API request latency by method and route.", DefaultBuckets, "method", "route")
	s.routes()
	return s
}

// be is the backend of the request's tenant (that of its API key).
func (s *Server) be(r *http.Request) backend.Backend { return s.backends(tenantOf(r)) }

// Metrics is the registry served on /metrics, for other parts of the server
// (the dispatcher) to add their metrics to.
func (s *Server) Metrics() *Metrics { return s.metrics }

// routes registers every endpoint. A new resource adds one line here.
func (s *Server) routes() {
	s.routeNoAuth("GET /healthz", s.healthz)
	s.route("GET /metrics", s.serveMetrics)
	s.webhookConfigRoutes()
	s.configInstanceRoutes()
	s.deliveryRoutes()
	s.requestRoutes()
	s.eventRoutes()
	s.sourceRoutes()

	// Anything else: JSON 404 (and 405 for known paths, registered by
	// route), after authentication like every other call.
	s.mux.Handle("/", s.instrument("unmatched", true, func(w http.ResponseWriter, r *http.Request) error {
		return apperr.NotFoundf("no API endpoint %s %s", r.Method, r.URL.Path)
	}))
}

// route registers an authenticated handler for "METHOD /path".
func (s *Server) route(pattern string, h handlerFunc) { s.register(pattern, true, h) }

// routeNoAuth registers a handler that needs no API key.
func (s *Server) routeNoAuth(pattern string, h handlerFunc) { s.register(pattern, false, h) }

func (s *Server) register(pattern string, auth bool, h handlerFunc) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		panic("server: route pattern needs a method: " + pattern)
	}
	s.mux.Handle(pattern, s.instrument(path, auth, h))
	if _, seen := s.paths[path]; !seen {
		// The method-less pattern is less specific: it only gets the
		// methods no "METHOD path" pattern claims.
		s.mux.Handle(path, s.instrument(path, auth, func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("Allow", strings.Join(s.paths[path], ", "))
			return apperr.New(errMethodNotAllowed, "method %s is not allowed on %s (use %s)", r.Method, r.URL.Path, strings.Join(s.paths[path], " or "))
		}))
	}
	s.paths[path] = append(s.paths[path], method)
	s.patterns = append(s.patterns, pattern)
}

// Routes lists the endpoints ("METHOD /path", "* /path" for a handler of
// every method), for tests that must cover each one.
func (s *Server) Routes() []string { return slices.Clone(s.patterns) }

// errMethodNotAllowed is answered 405; it is local to the server because
// no command can cause it.
var errMethodNotAllowed = errors.New("method not allowed")

// errNoDispatcher is a 500: the server was built without a dispatcher.
var errNoDispatcher = errors.New("this server has no dispatcher: it cannot send events")

// instrument wraps h with metrics, authentication and error mapping.
func (s *Server) instrument(route string, auth bool, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			code := rec.status
			if code == 0 {
				code = http.StatusOK
			}
			s.requests.Inc(r.Method, route, strconv.Itoa(code))
			s.latency.ObserveDuration(time.Since(start), r.Method, route)
		}()
		if auth && r.Header.Get(dispatch.LoopHeader) != "" {
			// A delivery made by a hookctl (this server or another) calling
			// the API: answering it could fan out into more deliveries to
			// here, so it is refused before anything is done. Source hooks
			// (no key) only record, so deliveries may still feed them.
			_ = writeJSON(rec, http.StatusLoopDetected, backend.ErrorBody{Error: backend.ErrorDetail{Code: "loop_detected", Message: fmt.Sprintf(
				"refused: this request carries %s, so it is a webhook delivery made by hookctl; the API does not act on deliveries (it would loop)", dispatch.LoopHeader)}})
			return
		}
		if auth {
			key, err := s.auth.Authenticate(r.Context(), apiKey(r))
			if err != nil {
				s.writeError(rec, r, err)
				return
			}
			r = r.WithContext(context.WithValue(r.Context(), keyCtx{}, key))
		}
		if err := h(rec, r); err != nil {
			if errors.Is(err, errMethodNotAllowed) {
				_ = writeJSON(rec, http.StatusMethodNotAllowed, backend.ErrorBody{Error: backend.ErrorDetail{Code: "method_not_allowed", Message: err.Error()}})
				return
			}
			s.writeError(rec, r, err)
		}
	})
}

// apiKey reads X-API-Key, or Authorization: Bearer KEY.
func apiKey(r *http.Request) string {
	if k := r.Header.Get("X-API-Key"); k != "" {
		return strings.TrimSpace(k)
	}
	if scheme, v, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(v)
	}
	return ""
}

type keyCtx struct{}

// KeyFromContext returns the API key that authenticated the request (its
// Tenant scopes data in a later issue); nil for unauthenticated routes.
func KeyFromContext(ctx context.Context) *model.APIKey {
	k, _ := ctx.Value(keyCtx{}).(*model.APIKey)
	return k
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Server) logf(format string, args ...any) {
	if s.errorLog == nil {
		return
	}
	s.logMu.Lock()
	defer s.logMu.Unlock()
	fmt.Fprintf(s.errorLog, "%s "+format+"\n", append([]any{time.Now().UTC().Format(time.RFC3339)}, args...)...)
}

// healthz answers {"status":"ok"}, with the publishing of source events
// when it is on: {"status":"ok","publish":{"backlog":N,"connected":true}}.
// A broker outage does not make the server unhealthy (hooks still answer).
//
// With a database check (Options.Ping) it says "database":"ok", or answers
// 503 {"status":"unavailable","database":"unavailable"} while the
// database does not answer.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	type publish struct {
		Backlog   int  `json:"backlog"`
		Connected bool `json:"connected"`
	}
	var body struct {
		Status   string   `json:"status"`
		Database string   `json:"database,omitempty"`
		Publish  *publish `json:"publish,omitempty"`
	}
	body.Status = "ok"
	if s.ping != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		err := s.ping(ctx)
		cancel()
		if err != nil {
			// Unauthenticated: say no more than that (the error names the
			// database's host, user and name); the log has it.
			s.logUnavailable(r, err)
			body.Status, body.Database = "unavailable", "unavailable"
			w.Header().Set("Retry-After", RetryAfterSeconds)
			return writeJSON(w, http.StatusServiceUnavailable, body)
		}
		body.Database = "ok"
	}
	if s.publish != nil {
		n, err := s.publish.Backlog(r.Context())
		if err != nil {
			return err
		}
		body.Publish = &publish{n, s.publish.Connected()}
	}
	return writeJSON(w, http.StatusOK, body)
}

// Notified wakes what waits here for something another replica committed
// (store.Subscribe): relay streams of sources with new events; after a
// resync, every relay stream looks at the store again.
func (s *Server) Notified(n store.Notification) {
	if s.hub == nil {
		return
	}
	switch n.Kind {
	case store.NotifySourceEvent:
		for _, id := range n.Keys {
			s.hub.notify(id)
		}
	case store.NotifyResync:
		s.hub.notifyAll()
	}
}

func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) error {
	if _, err := query(r); err != nil {
		return err
	}
	w.Header().Set("Content-Type", ContentType)
	s.metrics.WriteText(w)
	return nil
}

// DefaultShutdownTimeout bounds how long Serve waits for in-flight requests.
const DefaultShutdownTimeout = 10 * time.Second

// Serve answers on ln until ctx is cancelled, then stops accepting
// connections and waits up to shutdownTimeout for in-flight requests.
func (s *Server) Serve(ctx context.Context, ln net.Listener, shutdownTimeout time.Duration) error {
	if shutdownTimeout <= 0 {
		shutdownTimeout = DefaultShutdownTimeout
	}
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	hs.RegisterOnShutdown(s.closeRelays) // relay streams would hold Shutdown
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		hs.Close()
		return fmt.Errorf("shut down: requests still running after %s: %w", shutdownTimeout, err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
