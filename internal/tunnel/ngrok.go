package tunnel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.ngrok.com/ngrok/v2"

	"github.com/hookctl/hookctl/internal/apperr"
)

// NewNgrok returns a Tunnel backed by an embedded ngrok agent.
//
// Listen fails fast where the library would retry forever:
//   - no authtoken: an apperr.ErrUsage error naming NGROK_AUTHTOKEN;
//   - the service rejects the authtoken: an apperr.ErrAuth error, on the first rejection;
//   - no session within ConnectTimeout (no network, a proxy, a firewall): an
//     error wrapping ErrConnectTimeout that names the address.
//
// In each case the library's retry loop is stopped before Listen returns.
// After a successful Listen, lost sessions are re-established by the library;
// OnStatus reports StateReconnecting and StateConnected, and the listener
// keeps serving across them.
func NewNgrok(opts Options) Tunnel {
	return &ngrokTunnel{opts: opts}
}

type ngrokTunnel struct {
	opts Options
}

func (t *ngrokTunnel) Listen(ctx context.Context) (net.Listener, *url.URL, error) {
	opts := t.opts
	if strings.TrimSpace(opts.Authtoken) == "" {
		return nil, nil, apperr.New(apperr.ErrUsage, "an ngrok authtoken is required to open a tunnel: %s", AuthtokenHelp)
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = DefaultConnectTimeout
	}
	if opts.Logger == nil {
		// Always hand the library a logger: with none it warns on slog.Default.
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	addr := opts.ServerAddr
	if addr == "" {
		addr = DefaultServerAddr
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("ngrok: %w", err)
	}

	mon := newMonitor(opts.OnStatus)
	agentOpts := []ngrok.AgentOption{
		ngrok.WithAuthtoken(opts.Authtoken),
		ngrok.WithLogger(opts.Logger),
		ngrok.WithEventHandler(mon.handle),
	}
	if opts.ServerAddr != "" {
		agentOpts = append(agentOpts, ngrok.WithAgentConnectURL(opts.ServerAddr))
	}
	if opts.RootCAs != nil {
		agentOpts = append(agentOpts, ngrok.WithAgentConnectCAs(opts.RootCAs))
	}
	agent, err := ngrok.NewAgent(agentOpts...)
	if err != nil {
		return nil, nil, fmt.Errorf("ngrok: %w", err)
	}
	var epOpts []ngrok.EndpointOption
	if d := strings.TrimSpace(opts.Domain); d != "" {
		if !strings.Contains(d, "://") {
			d = "https://" + d
		}
		epOpts = append(epOpts, ngrok.WithURL(d))
	}

	// The library ties the session to the context given to Listen, so it gets
	// one that lives as long as the tunnel; connection establishment is
	// bounded by the timer below instead.
	sessCtx, cancel := context.WithCancel(ctx)
	type result struct {
		ep  ngrok.EndpointListener
		err error
	}
	done := make(chan result, 1)
	mon.status(Status{State: StateConnecting})
	go func() {
		ep, err := agent.Listen(sessCtx, epOpts...)
		done <- result{ep, err}
	}()

	// abort stops the library's retry loop and waits (briefly) for its Listen
	// to return, so no goroutine keeps dialing after we return.
	abort := func() {
		mon.status(Status{State: StateDisconnected})
		cancel()
		select {
		case r := <-done:
			if r.ep != nil {
				_ = r.ep.Close()
			}
			_ = agent.Disconnect()
		case <-time.After(5 * time.Second):
			// Agent.Disconnect waits for a Connect in progress; don't.
			go func() { _ = agent.Disconnect() }()
		}
	}

	timer := time.NewTimer(opts.ConnectTimeout)
	defer timer.Stop()
	var ep ngrok.EndpointListener
	select {
	case r := <-done:
		if r.err != nil {
			mon.status(Status{State: StateDisconnected})
			cancel()
			_ = agent.Disconnect()
			if ctx.Err() != nil {
				return nil, nil, fmt.Errorf("ngrok: %w", ctx.Err())
			}
			if authErr := asAuthError(r.err); authErr != nil {
				return nil, nil, rejected(authErr)
			}
			return nil, nil, &causeError{msg: "ngrok could not open the tunnel: " + describe(r.err), err: r.err}
		}
		ep = r.ep
	case authErr := <-mon.authFailed:
		abort()
		return nil, nil, rejected(authErr)
	case <-timer.C:
		last := mon.lastError()
		abort()
		return nil, nil, &connectTimeoutError{addr: addr, timeout: opts.ConnectTimeout, last: last}
	case <-ctx.Done():
		abort()
		return nil, nil, fmt.Errorf("ngrok: %w", ctx.Err())
	}

	public := cloneURL(ep.URL())
	l := &listener{ep: ep, agent: agent, cancel: cancel, mon: mon, closed: make(chan struct{})}
	mon.connected(public)
	go func() {
		<-sessCtx.Done()
		l.Close()
	}()
	return l, public, nil
}

// rejected turns the service's answer to Auth into the user's error.
func rejected(err error) error {
	msg := describe(err)
	help := "check NGROK_AUTHTOKEN"
	if !strings.Contains(msg, "dashboard.ngrok.com") {
		help += ", or " + AuthtokenHelp
	}
	return apperr.Wrap(apperr.ErrAuth, err, "ngrok rejected the authtoken: %s; %s", msg, help)
}

// describe renders an error from the ngrok service on one line: its message
// without the library's prefixes, then its ERR_NGROK code.
func describe(err error) string {
	msg, code := err.Error(), ""
	var nerr interface {
		Msg() string
		ErrorCode() string
	}
	var perr ngrok.Error // what the library's public API returns; it does not unwrap
	switch {
	case errors.As(err, &nerr):
		if m := nerr.Msg(); m != "" {
			msg = m
		}
		code = nerr.ErrorCode()
	case errors.As(err, &perr) && perr.Code() != "":
		code = perr.Code()
		msg = strings.ReplaceAll(perr.Error(), code, "")
	}
	msg = strings.TrimSuffix(strings.Join(strings.Fields(msg), " "), ".")
	if code != "" {
		msg += " (" + code + ")"
	}
	return msg
}

// asAuthError reports whether err carries an answer from the ngrok service
// to the Auth request. The library wraps it in an unexported errAuthFailed
// type and retries it forever; what identifies it is the service's error
// (proto.StringError) in the chain, which alone has both Msg and ErrorCode.
// Dial, TLS and protocol errors have neither.
func asAuthError(err error) error {
	if err == nil {
		return nil
	}
	var remote interface {
		Msg() string
		ErrorCode() string
	}
	if errors.As(err, &remote) && strings.Contains(err.Error(), "authentication failed") {
		return err
	}
	return nil
}

// monitor turns the library's events into Status values and spots a
// rejected authtoken during the first connection.
type monitor struct {
	onStatus   func(Status)
	authFailed chan error

	mu      sync.Mutex // serializes onStatus and guards the fields below
	url     *url.URL   // set once the endpoint is online
	state   State
	started bool
	last    error
}

func newMonitor(onStatus func(Status)) *monitor {
	return &monitor{onStatus: onStatus, authFailed: make(chan error, 1), state: -1}
}

func (m *monitor) lastError() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.last
}

