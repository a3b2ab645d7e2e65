package tunnel_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/syncbuf"
	"github.com/hookctl/hookctl/internal/tunnel"
	"github.com/hookctl/hookctl/internal/tunnel/ngrokfake"
)

const goodToken = "tok_good"

// testDeadline bounds every wait in these tests; nothing here should take
// more than a fraction of it.
const testDeadline = 10 * time.Second

func startFake(t *testing.T) *ngrokfake.Server {
	t.Helper()
	fake, err := ngrokfake.Start(ngrokfake.Options{AcceptTokens: []string{goodToken}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fake.Close() })
	return fake
}

// statusRecorder collects OnStatus calls on a channel.
type statusRecorder struct {
	ch chan tunnel.Status
}

func newStatusRecorder() *statusRecorder {
	return &statusRecorder{ch: make(chan tunnel.Status, 64)}
}

func (r *statusRecorder) on(s tunnel.Status) {
	select {
	case r.ch <- s:
	default:
	}
}

// waitFor returns the first status in state st, failing the test at the deadline.
func (r *statusRecorder) waitFor(t *testing.T, st tunnel.State) tunnel.Status {
	t.Helper()
	timeout := time.After(testDeadline)
	for {
		select {
		case s := <-r.ch:
			t.Logf("status: %s url=%v err=%v", s.State, s.URL, s.Err)
			if s.State == st {
				return s
			}
		case <-timeout:
			t.Fatalf("no %s status within %s", st, testDeadline)
		}
	}
}

func testOptions(fake *ngrokfake.Server, token string) tunnel.Options {
	return tunnel.Options{
		Authtoken:      token,
		ServerAddr:     fake.Addr(),
		RootCAs:        fake.CertPool(),
		ConnectTimeout: testDeadline,
	}
}

// listen runs Listen with the test's deadline on the connection and returns
// the listener, which is closed at cleanup.
func listen(t *testing.T, ctx context.Context, opts tunnel.Options) (net.Listener, string) {
	t.Helper()
	ln, u, err := tunnel.NewNgrok(opts).Listen(ctx)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln, u.String()
}

// serve runs an HTTP server that answers "hello <path>" on ln.
func serve(t *testing.T, ln net.Listener) {
	t.Helper()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Host", r.Host)
		io.WriteString(w, "hello "+r.URL.Path+" "+string(body))
	})}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln)
	}()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
}

