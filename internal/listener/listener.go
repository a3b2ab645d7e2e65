// Package listener is hookctl's receiving HTTP server: for every request it
// reads the body once, verifies the signature, classifies the event, records
// it, forwards it byte for byte and answers the sender. It never prints: it
// emits Event values and the command renders them.
//
// A Listener serves any net.Listener, so the same code answers on a local
// port (net.Listen) or behind a public tunnel (tunnel.Tunnel.Listen):
//
//	l, err := listener.New(cfg)
//	ln, publicURL, err := tun.Listen(ctx)   // or net.Listen("tcp", addr)
//	err = l.Serve(ctx, ln)                   // returns after a graceful shutdown
//
// Health checks: GET or HEAD on /_hookctl/health always answers 200
// {"message":"ok"}. A GET or HEAD on the listen path itself is treated as a
// health check too, but only when it cannot be a webhook: no body, no query
// string, no signature headers and no event-type headers. Anything else —
// including GET webhooks that carry a query or a signature — is handled as a
// webhook. Health checks are neither emitted nor recorded.
//
// With a Recorder, a request is answered only after it is committed: the
// handler queues it to a writer goroutine, which commits whatever is queued
// in one transaction (group commit), and waits for its batch's result, at
// most Config.RecordWait. When recording fails or takes longer, a request
// that would have been acknowledged (status below 400) is answered 503 with
// Retry-After instead, so the sender retries, and an error event says so.
package listener

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"os"
	"path"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/ids"
	"github.com/hookctl/hookctl/internal/jsondepth"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/routes"
	"github.com/hookctl/hookctl/internal/signature"
)

// HealthPath always answers 200 {"message":"ok"}, whatever the listen path.
const HealthPath = "/_hookctl/health"

// Defaults of Config fields left zero.
const (
	DefaultMaxBody        = 5 << 20
	DefaultForwardTimeout = 30 * time.Second
	DefaultRecordWait     = 5 * time.Second
	DefaultShutdown       = 10 * time.Second
	// DefaultReadTimeout bounds reading a whole request (--read-timeout).
	DefaultReadTimeout = 30 * time.Second
	// DefaultIdleTimeout closes keep-alive connections idle this long.
	DefaultIdleTimeout = 2 * time.Minute
	// readHeaderTimeout bounds the headers alone (ReadTimeout if shorter).
	readHeaderTimeout  = 30 * time.Second
	maxForwardResponse = 32 << 20
)

// Rejection reasons (model.ReceivedRequest.Rejected).
const (
	RejectInvalidSignature = "invalid_signature"
	RejectTooLarge         = "too_large"
	RejectMediaType        = "unsupported_media_type"
	RejectPath             = "path_not_found"
	RejectNotJSON          = "not_json" // --require-json and nested too deep
	// RejectReadTimeout: the body did not arrive within Config.ReadTimeout
	// (answered 408).
	RejectReadTimeout = "read_timeout"
)

// Recorder stores received requests; backend.Backend satisfies it.
type Recorder interface {
	RecordRequests(ctx context.Context, reqs ...*model.ReceivedRequest) error
}

