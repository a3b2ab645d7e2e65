// Package servertest starts a real API server in-process for tests: a store
// in a directory of its own, one API key, and a listener on 127.0.0.1:0.
package servertest

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/hookctl/hookctl/internal/apikey"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/netguard"
	"github.com/hookctl/hookctl/internal/outbox"
	"github.com/hookctl/hookctl/internal/server"
	"github.com/hookctl/hookctl/internal/store"
)

// Instance is a running server.
type Instance struct {
	URL    string // http://127.0.0.1:port
	Key    string // a valid API key
	Local  *backend.Local
	Store  *store.Store // Local's store (API keys live there)
	Server *server.Server
	Outbox *outbox.Outbox

	cancel context.CancelFunc
	done   chan error
}

// Start opens (or creates) the store in dataDir, creates an API key named
// "test" and serves the API until Close. configure, if any, may change the
// server's options (e.g. MaxBodyBytes) before it starts.
func Start(dataDir string, configure ...func(*server.Options)) (*Instance, error) {
	s, err := store.Open(context.Background(), dataDir)
	if err != nil {
		return nil, err
	}
	return StartOn(s, configure...)
}

// StartOn is Start over an open store (a PostgreSQL one, say), which the
// instance closes with itself.
func StartOn(s *store.Store, configure ...func(*server.Options)) (*Instance, error) {
	ctx := context.Background()
	key, _, err := apikey.Create(ctx, s, "test", "", time.Now())
	if err != nil {
		s.Close()
		return nil, err
	}
	metrics := server.NewMetrics()
	var onAttempt func(string, time.Duration)
	// The guard of `hookctl serve`, opened for loopback: tests deliver to
	// receivers on 127.0.0.1 (as serve --allow-target 127.0.0.0/8 would).
	guard := netguard.New([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}, nil)
	ob, err := outbox.New(ctx, s, outbox.Options{Workers: 4, Client: &http.Client{Transport: guard.Transport(nil)},
		OnAttempt: func(o string, d time.Duration) { onAttempt(o, d) }})
	if err != nil {
		s.Close()
		return nil, err
	}
	onAttempt = server.DispatcherMetrics(metrics, ob.Len)
	local := backend.NewLocal(s, nil, backend.WithNotifier(server.QueueNotifier{Dispatcher: ob}))
	so := server.Options{Backend: local.Scoped, Sources: local, Auth: &apikey.Authenticator{Store: s, TouchEvery: time.Minute}, Metrics: metrics, Dispatcher: ob, Guard: guard}
	for _, c := range configure {
		c(&so)
	}
	srv := server.New(so)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.Close()
		return nil, err
	}
	sctx, cancel := context.WithCancel(ctx)
	in := &Instance{URL: "http://" + ln.Addr().String(), Key: key, Local: local, Store: s, Server: srv, Outbox: ob, cancel: cancel, done: make(chan error, 2)}
	go func() { in.done <- srv.Serve(sctx, ln, 5*time.Second) }()
	go func() { in.done <- ob.Run(sctx, 5*time.Second) }()
	return in, nil
}

// Remote returns a Remote backend for the instance's URL and key.
func (in *Instance) Remote() *backend.Remote {
	r, err := backend.NewRemote(in.URL, in.Key, &http.Client{Timeout: 30 * time.Second})
	if err != nil {
		panic(err) // in.URL is always valid
	}
	return r
}

// Close shuts the server and its dispatcher down gracefully and closes the store.
func (in *Instance) Close() error {
	in.cancel()
	err := errors.Join(<-in.done, <-in.done)
	return errors.Join(err, in.Local.Close())
}
