// Package inspect is hookctl's web inspector: a page on 127.0.0.1 that shows
// what hookctl receives and sends — received requests (live, searchable,
// with their signature diagnosis), replay and edit-and-replay with
// re-signing, the delivery log, config instances to approve, reject and
// deploy, and webhook configs.
//
// It is a JSON API and a Server-Sent Events stream over the same
// backend.Backend the CLI uses (local store or remote `hookctl serve`), the
// same replay code as `hookctl webhook replay` (internal/replay), and
// static assets embedded with go:embed (plain HTML, CSS and ES modules: no
// build step, nothing from elsewhere).
//
// Security: every call needs the access token (in the URL once, then in an
// HttpOnly, SameSite=Strict cookie the page gets, or an X-Hookctl-Token
// header); the Host header must name the bound address or localhost (DNS
// rebinding); state-changing calls need the X-Hookctl-Inspector header,
// which only the page's scripts send (CSRF); responses carry a strict
// Content-Security-Policy and nosniff; the page renders received data as
// text only. See DOM.md for the page's test contract.
package inspect

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/model"
)

// DefaultAddr is where the inspector listens unless told otherwise.
const DefaultAddr = "127.0.0.1:4040"

// Header names of the API.
const (
	// CSRFHeader must be "1" on every state-changing call. A form on
	// another site cannot set it, and a script there cannot send it without
	// a CORS preflight, which the inspector never allows.
	CSRFHeader = "X-Hookctl-Inspector"
	// TokenHeader carries the access token for clients without the cookie.
	TokenHeader = "X-Hookctl-Token"
)

// nextPortTries is how many ports after a taken one Listen tries (with
// Options.NextFreePort).
const nextPortTries = 20

// Options configure a Server.
type Options struct {
	// Backend is where everything shown is stored (required).
	Backend backend.Backend
	// Addr is host:port to listen on; default DefaultAddr. Port 0 picks a
	// free port.
	Addr string
	// NextFreePort: when Addr's port is taken, try the next ones.
	NextFreePort bool
	// Token is the access token; "" generates a random one.
	Token string
	// SendTest sends a webhook config's test event ("send test event");
	// nil: the button answers that it is not available.
	SendTest func(ctx context.Context, configID string) (*model.Delivery, error)
	// Resend resends a recorded delivery to its URL or to; nil: not
	// available.
	Resend func(ctx context.Context, deliveryID, to string) (*backend.SendResult, error)
	// HTTPClient sends replays; nil: a plain client.
	HTTPClient *http.Client
	// ReplayTimeout bounds a replay; default 30s.
	ReplayTimeout time.Duration
	// PollInterval is how often the backend is asked for changes made
	// elsewhere (another process, the CLI) while a page is open; default 1s.
	PollInterval time.Duration
	// FlushInterval batches the live updates: at most one message per
	// interval and page; default 100ms (10 a second; after a full batch of
	// requests, the next one waits 5 intervals).
	FlushInterval time.Duration
	// Now is the clock (re-signing, "received 3s ago"); default time.Now.
	Now func() time.Time
	// Location is the time zone of dates without one in filters (the
	// delivery log's date range); default time.Local.
	Location *time.Location
	// Mode is shown on the page: "local", "remote (URL)", "listen", …
	Mode string
	// Listen opens the socket; nil: net.ListenConfig.Listen.
	Listen func(ctx context.Context, addr string) (net.Listener, error)
}

// Server is one inspector. Make it with New, then Start it (or Listen and
// Serve); URL is the address to open, with the token.
type Server struct {
	opts  Options
	token string
	mux   *http.ServeMux
	hub   *hub

	mu      sync.Mutex
	ln      net.Listener
	srv     *http.Server
	host    string // bound host, as given (or the listener's IP)
	port    string
	served  chan struct{}
	err     error
	closing bool
}

