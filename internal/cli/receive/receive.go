package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"syscall"

	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/tunnel"
)

// Helpers for commands in other packages that receive webhooks the way
// `webhook listen` does (validate serve): the same signing resolution, the
// same socket and URL, the same ready file.

// ResolveSigning turns --scheme/--secret/--config into a Signing; see
// resolveSigning.
func ResolveSigning(ctx context.Context, f *cmdutil.Factory, scheme string, secrets []string, configID, defaultScheme string) (*Signing, error) {
	return resolveSigning(ctx, f, scheme, secrets, configID, defaultScheme)
}

// WriteReadyFile writes url and a newline to path atomically, so a script
// polling for the file never reads half a URL.
func WriteReadyFile(path, url string) error {
	return writeFileAtomic(path, []byte(url+"\n"))
}

// ReceiverSocket says where a receiving command listens: a local host:port,
// or a public tunnel when Tunnel is set.
type ReceiverSocket struct {
	Host   string
	Port   int
	Path   string       // the listen path, appended to the URL
	Tunnel *TunnelFlags // nil or !Enabled: listen locally
	// OnTunnelStatus receives the tunnel's connection changes.
	OnTunnelStatus func(tunnel.Status)
	// Listen opens the local socket; nil means net.ListenConfig.Listen.
	Listen func(ctx context.Context, addr string) (net.Listener, error)
}

// OpenReceiver opens the socket a listener.Listener serves and returns the
// URL senders use: http://host:port/path locally, or the tunnel's public URL
// plus the path.
//
// With a tunnel, ctx only bounds connecting (Ctrl-C while connecting stops
// it); once connected, the tunnel lives until closeTunnel is called — so the
// caller's graceful shutdown of the listener is not cut short by the tunnel
// closing underneath it when the same ctx is cancelled. closeTunnel is never
// nil; call it after serving.
func OpenReceiver(ctx context.Context, f *cmdutil.Factory, s ReceiverSocket) (ln net.Listener, url string, closeTunnel func(), err error) {
	closeTunnel = func() {}
	if s.Tunnel != nil && s.Tunnel.Enabled {
		ln, u, closeTunnel, err := openTunnel(ctx, f, s.Tunnel, s.OnTunnelStatus)
		if err != nil {
			return nil, "", func() {}, err
		}
		return ln, strings.TrimSuffix(u.String(), "/") + s.Path, closeTunnel, nil
	}
	listen := s.Listen
	if listen == nil {
		listen = func(ctx context.Context, addr string) (net.Listener, error) {
			var lc net.ListenConfig
			return lc.Listen(ctx, "tcp", addr)
		}
	}
	addr := net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	ln, err = listen(ctx, addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, "", closeTunnel, fmt.Errorf("cannot listen on %s: the port is in use (pick another with --port, or --port 0 for a free one)", addr)
		}
		return nil, "", closeTunnel, fmt.Errorf("cannot listen on %s: %w", addr, err)
	}
	return ln, "http://" + displayAddr(ln.Addr(), s.Host) + s.Path, closeTunnel, nil
}