// status reports st unless it repeats the current state; after
// StateDisconnected nothing more is reported.
func (m *monitor) status(st Status) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.statusLocked(st)
}

func (m *monitor) statusLocked(st Status) {
	if m.state == StateDisconnected || (m.state == st.State && st.State != StateReconnecting) {
		return
	}
	m.state = st.State
	if st.URL == nil {
		st.URL = m.url
	}
	st.URL = cloneURL(st.URL) // each receiver gets its own copy
	if m.onStatus != nil {
		m.onStatus(st)
	}
}

// connected marks the endpoint online: from now on the library's events are
// reconnects.
func (m *monitor) connected(u *url.URL) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.url = u
	m.started = true
	m.statusLocked(Status{State: StateConnected, URL: u})
}

// handle is the library's event handler; it runs on the library's goroutines
// and must not block.
func (m *monitor) handle(ev ngrok.Event) {
	switch ev := ev.(type) {
	case *ngrok.EventAgentConnectSucceeded:
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.started { // a reconnect; the library has rebound the endpoint by now
			m.statusLocked(Status{State: StateConnected})
		}
	case *ngrok.EventAgentDisconnected:
		m.mu.Lock()
		defer m.mu.Unlock()
		if ev.Error == nil || errors.Is(ev.Error, context.Canceled) || errors.Is(ev.Error, context.DeadlineExceeded) {
			return // the session is ending; Listen or the listener reports it
		}
		m.last = ev.Error
		if !m.started {
			if authErr := asAuthError(ev.Error); authErr != nil {
				select {
				case m.authFailed <- authErr:
				default:
				}
			}
			return
		}
		m.statusLocked(Status{State: StateReconnecting, Err: ev.Error})
	}
}

// listener adapts the ngrok endpoint to net.Listener and owns the session.
type listener struct {
	ep     ngrok.EndpointListener
	agent  ngrok.Agent
	cancel context.CancelFunc
	mon    *monitor
	once   sync.Once
	closed chan struct{}
}

func (l *listener) Accept() (net.Conn, error) {
	c, err := l.ep.Accept()
	select {
	case <-l.closed:
		if c != nil {
			c.Close()
		}
		return nil, fmt.Errorf("ngrok tunnel: %w", net.ErrClosed)
	default:
	}
	if err != nil {
		return nil, fmt.Errorf("ngrok tunnel: %w", err)
	}
	return c, nil
}

func (l *listener) Addr() net.Addr { return l.ep.Addr() }

// Close ends the ngrok session and the endpoint. It is safe to call more than
// once and concurrently with Accept.
func (l *listener) Close() error {
	l.once.Do(func() {
		close(l.closed)
		// Report first, so the teardown below is not reported as a reconnect.
		l.mon.status(Status{State: StateDisconnected})
		l.cancel()
		// Close the session first so the endpoint's unbind request fails
		// fast instead of waiting on a dead network.
		_ = l.agent.Disconnect()
		// A connection the library is still handing over blocks the
		// endpoint's Close (it holds a lock while it waits for Accept), so
		// accept and drop anything that arrives until the endpoint is closed.
		go func() {
			for {
				c, err := l.ep.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
		_ = l.ep.Close()
	})
	return nil
}

func cloneURL(u *url.URL) *url.URL {
	if u == nil {
		return nil
	}
	c := *u
	return &c
}
