package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"sync"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/tunnel"
)

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

// tunnelStatus reports the tunnel's state changes: a status line on stderr,
// and a {"type":"tunnel"} object in the JSON stream.
func (r *listenRenderer) tunnelStatus(s tunnel.Status) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ios := r.opts.Factory.IOStreams
	st := ios.ErrStyles()
	switch s.State {
	case tunnel.StateConnecting:
		fmt.Fprintf(ios.ErrOut, "%s\n", st.Muted.Render("Connecting the ngrok tunnel…"))
	case tunnel.StateConnected:
		fmt.Fprintf(ios.ErrOut, "%s Tunnel online: %s\n", st.SuccessIcon(), st.Bold.Render(s.URL.String()))
	case tunnel.StateReconnecting:
		fmt.Fprintf(ios.ErrOut, "%s Tunnel lost (%v): reconnecting; still listening locally\n", st.WarningIcon(), s.Err)
	case tunnel.StateDisconnected:
		if s.Err != nil {
			fmt.Fprintf(ios.ErrOut, "%s Tunnel closed: %v\n", st.FailureIcon(), s.Err)
		}
	}
	if r.opts.Format == listenJSON {
		line := struct {
			Type  string    `json:"type"`
			State string    `json:"state"`
			URL   string    `json:"url,omitempty"`
			Error string    `json:"error,omitempty"`
			Time  time.Time `json:"time"`
		}{Type: "tunnel", State: s.State.String(), Time: time.Now().UTC()}
		if s.URL != nil {
			line.URL = s.URL.String()
		}
		if s.Err != nil {
			line.Error = s.Err.Error()
		}
		b, _ := json.Marshal(line)
		ios.Out.Write(append(b, '\n'))
	}
}

// registration is what --register changed, so that it can be undone.
type registration struct {
	f       *cmdutil.Factory
	be      backend.Backend
	config  *model.WebhookConfig
	created bool
	oldURL  string
	keep    bool
}

// register points a webhook config at url: a new one, or opts.ConfigID's.
func register(ctx context.Context, f *cmdutil.Factory, opts *ListenOptions, url string) (*registration, error) {
	be, err := f.Backend()
	if err != nil {
		return nil, err
	}
	reg := &registration{f: f, be: be, keep: opts.Keep}
	ios := f.IOStreams
	st := ios.ErrStyles()
	if opts.ConfigID != "" {
		// The config's secret verifies what the listener receives.
		ctx := backend.WithShowSecret(ctx)
		old, err := be.GetWebhookConfig(ctx, opts.ConfigID)
		if err != nil {
			return nil, err
		}
		c, err := be.UpdateWebhookConfig(ctx, old.ID, backend.UpdateWebhookConfigParams{URL: &url})
		if err != nil {
			return nil, err
		}
		reg.config, reg.oldURL = c, old.URL
		fmt.Fprintf(ios.ErrOut, "%s Webhook config %s now points at %s%s\n", st.SuccessIcon(), c.ID, url, reg.undoNote("its URL is restored"))
		return reg, nil
	}
	scheme := opts.Scheme
	if scheme == "" || scheme == "auto" {
		scheme = "standard"
	}
	c, err := be.CreateWebhookConfig(ctx, backend.CreateWebhookConfigParams{
		URL: url, Events: opts.Events, Scheme: scheme, Description: "registered by hookctl webhook listen",
	})
	if apperr.IsKind(err, apperr.ErrConflict) {
		return nil, apperr.Wrap(apperr.ErrConflict, err, "%v: pass --config ID to reuse it", err)
	}
	if err != nil {
		return nil, err
	}
	reg.config, reg.created = c, true
	fmt.Fprintf(ios.ErrOut, "%s Registered webhook config %s for %s%s\n", st.SuccessIcon(), c.ID, url, reg.undoNote("it is deleted"))
	return reg, nil
}

func (r *registration) undoNote(what string) string {
	if r.keep {
		return " (kept after exit)"
	}
	return fmt.Sprintf(" (on exit %s; --keep to keep it)", what)
}

// undo removes or restores the registration. It runs after the command's
// context was cancelled (Ctrl-C), so it uses its own short deadline.
func (r *registration) undo() {
	if r.keep {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ios := r.f.IOStreams
	st := ios.ErrStyles()
	var err error
	if r.created {
		err = r.be.DeleteWebhookConfig(ctx, r.config.ID)
	} else {
		_, err = r.be.UpdateWebhookConfig(ctx, r.config.ID, backend.UpdateWebhookConfigParams{URL: &r.oldURL})
	}
	switch {
	case err != nil:
		fmt.Fprintf(ios.ErrOut, "%s could not undo the registration of %s: %v\n", st.WarningIcon(), r.config.ID, err)
	case r.created:
		fmt.Fprintf(ios.ErrOut, "%s\n", st.Muted.Render("Deleted webhook config "+r.config.ID+"."))
	default:
		fmt.Fprintf(ios.ErrOut, "%s\n", st.Muted.Render("Restored the URL of "+r.config.ID+" to "+r.oldURL+"."))
	}
}