// Config configures a Listener. The zero value (plus OnEvent) is a working
// listener on "/" that records nothing and forwards nowhere.
type Config struct {
	// Path is the listen path; requests under it are handled (a Path of
	// "/hooks" accepts /hooks and /hooks/…); others get 404. Default "/".
	Path string
	// Scheme is the signature scheme, or signature.Auto (default) to detect it.
	Scheme string
	// Secrets verify signatures; none means requests are not verified.
	Secrets []signature.Secret
	// SignatureOptions tune verification (clock, tolerance, hmac settings).
	SignatureOptions signature.Options
	// RejectInvalid answers 401 when a signature does not verify; otherwise
	// the request is answered normally and flagged.
	RejectInvalid bool
	// ForwardTo are targets every matching request is forwarded to: catch-all
	// routes, ahead of Routes (kept for callers that have no routes).
	ForwardTo []string
	// Routes send each request to the targets its event type matches
	// (routes.Table.Match), after ForwardTo. A target's answer passes
	// through to the sender when it is the only one the request matched.
	Routes routes.Table
	// ForwardHeaders are set on every forwarded request.
	ForwardHeaders http.Header
	// ForwardTimeout bounds one forward. Default DefaultForwardTimeout.
	ForwardTimeout time.Duration
	// Client forwards requests. Default: a client with a pooled transport
	// (InsecureTLS skips certificate verification).
	Client      *http.Client
	InsecureTLS bool
	// Events are event type patterns (model.MatchEvent); a request whose
	// event type matches none is filtered. Empty: no event filter.
	Events []string
	// Filter is a gjson query over the body; see CompileFilter.
	Filter string
	// MaxBody bounds the body; larger requests get 413. Default 5 MiB.
	MaxBody int64
	// RequireJSON answers 415 to a Content-Type that is not JSON.
	RequireJSON bool
	// TSField is a gjson path to the payload's own time (RFC 3339 or unix
	// seconds/milliseconds).
	TSField string
	// ResponseStatus answers the sender when the request did not match
	// exactly one forward target. Default 200.
	ResponseStatus int
	// Recorder stores every request; nil records nothing (and requests are
	// answered without waiting for anything).
	Recorder Recorder
	// RecordWait bounds how long a request waits to be committed (room in
	// the writer's queue, then its batch's transaction). When it passes, or
	// recording fails, a request that would have been acknowledged is
	// answered 503 with Retry-After, its Status is 503 in what is emitted
	// (and recorded, if its batch had not started), and an error event says
	// so. Default DefaultRecordWait.
	RecordWait time.Duration
	// ReadTimeout bounds reading a whole request, headers and body, on
	// Serve's server; a body still arriving then is cut off, answered 408
	// and recorded as rejected (RejectReadTimeout). Default
	// DefaultReadTimeout.
	ReadTimeout time.Duration
	// IdleTimeout closes keep-alive connections idle for this long on
	// Serve's server. Default DefaultIdleTimeout.
	IdleTimeout time.Duration
	// ShutdownTimeout bounds how long Serve waits for in-flight requests.
	ShutdownTimeout time.Duration
	// OnEvent receives the events. It is called from the request's
	// goroutine, concurrently: it must be safe for concurrent use and must
	// not block for long (the sender waits).
	OnEvent func(Event)
	// Now is the clock (tests). Default time.Now.
	Now func() time.Time
}

// Kind says what an Event reports.
type Kind string

// Event kinds.
const (
	// KindRequest: a request was handled — verified, classified, recorded,
	// forwarded — and is about to be answered. Event.Request is complete.
	// A request that could not be recorded has Status 503 (what the
	// sender was answered) and is preceded by a KindError event.
	KindRequest Kind = "request"
	// KindForward: one forward finished. Event.RequestID and Event.Forward
	// are set. Emitted before the KindRequest event of the same request.
	KindForward Kind = "forward"
	// KindError: something went wrong outside the normal answer, e.g. a
	// request could not be recorded. Event.Err is set; Event.RequestID when
	// it concerns a request.
	KindError Kind = "error"
)

// Event is what the listener reports.
type Event struct {
	Kind      Kind
	Time      time.Time
	RequestID string
	Request   *model.ReceivedRequest // KindRequest
	Forward   *model.ForwardResult   // KindForward
	Err       error                  // KindError
}

// Matched reports whether e is a handled request that passed the filters
// and was not rejected (what validate serve decides on).
func (e Event) Matched() bool {
	return e.Kind == KindRequest && e.Request != nil && !e.Request.Filtered && e.Request.Rejected == ""
}

// Counts reports whether e counts for --exit-after: a request that passed
// the filters and was accepted, or was refused only for its signature while
// being a known event type (a provider's event that did arrive, signed
// wrong — not unclassifiable noise), so a CI job waiting for it is not left
// waiting. See SignatureRefused.
func (e Event) Counts() bool {
	return e.Matched() || e.SignatureRefused()
}

