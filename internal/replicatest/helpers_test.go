package replicatest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/syncbuf"
)

// asHookctl makes the test binary run hookctl's Main instead of the tests:
// the serve processes are this binary re-executed (testscript's way), so
// the package needs no separate go build.
const asHookctl = "HOOKCTL_REPLICATEST_AS_HOOKCTL"

func TestMain(m *testing.M) {
	if os.Getenv(asHookctl) == "1" {
		os.Exit(cli.Main(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// testLease is the outbox lease of the replicas (HOOKCTL_OUTBOX_LEASE):
// short, so that a killed replica's rows are claimed again in seconds.
const testLease = 3 * time.Second

// env is an isolated home for hookctl processes on one database.
type env struct {
	t       *testing.T
	dir     string
	db      string // the database URL the local commands use
	environ []string
}

func newEnv(t *testing.T, dbURL string) *env {
	t.Helper()
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	var environ []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "HOOKCTL_") || strings.HasPrefix(kv, "XDG_") || strings.HasPrefix(kv, "HOME=") {
			continue
		}
		environ = append(environ, kv)
	}
	environ = append(environ, asHookctl+"=1", "HOME="+home,
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "XDG_DATA_HOME="+filepath.Join(home, ".local", "share"),
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"), "HOOKCTL_DATA_DIR="+filepath.Join(dir, "data"),
		"NO_COLOR=1", "HOOKCTL_OUTBOX_LEASE="+testLease.String())
	return &env{t: t, dir: dir, db: dbURL, environ: environ}
}

func (e *env) command(ctx context.Context, args ...string) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		e.t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = e.environ
	cmd.Dir = e.dir
	return cmd
}

// run runs a short hookctl command and returns its output and exit code.
func (e *env) run(args ...string) (stdout, stderr string, code int) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := e.command(ctx, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		e.t.Fatalf("hookctl %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errb.String(), code
}

// apiKey creates an API key on the database with the local command.
func (e *env) apiKey() string {
	e.t.Helper()
	out, stderr, code := e.run("api-key", "create", "--name", "replicatest", "--database", e.db)
	key := strings.TrimSpace(out)
	if code != 0 || !strings.HasPrefix(key, "hk_") {
		e.t.Fatalf("api-key create: exit %d, %q, %s", code, out, stderr)
	}
	return key
}

// replica is a running `hookctl serve`.
type replica struct {
	name   string
	URL    string
	cmd    *exec.Cmd
	stderr *syncbuf.Buffer
	done   chan struct{} // closed when the process has exited
	err    error         // its Wait error, once done
}

// serve starts `hookctl serve` on dbURL, on a free port, and returns once
// it listens (its --ready-file is written). The process is killed at the
// end of the test if still running; its stderr is logged when the test
// failed.
func (e *env) serve(name, dbURL string, extra ...string) *replica {
	e.t.Helper()
	ready := filepath.Join(e.dir, name+".ready")
	args := append([]string{"serve", "--database", dbURL, "--addr", "127.0.0.1:0", "--ready-file", ready,
		"--allow-target", "127.0.0.0/8"}, extra...)
	cmd := e.command(context.Background(), args...)
	r := &replica{name: name, cmd: cmd, stderr: &syncbuf.Buffer{}, done: make(chan struct{})}
	cmd.Stdout = io.Discard
	cmd.Stderr = r.stderr
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	go func() {
		r.err = cmd.Wait()
		close(r.done)
	}()
	e.t.Cleanup(func() {
		r.kill()
		if e.t.Failed() {
			e.t.Logf("stderr of %s:\n%s", name, r.stderr.String())
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		if b, err := os.ReadFile(ready); err == nil && len(b) > 0 {
			r.URL = strings.TrimSpace(string(b))
			return r
		}
		select {
		case <-r.done:
			e.t.Fatalf("%s exited before listening: %v\n%s", name, r.err, r.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%s not listening after 20s:\n%s", name, r.stderr.String())
		}
	}
}

// kill SIGKILLs the process and waits until it has exited.
func (r *replica) kill() {
	select {
	case <-r.done:
		return
	default:
	}
	_ = r.cmd.Process.Signal(syscall.SIGKILL)
	<-r.done
}

// client is the tests' HTTP client: many connections per replica.
var client = &http.Client{
	Timeout:   30 * time.Second,
	Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 0, IdleConnTimeout: 30 * time.Second},
}

// response is an answer of the API.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) String() string { return fmt.Sprintf("%d %s", r.Status, bytes.TrimSpace(r.Body)) }

// do makes one API call with the key; body, when not nil, is sent as JSON.
func do(ctx context.Context, method, url, key string, body any) (response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return response{}, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return response{}, err
	}
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// mustDo is do that fails the test on a transport error or another status
// than want, and decodes the body into out (when not nil).
func mustDo(t *testing.T, method, url, key string, body any, want int, out any) response {
	t.Helper()
	r, err := do(context.Background(), method, url, key, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	if r.Status != want {
		t.Fatalf("%s %s: %s, want %d", method, url, r, want)
	}
	if out != nil {
		if err := json.Unmarshal(r.Body, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, url, err, r.Body)
		}
	}
	return r
}

// delivery is the part of a delivery the tests look at.
type delivery struct {
	ID           string `json:"id"`
	RequestID    string `json:"request_id"`
	State        string `json:"state"`
	AttemptCount int    `json:"attempt_count"`
}

// sendResult is the answer of POST /v1/events.
type sendResult struct {
	Data []delivery `json:"data"`
}

// createConfig creates a webhook config for device.* events to url.
func createConfig(t *testing.T, r *replica, key, url string) string {
	t.Helper()
	var c struct {
		ID string `json:"id"`
	}
	mustDo(t, "POST", r.URL+"/v1/webhook_configs", key, map[string]any{"url": url, "events": []string{"device.*"}}, http.StatusCreated, &c)
	return c.ID
}

// listDeliveries pages through every delivery the key's tenant has.
func listDeliveries(t *testing.T, r *replica, key string) []delivery {
	t.Helper()
	var all []delivery
	after := ""
	for {
		url := r.URL + "/v1/deliveries?limit=1000"
		if after != "" {
			url += "&starting_after=" + after
		}
		var page struct {
			Data    []delivery `json:"data"`
			HasMore bool       `json:"has_more"`
		}
		mustDo(t, "GET", url, key, nil, http.StatusOK, &page)
		all = append(all, page.Data...)
		if !page.HasMore || len(page.Data) == 0 {
			return all
		}
		after = page.Data[len(page.Data)-1].ID
	}
}

// dbCount runs a count query on the database directly (the outbox's
// length, independent of any replica).
func dbCount(t *testing.T, dbURL, sql string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatalf("connect to the test database: %v", err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(ctx, sql).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// arrival is one request the receiver got.
type arrival struct {
	ID string
	At time.Time
}

// receiver is a local webhook endpoint that records the request id of
// every delivery (X-Request-Id, also webhook-id) and answers 200 after
// latency.
type receiver struct {
	*httptest.Server
	latency time.Duration
	mu      sync.Mutex
	got     map[string][]time.Time
	order   []arrival
	notify  chan struct{} // gets a value after each arrival (non-blocking)
	hold    chan struct{} // when not nil, requests wait for it to be closed
}

func newReceiver(t *testing.T, latency time.Duration) *receiver {
	rc := &receiver{latency: latency, got: map[string][]time.Time{}, notify: make(chan struct{}, 1)}
	rc.Server = httptest.NewServer(http.HandlerFunc(rc.serveHTTP))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) serveHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	id := r.Header.Get("X-Request-Id")
	if id == "" {
		id = r.Header.Get("Webhook-Id")
	}
	now := time.Now()
	rc.mu.Lock()
	rc.got[id] = append(rc.got[id], now)
	rc.order = append(rc.order, arrival{id, now})
	hold := rc.hold
	rc.mu.Unlock()
	select {
	case rc.notify <- struct{}{}:
	default:
	}
	if hold != nil {
		select {
		case <-hold:
		case <-r.Context().Done():
			return
		}
	}
	if rc.latency > 0 {
		select {
		case <-time.After(rc.latency):
		case <-r.Context().Done():
			return
		}
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("ok"))
}

// snapshot copies what arrived so far.
func (rc *receiver) snapshot() (map[string][]time.Time, []arrival) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	got := make(map[string][]time.Time, len(rc.got))
	for k, v := range rc.got {
		got[k] = append([]time.Time(nil), v...)
	}
	return got, append([]arrival(nil), rc.order...)
}

// waitFor polls cond every 50 ms until it is true or timeout has passed
// (then the test fails with what).
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
