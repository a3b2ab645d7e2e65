package receive

import (
	"context"
	"crypto/x509"
	"log/slog"
	"net"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/tunnel"
)

// TunnelFlags are the --tunnel options shared by the commands that receive
// webhooks (webhook listen, validate serve).
type TunnelFlags struct {
	Enabled   bool
	Authtoken string
	Domain    string
	Timeout   time.Duration
}

// Register adds the tunnel flags to cmd.
func (t *TunnelFlags) Register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.BoolVar(&t.Enabled, "tunnel", false, "expose the listener on the internet through an embedded ngrok tunnel")
	fl.StringVar(&t.Authtoken, "ngrok-authtoken", "", "ngrok authtoken (default $NGROK_AUTHTOKEN)")
	fl.StringVar(&t.Domain, "domain", "", "reserved ngrok domain to use, e.g. hooks.example.ngrok.app")
	fl.DurationVar(&t.Timeout, "tunnel-timeout", tunnel.DefaultConnectTimeout, "how long to wait for the tunnel to come up")
}

// Validate checks flag combinations before anything starts.
func (t *TunnelFlags) Validate(cmd *cobra.Command) error {
	fl := cmd.Flags()
	if !t.Enabled && (fl.Changed("ngrok-authtoken") || fl.Changed("domain") || fl.Changed("tunnel-timeout")) {
		return apperr.Usagef("--ngrok-authtoken, --domain and --tunnel-timeout need --tunnel")
	}
	if t.Timeout <= 0 {
		return apperr.Usagef("--tunnel-timeout must be positive")
	}
	return nil
}

// New builds the tunnel. The environment supplies the authtoken
// (NGROK_AUTHTOKEN) and, for tests only, a different agent endpoint and CA
// (HOOKCTL_NGROK_SERVER, HOOKCTL_NGROK_CA). The library's logs reach stderr
// only with --debug.
func (t *TunnelFlags) New(f *cmdutil.Factory, onStatus func(tunnel.Status)) (tunnel.Tunnel, error) {
	opts := tunnel.Options{
		Authtoken:      t.Authtoken,
		Domain:         t.Domain,
		ConnectTimeout: t.Timeout,
		ServerAddr:     f.Getenv("HOOKCTL_NGROK_SERVER"),
		OnStatus:       onStatus,
	}
	if opts.Authtoken == "" {
		opts.Authtoken = f.Getenv("NGROK_AUTHTOKEN")
	}
	if ca := f.Getenv("HOOKCTL_NGROK_CA"); ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return nil, apperr.Usagef("HOOKCTL_NGROK_CA: %v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, apperr.Usagef("HOOKCTL_NGROK_CA: %s holds no PEM certificate", ca)
		}
		opts.RootCAs = pool
	}
	if f.Globals.Debug {
		opts.Logger = slog.New(slog.NewTextHandler(f.IOStreams.ErrOut, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return tunnel.NewNgrok(opts), nil
}

// openTunnel connects the ngrok tunnel. Ctrl-C (ctx) aborts connecting, but
// once connected the session outlives ctx: the returned listener only stops
// accepting when the server shuts down, so requests in flight through the
// tunnel still get their answers; closeTunnel ends the session afterwards.
func openTunnel(ctx context.Context, f *cmdutil.Factory, flags *TunnelFlags, onStatus func(tunnel.Status)) (ln net.Listener, public *url.URL, closeTunnel func(), err error) {
	t, err := flags.New(f, onStatus)
	if err != nil {
		return nil, nil, nil, err
	}
	// The library ties the session to the context given to Listen.
	sessionCtx, endSession := context.WithCancel(context.WithoutCancel(ctx))
	stopWatching := context.AfterFunc(ctx, endSession)
	inner, public, err := t.Listen(sessionCtx)
	if !stopWatching() && err == nil { // Ctrl-C came just as it connected
		inner.Close()
		err = ctx.Err()
	}
	if err != nil {
		endSession()
		return nil, nil, nil, err
	}
	soft := newSoftCloseListener(inner)
	return soft, public, func() { inner.Close(); endSession() }, nil
}

// softCloseListener's Close stops Accept without closing the underlying
// listener (for ngrok, closing it would drop the session and the requests
// in flight through it).
type softCloseListener struct {
	net.Listener
	conns  chan acceptResult
	closed chan struct{}
	once   sync.Once
}

type acceptResult struct {
	c   net.Conn
	err error
}

func newSoftCloseListener(inner net.Listener) *softCloseListener {
	l := &softCloseListener{Listener: inner, conns: make(chan acceptResult), closed: make(chan struct{})}
	go func() {
		for {
			c, err := inner.Accept()
			select {
			case l.conns <- acceptResult{c, err}:
				if err != nil {
					return
				}
			case <-l.closed:
				if c != nil {
					c.Close()
				}
				return
			}
		}
	}()
	return l
}

func (l *softCloseListener) Accept() (net.Conn, error) {
	select {
	case r := <-l.conns:
		return r.c, r.err
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *softCloseListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}