// SignatureRefused reports whether e is a request of a known event type,
// passing the filters, that was refused for its signature (--reject-invalid).
func (e Event) SignatureRefused() bool {
	return e.Kind == KindRequest && e.Request != nil && !e.Request.Filtered &&
		e.Request.Rejected == RejectInvalidSignature && e.Request.EventType != ""
}

// Listener handles webhook requests. Create it with New.
type Listener struct {
	cfg    Config
	filter *Filter
	client *http.Client
	now    func() time.Time
	routes routes.Table // ForwardTo then Routes (forwardRoutes)

	queue     chan *recordJob
	writerEnd chan struct{}
	closeOnce sync.Once
	mu        sync.RWMutex // guards closed against sends on queue
	closed    bool

	// asyncRecord is the behaviour before answers waited for the commit
	// (queue and answer at once); only the benchmark sets it, to compare.
	asyncRecord bool
}

// New validates cfg and returns a Listener. Call Close (or Serve, which
// closes it on return) to flush the recordings.
func New(cfg Config) (*Listener, error) {
	if cfg.Path == "" {
		cfg.Path = "/"
	}
	if !strings.HasPrefix(cfg.Path, "/") {
		cfg.Path = "/" + cfg.Path
	}
	if cfg.Scheme == "" {
		cfg.Scheme = signature.Auto
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.ForwardTimeout <= 0 {
		cfg.ForwardTimeout = DefaultForwardTimeout
	}
	if cfg.ResponseStatus == 0 {
		cfg.ResponseStatus = http.StatusOK
	}
	if cfg.RecordWait <= 0 {
		cfg.RecordWait = DefaultRecordWait
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = DefaultShutdown
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = DefaultReadTimeout
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.OnEvent == nil {
		cfg.OnEvent = func(Event) {}
	}
	l := &Listener{cfg: cfg, now: cfg.Now, client: cfg.Client, routes: forwardRoutes(cfg)}
	if l.now == nil {
		l.now = time.Now
	}
	if cfg.Filter != "" {
		f, err := CompileFilter(cfg.Filter)
		if err != nil {
			return nil, err
		}
		l.filter = f
	}
	if l.client == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConns = 256
		tr.MaxIdleConnsPerHost = 64
		if cfg.InsecureTLS {
			tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // --insecure, asked for
		}
		// Never follow redirects: the target's answer passes through as is.
		l.client = &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if cfg.Recorder != nil {
		l.queue = make(chan *recordJob, 4096)
		l.writerEnd = make(chan struct{})
		go l.writer()
	}
	return l, nil
}

// Handler is the listener as an http.Handler.
func (l *Listener) Handler() http.Handler { return l }

// Serve answers requests arriving on ln until ctx is done, then shuts down
// gracefully: it stops accepting, lets in-flight requests finish (up to
// Config.ShutdownTimeout), flushes the recordings and closes ln. Reading a
// request is bounded by Config.ReadTimeout and idle keep-alive connections
// are closed after Config.IdleTimeout. It returns
// nil after a shutdown caused by ctx, or the error that stopped serving.
// The Listener cannot be reused afterwards.
func (l *Listener) Serve(ctx context.Context, lns ...net.Listener) error {
	srv := &http.Server{
		Handler:           l,
		ReadHeaderTimeout: min(readHeaderTimeout, l.cfg.ReadTimeout),
		ReadTimeout:       l.cfg.ReadTimeout,
		IdleTimeout:       l.cfg.IdleTimeout,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	// One server on every listener (the local socket and, with a tunnel,
	// the public endpoint): the first to fail, or ctx, stops them all.
	errc := make(chan error, len(lns))
	for _, ln := range lns {
		go func() { errc <- srv.Serve(ln) }()
	}
	var err error
	select {
	case err = <-errc:
		srv.Close()
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), l.cfg.ShutdownTimeout)
		err = srv.Shutdown(sctx)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("in-flight requests did not finish within %s", l.cfg.ShutdownTimeout)
			srv.Close()
		}
		<-errc
	}
	for range len(lns) - 1 {
		<-errc
	}
	l.Close()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// Close stops accepting recordings and waits until the queued ones are
// written. Requests handled afterwards are not recorded (an error event says
// so). Safe to call more than once.
func (l *Listener) Close() {
	l.closeOnce.Do(func() {
		if l.queue == nil {
			return
		}
		l.mu.Lock()
		l.closed = true
		close(l.queue)
		l.mu.Unlock()
		<-l.writerEnd
	})
}

func (l *Listener) emit(e Event) {
	if e.Time.IsZero() {
		e.Time = l.now()
	}
	l.cfg.OnEvent(e)
}

func (l *Listener) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if (r.URL.Path == HealthPath || path.Clean(r.URL.Path) == HealthPath) && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		writeMessage(w, http.StatusOK, "ok")
		return
	}
	if !l.underPath(r.URL.Path) {
		req := l.newRequest(r, nil)
		req.Status, req.Rejected = http.StatusNotFound, RejectPath
		l.emit(Event{Kind: KindRequest, RequestID: req.ID, Request: req})
		writeMessage(w, http.StatusNotFound, "not found: hookctl listens on "+l.cfg.Path)
		return
	}
	if l.isHealthCheck(r) {
		writeMessage(w, http.StatusOK, "ok")
		return
	}

	body, err := readBody(r, l.cfg.MaxBody)
	req := l.newRequest(r, body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			l.finish(w, r, req, http.StatusRequestEntityTooLarge, RejectTooLarge,
				fmt.Sprintf("payload too large: the limit is %s (--max-body)", FormatSize(l.cfg.MaxBody)))
			return
		}
		if isTimeout(err) {
			l.finish(w, r, req, http.StatusRequestTimeout, RejectReadTimeout,
				fmt.Sprintf("request body not received within %s (--read-timeout)", l.cfg.ReadTimeout))
			return
		}
		l.emit(Event{Kind: KindError, RequestID: req.ID, Err: fmt.Errorf("read body of %s %s: %w", r.Method, r.URL.Path, err)})
		writeMessage(w, http.StatusBadRequest, "cannot read body")
		return
	}
	if l.cfg.RequireJSON && !IsJSONContentType(r.Header.Get("Content-Type")) {
		ct := r.Header.Get("Content-Type")
		if ct == "" {
			ct = "none"
		}
		l.finish(w, r, req, http.StatusUnsupportedMediaType, RejectMediaType,
			fmt.Sprintf("unsupported media type %q: JSON required (--require-json)", ct))
		return
	}
	if l.cfg.RequireJSON && TooDeep(body) {
		l.finish(w, r, req, http.StatusBadRequest, RejectNotJSON,
			fmt.Sprintf("body nests deeper than %d levels: not JSON (--require-json)", jsondepth.MaxDepth))
		return
	}
	if len(l.cfg.Secrets) > 0 {
		req.Verification = l.verify(r.Header, body)
	}
	// Classified and filtered before a signature refusal too: the refused
	// request keeps its event type, and counts (Counts) when it matches.
	if et := catalog.EventType(r.Header, body); et != "" {
		req.EventType = et // an injected request may come classified (inject.go)
	}
	if l.cfg.TSField != "" {
		if t, ok := EventTime(body, l.cfg.TSField); ok {
			req.EventTime = &t
		}
	}
	req.Filtered = !l.matches(req.EventType, body)
	if v := req.Verification; v != nil && !v.OK && l.cfg.RejectInvalid {
		l.finish(w, r, req, http.StatusUnauthorized, RejectInvalidSignature, "invalid signature: "+v.Message)
		return
	}
	if req.Filtered {
		l.finish(w, r, req, http.StatusOK, "", "ok")
		return
	}

	pass := l.forwardAll(r.Context(), req)
	if pass != nil {
		req.Status = pass.status
		req, refused := l.commit(r, req)
		l.emit(Event{Kind: KindRequest, RequestID: req.ID, Request: req})
		if refused != "" {
			l.writeRetry(w, refused)
			return
		}
		h := w.Header()
		for k, v := range pass.header {
			if !isHopByHop(k) && k != "Content-Length" {
				h[k] = v
			}
		}
		w.WriteHeader(pass.status)
		w.Write(pass.body)
		return
	}
	if len(req.Forwards) == 1 { // the only target failed
		l.finish(w, r, req, http.StatusBadGateway, "", "forward to "+req.Forwards[0].URL+" failed: "+req.Forwards[0].Error)
		return
	}
	l.finish(w, r, req, l.cfg.ResponseStatus, "", "ok")
}