func get(t *testing.T, fake *ngrokfake.Server, url string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader("ping"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := fake.Client().Do(req)
	if err != nil {
		t.Fatalf("request through the fake: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	return string(body)
}

func TestListenForwardsRequests(t *testing.T) {
	fake := startFake(t)
	rec := newStatusRecorder()
	opts := testOptions(fake, goodToken)
	opts.OnStatus = rec.on
	ln, public := listen(t, t.Context(), opts)

	if !strings.HasPrefix(public, "https://") || !strings.HasSuffix(public, "."+ngrokfake.DefaultDomainSuffix) {
		t.Fatalf("public URL = %q, want https://….%s", public, ngrokfake.DefaultDomainSuffix)
	}
	rec.waitFor(t, tunnel.StateConnecting)
	if s := rec.waitFor(t, tunnel.StateConnected); s.URL == nil || s.URL.String() != public {
		t.Fatalf("connected status URL = %v, want %s", s.URL, public)
	}
	serve(t, ln)

	if got, want := get(t, fake, public+"/hook"), "hello /hook ping"; got != want {
		t.Fatalf("body = %q, want %q", got, want)
	}
}

func TestListenReservedDomain(t *testing.T) {
	fake := startFake(t)
	opts := testOptions(fake, goodToken)
	opts.Domain = "hooks.example.test"
	ln, public := listen(t, t.Context(), opts)
	if public != "https://hooks.example.test" {
		t.Fatalf("public URL = %q, want https://hooks.example.test", public)
	}
	serve(t, ln)
	if got := get(t, fake, public+"/x"); got != "hello /x ping" {
		t.Fatalf("body = %q", got)
	}
}

func TestListenBadTokenIsAuthError(t *testing.T) {
	fake := startFake(t)
	opts := testOptions(fake, "tok_bad")
	opts.ConnectTimeout = time.Minute // the rejection, not the timeout, must end Listen

	type result struct{ err error }
	done := make(chan result, 1)
	go func() {
		ln, _, err := tunnel.NewNgrok(opts).Listen(t.Context())
		if ln != nil {
			ln.Close()
		}
		done <- result{err}
	}()
	select {
	case r := <-done:
		if !errors.Is(r.err, apperr.ErrAuth) {
			t.Fatalf("err = %v, want apperr.ErrAuth", r.err)
		}
		if msg := r.err.Error(); !strings.Contains(msg, "NGROK_AUTHTOKEN") || !strings.Contains(msg, "does not look like a proper ngrok authtoken") {
			t.Fatalf("message = %q, want the service's reason and NGROK_AUTHTOKEN", msg)
		}
		t.Log(r.err)
	case <-time.After(testDeadline):
		t.Fatal("Listen with a rejected token did not return")
	}
}

func TestListenMissingToken(t *testing.T) {
	_, _, err := tunnel.NewNgrok(tunnel.Options{Authtoken: "  "}).Listen(t.Context())
	if !errors.Is(err, apperr.ErrUsage) {
		t.Fatalf("err = %v, want apperr.ErrUsage", err)
	}
	for _, want := range []string{"NGROK_AUTHTOKEN", "https://dashboard.ngrok.com/get-started/your-authtoken"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not mention %s", err, want)
		}
	}
}

func TestListenUnreachableTimesOut(t *testing.T) {
	// A port that was just free: nothing listens there.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	opts := tunnel.Options{Authtoken: goodToken, ServerAddr: addr, ConnectTimeout: 500 * time.Millisecond}
	done := make(chan error, 1)
	go func() {
		ln, _, err := tunnel.NewNgrok(opts).Listen(t.Context())
		if ln != nil {
			ln.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, tunnel.ErrConnectTimeout) {
			t.Fatalf("err = %v, want ErrConnectTimeout", err)
		}
		want := "could not reach ngrok at " + addr + " within 500ms: check your network / proxy, or raise --tunnel-timeout"
		if !strings.HasPrefix(err.Error(), want) {
			t.Fatalf("message = %q, want prefix %q", err, want)
		}
		t.Log(err)
	case <-time.After(testDeadline):
		t.Fatal("Listen did not give up after ConnectTimeout")
	}
}

func TestReconnectIsReportedAndServingContinues(t *testing.T) {
	fake := startFake(t)
	rec := newStatusRecorder()
	opts := testOptions(fake, goodToken)
	opts.OnStatus = rec.on
	ln, public := listen(t, t.Context(), opts)
	serve(t, ln)
	rec.waitFor(t, tunnel.StateConnected)
	if got := get(t, fake, public+"/before"); got != "hello /before ping" {
		t.Fatalf("body = %q", got)
	}

	if n := fake.DropSessions(); n != 1 {
		t.Fatalf("dropped %d sessions, want 1", n)
	}
	if s := rec.waitFor(t, tunnel.StateReconnecting); s.Err == nil {
		t.Fatal("reconnecting status without an error")
	}
	if s := rec.waitFor(t, tunnel.StateConnected); s.URL == nil || s.URL.String() != public {
		t.Fatalf("reconnected with URL %v, want %s", s.URL, public)
	}
	if got := fake.URLs(); len(got) != 1 || got[0] != public {
		t.Fatalf("fake has %v bound after the reconnect, want [%s]", got, public)
	}
	if got := get(t, fake, public+"/after"); got != "hello /after ping" {
		t.Fatalf("body = %q", got)
	}
}

func TestCancelClosesListener(t *testing.T) {
	fake := startFake(t)
	rec := newStatusRecorder()
	opts := testOptions(fake, goodToken)
	opts.OnStatus = rec.on
	ctx, cancel := context.WithCancel(t.Context())
	ln, _ := listen(t, ctx, opts)

	accepted := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if c != nil {
			c.Close()
		}
		accepted <- err
	}()
	cancel()
	select {
	case err := <-accepted:
		if err == nil {
			t.Fatal("Accept returned a connection after cancel")
		}
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("Accept error = %v, want net.ErrClosed in the chain", err)
		}
	case <-time.After(testDeadline):
		t.Fatal("Accept did not return after the context was cancelled")
	}
	rec.waitFor(t, tunnel.StateDisconnected)

	// The session is gone from the fake too.
	deadline := time.Now().Add(testDeadline)
	for fake.Sessions() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("fake still has %d sessions", fake.Sessions())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestLibraryLogsGoToLogger(t *testing.T) {
	fake := startFake(t)
	var buf syncbuf.Buffer
	opts := testOptions(fake, goodToken)
	opts.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	listen(t, t.Context(), opts)
	if !strings.Contains(buf.String(), "client session established") {
		t.Fatalf("the library's logs did not reach the logger:\n%s", buf.String())
	}
}

// The library warns on slog.Default when it has no logger (for example about
// the Go version's CA roots); without Options.Logger nothing may leak there.
func TestNoLogsWithoutLogger(t *testing.T) {
	var buf syncbuf.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(prev) })

	fake := startFake(t)
	ln, public := listen(t, t.Context(), testOptions(fake, goodToken))
	serve(t, ln)
	get(t, fake, public+"/quiet")
	if s := buf.String(); s != "" {
		t.Fatalf("output on slog.Default:\n%s", s)
	}
}

func TestListenBindRejected(t *testing.T) {
	fake := startFake(t)
	opts := testOptions(fake, goodToken)
	opts.Domain = "taken.example.test"
	listen(t, t.Context(), opts) // the first agent holds the domain

	rec := newStatusRecorder()
	opts.OnStatus = rec.on
	_, _, err := tunnel.NewNgrok(opts).Listen(t.Context())
	if err == nil {
		t.Fatal("second Listen on a domain that is online succeeded")
	}
	if errors.Is(err, apperr.ErrAuth) || errors.Is(err, tunnel.ErrConnectTimeout) {
		t.Fatalf("err = %v, want neither ErrAuth nor ErrConnectTimeout", err)
	}
	want := "ngrok could not open the tunnel: The endpoint 'https://taken.example.test' is already online (ERR_NGROK_334)"
	if err.Error() != want {
		t.Fatalf("err = %q, want %q", err, want)
	}
	rec.waitFor(t, tunnel.StateDisconnected)
}

// A connection the library is handing over while nobody accepts must not
// block Close (the library holds a lock until the connection is accepted).
func TestCloseWithPendingConnection(t *testing.T) {
	fake := startFake(t)
	ln, public := listen(t, t.Context(), testOptions(fake, goodToken))
	ctx, cancel := context.WithTimeout(t.Context(), testDeadline)
	defer cancel()
	for range 3 {
		c, err := fake.Dial(ctx, public)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	}
	closed := make(chan struct{})
	go func() {
		ln.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(testDeadline):
		t.Fatal("Close blocked on connections nobody accepted")
	}
	if c, err := ln.Accept(); err == nil {
		c.Close()
		t.Fatal("Accept after Close succeeded")
	}
}
