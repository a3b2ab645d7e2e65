// Package receive is what the commands that receive webhooks share (webhook
// listen, its relay mode, validate serve): the request source chosen first
// (a socket on a local port, optionally behind the ngrok tunnel — or, for
// the relay, nothing to open), the signing that verifies, the ready file and
// the stop rule (--exit-after, --timeout). Commands build a listener over
// what Open returns, arm the Deadline, serve, and summarise.
package receive

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/listener"
	"github.com/hookctl/hookctl/internal/tunnel"
)

// ReadTimeoutFlag adds --read-timeout, the whole-request read deadline of
// the receiving server (a body that does not arrive in time is cut off,
// answered 408 and recorded as read_timeout).
func ReadTimeoutFlag(cmd *cobra.Command, d *time.Duration) {
	cmd.Flags().DurationVar(d, "read-timeout", listener.DefaultReadTimeout, "cut off a request whose headers and body take longer than this to arrive (408)")
}

// WriteReadyFile writes each URL on a line of its own to path, atomically,
// so a script polling for the file never reads half a URL.
func WriteReadyFile(path string, urls ...string) error {
	if err := cmdutil.WriteFileAtomic(path, []byte(strings.Join(urls, "\n")+"\n")); err != nil {
		return fmt.Errorf("write --ready-file: %w", err)
	}
	return nil
}

// Socket says where a receiving command listens: a local host:port, a public
// tunnel, or both.
type Socket struct {
	Host   string
	Port   int
	Path   string       // the listen path, appended to the URLs
	Tunnel *TunnelFlags // nil or !Enabled: listen locally
	// LocalToo keeps the local socket when the tunnel is on, so that both
	// URLs work (webhook listen); otherwise a tunnel replaces it.
	LocalToo bool
	// OnTunnelStatus receives the tunnel's connection changes.
	OnTunnelStatus func(tunnel.Status)
	// Listen opens the local socket; nil means net.ListenConfig.Listen.
	Listen func(ctx context.Context, addr string) (net.Listener, error)
}

// Endpoint is an open socket: the listeners to serve and the URLs.
type Endpoint struct {
	Listeners []net.Listener
	// URL is what senders use: the tunnel's public URL plus the path when
	// tunnelled, else http://host:port/path.
	URL string
	// LocalURL is the local socket's URL ("" when only tunnelled).
	LocalURL    string
	closeTunnel func()
}

// Close closes the listeners and then ends the tunnel session: call it
// after serving.
func (e *Endpoint) Close() {
	for _, l := range e.Listeners {
		l.Close()
	}
	e.closeTunnel()
}

// URLs are the endpoint's distinct URLs, public first (for --ready-file).
func (e *Endpoint) URLs() []string {
	if e.LocalURL == "" || e.LocalURL == e.URL {
		return []string{e.URL}
	}
	return []string{e.URL, e.LocalURL}
}

// Open opens the socket a listener.Listener serves.
//
// With a tunnel, ctx only bounds connecting (Ctrl-C while connecting stops
// it); once connected, the tunnel lives until Close — so the caller's
// graceful shutdown of the listener is not cut short by the tunnel closing
// underneath it when the same ctx is cancelled.
func Open(ctx context.Context, f *cmdutil.Factory, s Socket) (*Endpoint, error) {
	e := &Endpoint{closeTunnel: func() {}}
	tunnelled := s.Tunnel != nil && s.Tunnel.Enabled
	if !tunnelled || s.LocalToo {
		ln, err := listenLocal(ctx, s)
		if err != nil {
			return nil, err
		}
		e.Listeners = append(e.Listeners, ln)
		e.LocalURL = "http://" + displayAddr(ln.Addr(), s.Host) + s.Path
		e.URL = e.LocalURL
	}
	if tunnelled {
		ln, u, closeTunnel, err := openTunnel(ctx, f, s.Tunnel, s.OnTunnelStatus)
		if err != nil {
			e.Close()
			return nil, err
		}
		e.Listeners = append(e.Listeners, ln)
		e.closeTunnel = closeTunnel
		e.URL = strings.TrimSuffix(u.String(), "/") + s.Path
	}
	return e, nil
}

func listenLocal(ctx context.Context, s Socket) (net.Listener, error) {
	listen := s.Listen
	if listen == nil {
		listen = func(ctx context.Context, addr string) (net.Listener, error) {
			var lc net.ListenConfig
			return lc.Listen(ctx, "tcp", addr)
		}
	}
	addr := net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	ln, err := listen(ctx, addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("cannot listen on %s: the port is in use (pick another with --port, or --port 0 for a free one)", addr)
		}
		return nil, fmt.Errorf("cannot listen on %s: %w", addr, err)
	}
	return ln, nil
}

// displayAddr is host:port with an unspecified host shown as localhost.
func displayAddr(a net.Addr, host string) string {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	h := host
	if h == "" || ta.IP.IsUnspecified() {
		h = "localhost"
	}
	return net.JoinHostPort(h, strconv.Itoa(ta.Port))
}