// finish records req, emits it and answers with a JSON message (or 503
// when an acknowledgement could not be recorded).
func (l *Listener) finish(w http.ResponseWriter, r *http.Request, req *model.ReceivedRequest, status int, rejected, message string) {
	req.Status, req.Rejected = status, rejected
	req, refused := l.commit(r, req)
	l.emit(Event{Kind: KindRequest, RequestID: req.ID, Request: req})
	if refused != "" {
		l.writeRetry(w, refused)
		return
	}
	writeMessage(w, status, message)
}

// commit records req, whose Status is the answer intended, and waits until
// it is committed. When it is not (recording failed, the deadline passed,
// the listener is closing), it emits an error event and, if the answer
// would have acknowledged the request (status below 400), returns the
// request with Status 503 and the message to answer 503 with instead. The
// returned request is the one to emit: a copy when the writer may still be
// reading req. An injected request learns the outcome (inject.go).
func (l *Listener) commit(r *http.Request, req *model.ReceivedRequest) (*model.ReceivedRequest, string) {
	ack := req.Status < 400
	err, shared := l.record(req, ack)
	if inj, ok := r.Context().Value(injectedKey{}).(*injected); ok {
		inj.recordErr = err
	}
	if err == nil {
		return req, ""
	}
	if !ack { // not an acknowledgement: the answer stands
		l.emit(Event{Kind: KindError, RequestID: req.ID, Err: fmt.Errorf("request %s not recorded: %w", req.ID, err)})
		return req, ""
	}
	if shared {
		c := *req
		req = &c
	}
	req.Status = http.StatusServiceUnavailable
	l.emit(Event{Kind: KindError, RequestID: req.ID, Err: fmt.Errorf("request %s not recorded: %w; answered 503 (Retry-After: %s) so the sender retries", req.ID, err, l.retryAfter())})
	return req, "request not recorded: retry later" // the cause is for stderr, not the sender
}

