// Package tunnel opens a public endpoint that forwards to a local handler.
//
// The ngrok implementation embeds the ngrok agent (golang.ngrok.com/ngrok/v2)
// and guards against the library's habits that do not suit a CLI: it retries
// a connection forever (even a rejected authtoken), it ties the session to
// the context given to Listen, and with no logger it writes warnings to
// slog.Default. See NewNgrok.
package tunnel

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"time"
)

// Tunnel opens a public endpoint that forwards to a local handler.
type Tunnel interface {
	// Listen connects and returns a listener whose Accept yields connections
	// arriving at the public URL.
	//
	// ctx bounds the whole life of the tunnel session: when it is done the
	// listener closes. Connection establishment is bounded separately by
	// Options.ConnectTimeout.
	Listen(ctx context.Context) (net.Listener, *url.URL, error)
}

// DefaultConnectTimeout bounds connection establishment when Options.ConnectTimeout is zero.
const DefaultConnectTimeout = 20 * time.Second

// DefaultServerAddr is ngrok's agent endpoint.
const DefaultServerAddr = "connect.ngrok-agent.com:443"

// AuthtokenHelp tells the user how to get an ngrok authtoken.
const AuthtokenHelp = "get one at https://dashboard.ngrok.com/get-started/your-authtoken and export NGROK_AUTHTOKEN"

// Options configures an ngrok tunnel.
type Options struct {
	Authtoken      string         // required; NGROK_AUTHTOKEN is read by the command, not here
	Domain         string         // optional reserved domain ("hooks.example.com" or a full URL)
	ConnectTimeout time.Duration  // default DefaultConnectTimeout
	ServerAddr     string         // override of ngrok's agent endpoint (tests); default DefaultServerAddr
	RootCAs        *x509.CertPool // override of the CAs trusted for ServerAddr (tests)
	Logger         *slog.Logger   // the library's logs go here; default discards
	OnStatus       func(Status)   // connection status changes; called in order, must not block for long
}

// State is the connection state of a tunnel.
type State int

// States reported through Options.OnStatus.
const (
	StateConnecting   State = iota // Listen started connecting
	StateConnected                 // the endpoint is online (Status.URL is set); also after a reconnect
	StateReconnecting              // the session was lost after being connected (Status.Err says why); the listener keeps serving
	StateDisconnected              // the tunnel is closed for good (Status.Err is nil after a clean close)
)

func (s State) String() string {
	switch s {
	case StateConnecting:
		return "connecting"
	case StateConnected:
		return "connected"
	case StateReconnecting:
		return "reconnecting"
	case StateDisconnected:
		return "disconnected"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Status is one connection status change.
type Status struct {
	State State
	URL   *url.URL // the public URL, once known
	Err   error    // for StateReconnecting: the error that ended the session
}

// ErrConnectTimeout is in the chain of the error Listen returns when no
// session could be established within Options.ConnectTimeout.
var ErrConnectTimeout = errors.New("ngrok connect timeout")

// connectTimeoutError is the error for an unreachable agent endpoint.
type connectTimeoutError struct {
	addr    string
	timeout time.Duration
	last    error // last error reported by the library, may be nil
}

func (e *connectTimeoutError) Error() string {
	msg := fmt.Sprintf("could not reach ngrok at %s within %s: check your network / proxy, or raise --tunnel-timeout", e.addr, e.timeout)
	if e.last != nil {
		msg += " (last error: " + e.last.Error() + ")"
	}
	return msg
}

func (e *connectTimeoutError) Unwrap() []error {
	if e.last != nil {
		return []error{ErrConnectTimeout, e.last}
	}
	return []error{ErrConnectTimeout}
}

// causeError has its own message and keeps its cause in the chain.
type causeError struct {
	msg string
	err error
}

func (e *causeError) Error() string { return e.msg }
func (e *causeError) Unwrap() error { return e.err }