// New checks opts and prepares a Server; nothing is opened yet.
func New(opts Options) (*Server, error) {
	if opts.Backend == nil {
		return nil, errors.New("inspect: no backend")
	}
	if opts.Addr == "" {
		opts.Addr = DefaultAddr
	}
	if _, _, err := SplitAddr(opts.Addr); err != nil {
		return nil, err
	}
	if opts.ReplayTimeout <= 0 {
		opts.ReplayTimeout = 30 * time.Second
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	if opts.FlushInterval <= 0 {
		opts.FlushInterval = 100 * time.Millisecond
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Location == nil {
		opts.Location = time.Local
	}
	if opts.Mode == "" {
		opts.Mode = "local"
	}
	token := opts.Token
	if token == "" {
		b := make([]byte, 24)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		token = base64.RawURLEncoding.EncodeToString(b)
	}
	s := &Server{opts: opts, token: token, served: make(chan struct{})}
	s.hub = newHub(s)
	s.mux = http.NewServeMux()
	s.routes()
	return s, nil
}

// SplitAddr checks an --inspect/--addr value: HOST:PORT, :PORT or PORT
// (host 127.0.0.1), port 0-65535. It returns the host and port.
func SplitAddr(addr string) (host string, port int, err error) {
	a := strings.TrimSpace(addr)
	if a != "" && !strings.Contains(a, ":") {
		if _, err := strconv.Atoi(a); err != nil {
			return "", 0, apperr.Usagef("invalid inspector address %q: use HOST:PORT or a port, e.g. %s", addr, DefaultAddr)
		}
		a = ":" + a
	}
	h, p, err := net.SplitHostPort(a)
	if err != nil {
		return "", 0, apperr.Usagef("invalid inspector address %q: use HOST:PORT, e.g. %s", addr, DefaultAddr)
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 0 || n > 65535 {
		return "", 0, apperr.Usagef("invalid inspector address %q: the port must be 0-65535", addr)
	}
	if h == "" {
		h = "127.0.0.1"
	}
	return h, n, nil
}

// IsLoopback reports whether addr's host only accepts connections from
// this machine (127.0.0.0/8, ::1, localhost).
func IsLoopback(addr string) bool {
	h, _, err := SplitAddr(addr)
	if err != nil {
		return false
	}
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// Token is the access token.
func (s *Server) Token() string { return s.token }

// Handler is the inspector's HTTP handler (with every check), for tests
// and for serving on a listener of one's own.
func (s *Server) Handler() http.Handler { return s.secure(s.mux) }

// Listen opens the socket (the next free port after a taken one with
// NextFreePort). URL and Addr work from then on.
func (s *Server) Listen(ctx context.Context) error {
	host, port, err := SplitAddr(s.opts.Addr)
	if err != nil {
		return err
	}
	listen := s.opts.Listen
	if listen == nil {
		listen = func(ctx context.Context, addr string) (net.Listener, error) {
			var lc net.ListenConfig
			return lc.Listen(ctx, "tcp", addr)
		}
	}
	tries := 1
	if s.opts.NextFreePort && port != 0 {
		tries = nextPortTries
	}
	var ln net.Listener
	for i := 0; i < tries && port+i <= 65535; i++ {
		addr := net.JoinHostPort(host, strconv.Itoa(port+i))
		ln, err = listen(ctx, addr)
		if err == nil || !errors.Is(err, syscall.EADDRINUSE) {
			break
		}
	}
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("inspector: cannot listen on %s: the port is in use (pick another address, or port 0 for a free one)", net.JoinHostPort(host, strconv.Itoa(port)))
		}
		return fmt.Errorf("inspector: cannot listen on %s: %w", net.JoinHostPort(host, strconv.Itoa(port)), err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ln = ln
	s.host = host
	if ta, ok := ln.Addr().(*net.TCPAddr); ok {
		s.port = strconv.Itoa(ta.Port)
	} else {
		_, s.port, _ = net.SplitHostPort(ln.Addr().String())
	}
	return nil
}

// Serve serves on the socket Listen opened until ctx is done or Close, then
// shuts down (open event streams end at once).
func (s *Server) Serve(ctx context.Context) error {
	s.mu.Lock()
	ln := s.ln
	if ln == nil {
		s.mu.Unlock()
		return errors.New("inspect: Serve before Listen")
	}
	if s.closing {
		s.mu.Unlock()
		return nil
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	s.srv = srv
	s.mu.Unlock()
	stop := context.AfterFunc(ctx, func() { s.Close() })
	defer stop()
	err := srv.Serve(ln)
	s.mu.Lock()
	closing := s.closing
	s.mu.Unlock()
	if errors.Is(err, http.ErrServerClosed) || closing {
		err = nil
	}
	return err
}

// Start is Listen, then Serve in a goroutine; Close (or ctx) stops it and
// Wait returns Serve's error.
func (s *Server) Start(ctx context.Context) error {
	if err := s.Listen(ctx); err != nil {
		return err
	}
	go func() {
		err := s.Serve(ctx)
		s.mu.Lock()
		s.err = err
		s.mu.Unlock()
		close(s.served)
	}()
	return nil
}

// Wait waits until a Started server has stopped and returns Serve's error.
func (s *Server) Wait() error {
	<-s.served
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Done is closed when a Started server has stopped.
func (s *Server) Done() <-chan struct{} { return s.served }

// Close stops serving: event streams end, the socket closes.
func (s *Server) Close() error {
	s.hub.close()
	s.mu.Lock()
	srv, ln := s.srv, s.ln
	s.closing = true
	s.mu.Unlock()
	if srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		err := srv.Shutdown(ctx)
		if errors.Is(err, context.DeadlineExceeded) {
			err = srv.Close()
		}
		return err
	}
	if ln != nil {
		return ln.Close()
	}
	return nil
}

// Addr is the bound host:port ("" before Listen).
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.port == "" {
		return ""
	}
	return net.JoinHostPort(s.displayHost(), s.port)
}

// displayHost is the host to put in URLs: an unspecified address shows as
// 127.0.0.1 (this machine reaches it there).
func (s *Server) displayHost() string {
	if ip := net.ParseIP(s.host); ip != nil && ip.IsUnspecified() {
		return "127.0.0.1"
	}
	return s.host
}

// URL is the page's address with the token: http://127.0.0.1:4040/?token=…
func (s *Server) URL() string {
	a := s.Addr()
	if a == "" {
		return ""
	}
	return "http://" + a + "/?token=" + url.QueryEscape(s.token)
}

// Publish shows a request handled in this process at once (the listener's
// OnEvent); requests recorded elsewhere appear at the next poll. It never
// blocks.
func (s *Server) Publish(r *model.ReceivedRequest) {
	if r != nil {
		s.hub.publish(r)
	}
}

// --- the checks every call passes --------------------------------------------

// cookieName is per port: two inspectors on one host keep their own token.
func (s *Server) cookieName() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return "hookctl_inspect_" + s.port
}

// contentSecurityPolicy forbids every resource from elsewhere, inline
// scripts and styles, plugins, framing and form posts elsewhere.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

func (s *Server) secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		if !s.hostAllowed(r.Host) {
			plainError(w, http.StatusMisdirectedRequest, "this inspector answers only as "+s.Addr()+" or localhost (Host "+strconv.Quote(r.Host)+" refused)")
			return
		}
		// Only the page itself (same-origin) or the user (none: a typed
		// URL, a link from the terminal); a page on another port of
		// localhost is "same-site" and refused too.
		if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
			plainError(w, http.StatusForbidden, "cross-site requests are refused")
			return
		}
		if o := r.Header.Get("Origin"); o != "" && o != "null" {
			if u, err := url.Parse(o); err != nil || u.Host != r.Host {
				plainError(w, http.StatusForbidden, "requests from another origin are refused")
				return
			}
		}
		if r.Method == http.MethodGet && r.URL.Path == "/" && r.URL.Query().Has("token") {
			s.login(w, r)
			return
		}
		if !s.authorized(r) {
			if strings.HasPrefix(r.URL.Path, "/api/") {
				writeError(w, apperr.New(apperr.ErrAuth, "missing or wrong inspector token: open the URL hookctl printed (…/?token=…)"))
			} else {
				plainError(w, http.StatusUnauthorized, "missing or wrong inspector token: open the URL hookctl printed (http://…/?token=…)")
			}
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Header.Get(CSRFHeader) != "1" {
			writeError(w, apperr.New(errForbidden, "a state-changing call needs the %s: 1 header (sent by the inspector page)", CSRFHeader))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// login checks the URL's token, sets the cookie and sends the browser to
// the page without the token in its address.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if !s.tokenOK(r.URL.Query().Get("token")) {
		plainError(w, http.StatusUnauthorized, "wrong inspector token: open the URL hookctl printed")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: s.token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) authorized(r *http.Request) bool {
	if t := r.Header.Get(TokenHeader); t != "" {
		return s.tokenOK(t)
	}
	if t, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return s.tokenOK(t)
	}
	c, err := r.Cookie(s.cookieName())
	return err == nil && s.tokenOK(c.Value)
}

func (s *Server) tokenOK(t string) bool {
	return subtle.ConstantTimeCompare([]byte(t), []byte(s.token)) == 1
}

// hostAllowed: the Host header names this server — its bound address,
// localhost or a loopback IP with its port, or, when bound to every
// interface, any IP literal with its port. A DNS name pointing here (DNS
// rebinding) is refused.
//
// A Host without a port is the scheme's default, 80 (what a browser sends
// to an inspector bound to port 80).
func (s *Server) hostAllowed(hostport string) bool {
	h, p, err := net.SplitHostPort(hostport)
	if err != nil {
		h, p = strings.TrimSuffix(strings.TrimPrefix(hostport, "["), "]"), "80"
		if h == "" || strings.ContainsAny(h, "[]/") || strings.Count(h, ":") == 1 {
			return false
		}
	}
	s.mu.Lock()
	bound, port := s.host, s.port
	s.mu.Unlock()
	if p != port {
		return false
	}
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	if h == "localhost" || strings.EqualFold(h, bound) {
		return true
	}
	ip := net.ParseIP(h)
	if ip == nil {
		return false
	}
	if ip.IsLoopback() {
		return true
	}
	b := net.ParseIP(bound)
	return b != nil && (b.IsUnspecified() || b.Equal(ip))
}

// errForbidden is the kind of a call refused for want of the CSRF header.
var errForbidden = errors.New("forbidden")

func plainError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}