// retryAfter is the Retry-After of a 503 answer, in seconds.
func (l *Listener) retryAfter() string {
	return strconv.Itoa(max(1, int((l.cfg.RecordWait+time.Second-1)/time.Second)))
}

func (l *Listener) writeRetry(w http.ResponseWriter, msg string) {
	w.Header().Set("Retry-After", l.retryAfter())
	writeMessage(w, http.StatusServiceUnavailable, msg)
}

// isTimeout: a read cut off by a deadline (Config.ReadTimeout).
func isTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func (l *Listener) newRequest(r *http.Request, body []byte) *model.ReceivedRequest {
	req := &model.ReceivedRequest{
		ID:         ids.New(ids.Request),
		ReceivedAt: l.now().UTC(),
		Method:     r.Method,
		Host:       r.Host,
		Path:       r.URL.Path,
		Query:      r.URL.RawQuery,
		Headers:    r.Header,
		Body:       body,
		RemoteAddr: r.RemoteAddr,
	}
	if inj, ok := r.Context().Value(injectedKey{}).(*injected); ok {
		orig := inj.orig
		req.EventType, req.Source, req.Datasource, req.RoutingKey = orig.EventType, orig.Source, orig.Datasource, orig.RoutingKey
	}
	return req
}

func (l *Listener) underPath(p string) bool {
	base := l.cfg.Path
	if base == "/" || p == base {
		return true
	}
	return strings.HasPrefix(p, strings.TrimSuffix(base, "/")+"/")
}

