package serve_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/amqptest"
	"github.com/hookctl/hookctl/internal/apikey"
	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/cli/serve"
	"github.com/hookctl/hookctl/internal/cmdtest"
	"github.com/hookctl/hookctl/internal/store"
)

// startServe runs serve with args on a fresh data dir and returns its URL
// (from --ready-file; "" when serve ended before it was ready), its
// environment (stderr) and the channel of serve's result. Serve stops at
// the end of the test.
func startServe(t *testing.T, args ...string) (url string, env *cmdtest.Env, done chan error) {
	t.Helper()
	return startServeIn(t, t.TempDir(), args...)
}

func startServeIn(t *testing.T, dir string, args ...string) (url string, env *cmdtest.Env, done chan error) {
	t.Helper()
	env = cmdtest.New(t, false)
	env.Factory.Globals.DataDir = filepath.Join(dir, "data")
	ready := filepath.Join(dir, "ready")
	ctx, cancel := context.WithCancel(context.Background())
	cmd := serve.NewCmdServe(env.Factory, nil)
	cmd.SetArgs(append([]string{"--addr", "127.0.0.1:0", "--ready-file", ready}, args...))
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	done = make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	t.Cleanup(cancel)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(ready); err == nil && len(b) > 0 {
			return strings.TrimSpace(string(b)), env, done
		}
		select {
		case err := <-done:
			done <- err
			return "", env, done
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("no ready file after 10s\n%s", env.ErrOut)
	return
}

func healthz(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return strings.TrimSpace(string(b))
}

// A broker that cannot be reached at start does not stop serve: it warns
// once, with the password masked, and /healthz says it is not connected.
func TestServeStartsWithoutBroker(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	dir := t.TempDir()
	s, err := store.Open(context.Background(), filepath.Join(dir, "data"))
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := apikey.Create(context.Background(), s, "t", "", time.Now())
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	url, env, _ := startServeIn(t, dir, "--amqp-url", "amqp://guest:hunter2@"+addr+"/")
	if url == "" {
		t.Fatalf("serve ended early\n%s", env.ErrOut)
	}
	want := `{"status":"ok","database":"ok","publish":{"backlog":0,"connected":false}}`
	// Several retries happen meanwhile (100ms backoff, doubling).
	for range 10 {
		if got := healthz(t, url); got != want {
			t.Fatalf("/healthz = %s, want %s", got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
	req, _ := http.NewRequest("GET", url+"/metrics", nil)
	req.Header.Set("X-API-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, m := range []string{"\nhookctl_publish_backlog 0\n", "\nhookctl_publish_connected 0\n"} {
		if !strings.Contains(string(metrics), m) {
			t.Errorf("/metrics lacks %q:\n%s", m, metrics)
		}
	}
	stderr := env.ErrOut.String()
	if strings.Contains(stderr, "hunter2") {
		t.Fatalf("stderr shows the password:\n%s", stderr)
	}
	if n := strings.Count(stderr, "Warning: message broker amqp://guest:xxxxx@"+addr+"/ unavailable"); n != 1 {
		t.Fatalf("%d warnings, want 1:\n%s", n, stderr)
	}
}

// An exchange that exists with another type stops serve with exit 1 and
// the broker's reason.
func TestServeExchangeOfAnotherType(t *testing.T) {
	amqpURL := amqptest.URL(t)
	exchange := amqptest.Exchange(t, amqpURL, "hookctl-test-serve-fanout-", "fanout")

	url, env, done := startServe(t, "--amqp-url", amqpURL, "--amqp-exchange", exchange)
	if url != "" {
		t.Fatalf("serve started at %s", url)
	}
	err := <-done
	if code := cli.ExitCode(err); code != 1 || !strings.Contains(err.Error(), "PRECONDITION_FAILED") || !strings.Contains(err.Error(), "inequivalent arg 'type'") {
		t.Fatalf("exit %d: %v\n%s", code, err, env.ErrOut)
	}
}