// isHealthCheck: GET/HEAD on the listen path that cannot be a webhook.
func (l *Listener) isHealthCheck(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	if _, ok := r.Context().Value(injectedKey{}).(*injected); ok {
		return false // a relayed request is a webhook, whatever it looks like
	}
	if r.URL.Path != l.cfg.Path || r.URL.RawQuery != "" || r.ContentLength != 0 || len(r.TransferEncoding) > 0 {
		return false
	}
	return len(signature.Detect(r.Header)) == 0 && catalog.EventType(r.Header, nil) == ""
}

func (l *Listener) verify(h http.Header, body []byte) *model.Verification {
	return Verify(l.cfg.Scheme, l.cfg.Secrets, l.cfg.SignatureOptions, h, body)
}

// Verify checks a request's signature as the listener does and, when it
// does not verify, says why (signature.DiagnoseResult): what is recorded
// with the request, and what the inspector shows when a request is checked
// again with another secret.
func Verify(scheme string, secrets []signature.Secret, opts signature.Options, h http.Header, body []byte) *model.Verification {
	res := signature.Verify(scheme, secrets, h, body, opts)
	if res.OK {
		return &model.Verification{OK: true, Scheme: res.Scheme, SecretIndex: res.SecretIndex}
	}
	d := signature.DiagnoseResult(res, scheme, secrets, h, body, opts)
	v := &model.Verification{Scheme: d.Scheme, Cause: d.Cause, Message: d.Message}
	if v.Scheme == signature.Auto {
		v.Scheme = ""
	}
	if v.Message == "" && res.Err != nil {
		v.Message = res.Err.Error()
	}
	return v
}

func (l *Listener) matches(eventType string, body []byte) bool {
	if len(l.cfg.Events) > 0 {
		ok := false
		for _, p := range l.cfg.Events {
			if model.MatchEvent(p, eventType) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return l.filter == nil || l.filter.Match(body)
}

func readBody(r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, &http.MaxBytesError{Limit: limit}
	}
	size := 512
	if r.ContentLength > 0 {
		size = int(r.ContentLength) + 1 // +1 so ReadAll sees EOF without growing
	}
	buf := bytes.NewBuffer(make([]byte, 0, size))
	_, err := buf.ReadFrom(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(buf.Len()) > limit {
		return nil, &http.MaxBytesError{Limit: limit}
	}
	return buf.Bytes(), nil
}

// IsJSONContentType accepts application/json, +json vendor types
// (application/vnd.x+json) and text/json, with any parameters.
func IsJSONContentType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/json" || mt == "text/json" ||
		(strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}

func writeMessage(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b := make([]byte, 0, len(msg)+16)
	b = append(b, `{"message":`...)
	b = appendJSONString(b, msg)
	b = append(b, "}\n"...)
	w.Write(b)
}

func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', byte(c))
		case c < 0x20:
			b = fmt.Appendf(b, `\u%04x`, c)
		default:
			b = append(b, string(c)...)
		}
	}
	return append(b, '"')
}

// FormatSize renders a byte count for people: "512 B", "1.2 KiB", "5 MiB".
func FormatSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	units := []string{"KiB", "MiB", "GiB", "TiB"}
	v := float64(n) / unit
	i := 0
	for v >= unit && i < len(units)-1 {
		v /= unit
		i++
	}
	s := fmt.Sprintf("%.1f", v)
	s = strings.TrimSuffix(s, ".0")
	return s + " " + units[i]
}

// --- recording ---------------------------------------------------------------

// recordJob is one request on its way to the writer. done receives its
// batch's result (buffered: the writer never waits for the handler).
type recordJob struct {
	req  *model.ReceivedRequest
	done chan error

	mu    sync.Mutex
	state jobState
}

type jobState uint8

const (
	jobQueued    jobState = iota
	jobTaken              // the writer is committing it: it reads req
	jobAbandoned          // the handler stopped waiting before the writer took it
)

var errClosing = errors.New("the listener is shutting down")

// record queues req for the writer and waits, at most RecordWait, for its
// batch to be committed; nil once it is. shared reports that the writer
// may still read req (the deadline passed while it was queued or being
// committed), so the caller must not modify it. When the deadline passes
// before the writer took req and ack is set, req's Status becomes 503
// before the writer sees it, so it is recorded as answered. (When it
// passes during the commit, the row keeps the status first intended.)
func (l *Listener) record(req *model.ReceivedRequest, ack bool) (err error, shared bool) {
	if l.queue == nil {
		return nil, false
	}
	job := &recordJob{req: req, done: make(chan error, 1)}
	timer := time.NewTimer(l.cfg.RecordWait)
	defer timer.Stop()
	if err := l.enqueue(job, timer.C); err != nil {
		return err, false
	}
	if l.asyncRecord {
		return nil, true
	}
	select {
	case err := <-job.done:
		return err, false
	case <-timer.C:
	}
	job.mu.Lock()
	defer job.mu.Unlock()
	switch job.state {
	case jobQueued:
		job.state = jobAbandoned
		if ack {
			req.Status = http.StatusServiceUnavailable
		}
		return fmt.Errorf("not committed within %s (the database is too slow); it will be recorded as answered 503 when its turn comes", l.cfg.RecordWait), true
	default: // jobTaken
		select {
		case err := <-job.done: // committed just now
			return err, false
		default:
		}
		return fmt.Errorf("not committed within %s (the database is too slow)", l.cfg.RecordWait), true
	}
}

// enqueue hands job to the writer, waiting for room until expired.
func (l *Listener) enqueue(job *recordJob, expired <-chan time.Time) error {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		return errClosing
	}
	select {
	case l.queue <- job:
		return nil
	default:
	}
	select {
	case l.queue <- job:
		return nil
	case <-expired:
		return fmt.Errorf("the database is too slow (recording queue full for %s)", l.cfg.RecordWait)
	}
}

// Group commit: a batch smaller than smallBatch yields the processor once
// (runtime.Gosched) so that requests being handled at that moment can join
// it, then takes what has arrived. A commit costs far more than a row (WAL
// frames, locks: syscalls). Senders wait for the commit, so the top-up
// must not sleep: time.Sleep(100µs) lasts ~1.1ms on Linux, and a lone
// sender then managed ~650 requests/s instead of ~4,000; the yield costs
// nothing when nobody else is runnable. Under load batches grow by
// themselves: requests queue while the previous batch commits.
const (
	smallBatch = 16
	maxBatch   = 256
)

// writer stores queued requests, batching whatever is waiting into one
// transaction (group commit keeps up with concurrent senders), and hands
// every job its batch's result.
func (l *Listener) writer() {
	defer close(l.writerEnd)
	batch := make([]*recordJob, 0, maxBatch)
	reqs := make([]*model.ReceivedRequest, 0, maxBatch)
	for job := range l.queue {
		batch = append(batch[:0], job)
		open := l.drain(&batch)
		if open && len(batch) < smallBatch {
			runtime.Gosched()
			l.drain(&batch)
		}
		reqs = reqs[:0]
		for _, j := range batch {
			j.mu.Lock()
			if j.state == jobQueued {
				j.state = jobTaken
			}
			j.mu.Unlock()
			reqs = append(reqs, j.req)
		}
		ctx, cancel := context.WithTimeout(context.Background(), max(30*time.Second, l.cfg.RecordWait))
		err := l.cfg.Recorder.RecordRequests(ctx, reqs...)
		cancel()
		for _, j := range batch {
			j.done <- err
			if err != nil && l.asyncRecord {
				l.emit(Event{Kind: KindError, RequestID: j.req.ID, Err: fmt.Errorf("request %s not recorded: %w", j.req.ID, err)})
			}
		}
		clear(batch)
		clear(reqs)
	}
}

// drain appends what is waiting in the queue to batch, up to its capacity;
// false when the queue is closed.
func (l *Listener) drain(batch *[]*recordJob) bool {
	for len(*batch) < cap(*batch) {
		select {
		case j, ok := <-l.queue:
			if !ok {
				return false
			}
			*batch = append(*batch, j)
		default:
			return true
		}
	}
	return true
}
