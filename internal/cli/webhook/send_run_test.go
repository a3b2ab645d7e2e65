package webhook

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/cmdtest"
	"github.com/hookctl/hookctl/internal/dispatch"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/server/servertest"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/testserver"
)

func sendEnv(t *testing.T) (*cmdtest.Env, *testserver.Server) {
	t.Helper()
	env := cmdtest.New(t, false)
	env.Factory.HTTPClient = func() *http.Client { return &http.Client{} }
	env.Factory.Globals.DataDir = t.TempDir()
	srv, err := testserver.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return env, srv
}

func noSleep(d *dispatch.Dispatcher) {
	d.Sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
}

func baseOpts(env *cmdtest.Env) *SendOptions {
	return &SendOptions{Factory: env.Factory, Count: 1, Concurrency: 1, Retries: 3, RetryDelay: time.Second,
		Timeout: 5 * time.Second, Dispatcher: noSleep}
}

// TestSendEveryCatalogueTypeVerifies sends each builtin event to the test
// server through a config of the event's scheme and verifies the signature
// the server received.
func TestSendEveryCatalogueTypeVerifies(t *testing.T) {
	env, srv := sendEnv(t)
	ctx := context.Background()
	for _, e := range catalog.Builtin().List("") {
		scheme := e.Scheme
		if scheme == "" {
			scheme = "standard"
		}
		c, err := env.Local.CreateWebhookConfig(ctx, backend.CreateWebhookConfigParams{URL: srv.URL + "/" + e.Type, Scheme: scheme, Events: []string{e.Type}})
		if err != nil {
			t.Fatal(err)
		}
		o := baseOpts(env)
		o.Type, o.ConfigID = e.Type, c.ID
		if err := sendRun(ctx, o); err != nil {
			t.Fatalf("%s: %v", e.Type, err)
		}
		reqs := srv.Requests()
		r := reqs[len(reqs)-1]
		if r.Path != "/"+e.Type {
			t.Fatalf("%s: last request went to %s", e.Type, r.Path)
		}
		res := signature.Verify(scheme, []signature.Secret{{Value: c.Secret}}, r.Headers, []byte(r.Body), signature.Options{})
		if !res.OK {
			t.Errorf("%s (%s): signature does not verify: %v", e.Type, scheme, res.Err)
		}
		if r.Headers.Get("X-Request-Id") == "" {
			t.Errorf("%s: no X-Request-Id", e.Type)
		}
	}
	list, err := env.Local.ListDeliveries(ctx, backend.ListDeliveriesParams{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(catalog.Builtin().List("")); list.Total != n || list.Succeeded != n {
		t.Errorf("recorded %+v, want %d succeeded", list, n)
	}
}

func TestSendConfigRulesAndFanOut(t *testing.T) {
	env, srv := sendEnv(t)
	ctx := context.Background()
	mk := func(path string, events []string, disabled bool) *model.WebhookConfig {
		c, err := env.Local.CreateWebhookConfig(ctx, backend.CreateWebhookConfigParams{URL: srv.URL + path, Events: events, Disabled: disabled})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	mk("/a", []string{"device.*"}, false)
	b := mk("/b", []string{"user.*"}, false)
	c := mk("/c", []string{"*"}, true)
	mk("/d", []string{"device.enrolled"}, false)

	o := baseOpts(env)
	o.Type, o.ConfigID = "device.enrolled", b.ID
	if err := sendRun(ctx, o); !errors.Is(err, apperr.ErrUsage) || !strings.Contains(err.Error(), "not subscribed") {
		t.Errorf("non-matching config: err = %v", err)
	}
	o.ConfigID = c.ID
	if err := sendRun(ctx, o); !errors.Is(err, apperr.ErrUsage) || !strings.Contains(err.Error(), "disabled") {
		t.Errorf("disabled config: err = %v", err)
	}
	o.ConfigID, o.All = "", true
	env.Out.Reset()
	if err := sendRun(ctx, o); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, r := range srv.Requests() {
		paths = append(paths, r.Path)
	}
	if strings.Join(paths, ",") != "/a,/d" && strings.Join(paths, ",") != "/d,/a" {
		t.Errorf("fan-out reached %v, want /a and /d", paths)
	}
	if strings.Count(env.Out.String(), "dlv_") != 2 {
		t.Errorf("output:\n%s", env.Out)
	}
	o.Type = "nothing.subscribes"
	o.Data = `{"x":1}`
	if err := sendRun(ctx, o); !errors.Is(err, apperr.ErrNotFound) {
		t.Errorf("--all without subscribers: err = %v", err)
	}
}

func TestSendMockAndExpect(t *testing.T) {
	env, srv := sendEnv(t)
	ctx := context.Background()
	o := baseOpts(env)
	o.Type, o.To, o.Mock = "ping", srv.URL+"/status/500", true
	o.Retries = 0
	o.Expect = &StatusExpectation{Class: 2}
	if err := sendRun(ctx, o); !errors.Is(err, apperr.ErrExpectation) {
		t.Errorf("err = %v, want expectation", err)
	}
	if !strings.Contains(env.ErrOut.String(), "sending unsigned") {
		t.Errorf("stderr %q", env.ErrOut)
	}
	list, _ := env.Local.ListDeliveries(ctx, backend.ListDeliveriesParams{})
	if list.Total != 0 {
		t.Errorf("mock delivery was recorded: %+v", list)
	}
	o.Expect = &StatusExpectation{Code: 500}
	if err := sendRun(ctx, o); err != nil {
		t.Errorf("expect 500: err = %v", err)
	}
	o.Expect = nil
	if err := sendRun(ctx, o); err == nil || errors.Is(err, apperr.ErrExpectation) {
		t.Errorf("failed delivery without --expect-status: err = %v, want exit 1", err)
	}
}

func TestSendLoadModeRecordsInBatches(t *testing.T) {
	env, srv := sendEnv(t)
	ctx := context.Background()
	o := baseOpts(env)
	o.Type, o.To, o.Secret = "device.enrolled", srv.URL+"/load", "s"
	o.Count, o.Concurrency = 50, 8
	env.Factory.Globals.Output = "json"
	if err := sendRun(ctx, o); err != nil {
		t.Fatal(err)
	}
	out := env.Out.String()
	if !strings.Contains(out, `"sent": 50`) || !strings.Contains(out, `"succeeded": 50`) || !strings.Contains(out, `"p99"`) {
		t.Errorf("summary:\n%s", out)
	}
	list, _ := env.Local.ListDeliveries(ctx, backend.ListDeliveriesParams{})
	if list.Total != 50 || list.Succeeded != 50 {
		t.Errorf("recorded %d (%d succeeded), want 50", list.Total, list.Succeeded)
	}
	ids := map[string]bool{}
	for _, r := range srv.Requests() {
		ids[r.Headers.Get("X-Request-Id")] = true
	}
	if len(ids) != 50 {
		t.Errorf("%d distinct request ids, want 50", len(ids))
	}
}

func TestResendKeepsRequestIDAndResigns(t *testing.T) {
	env, srv := sendEnv(t)
	ctx := context.Background()
	c, err := env.Local.CreateWebhookConfig(ctx, backend.CreateWebhookConfigParams{URL: srv.URL + "/hook", Scheme: "standard"})
	if err != nil {
		t.Fatal(err)
	}
	o := baseOpts(env)
	o.Type, o.ConfigID = "device.enrolled", c.ID
	if err := sendRun(ctx, o); err != nil {
		t.Fatal(err)
	}
	list, _ := env.Local.ListDeliveries(ctx, backend.ListDeliveriesParams{})
	orig := list.Deliveries[0]
	rotated, err := env.Local.RotateWebhookConfigSecret(ctx, c.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := deliveriesResendRun(ctx, &DeliveriesResendOptions{Factory: env.Factory, ID: orig.ID, Retries: 3, Timeout: time.Second, Dispatcher: noSleep}); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	r := reqs[1]
	if r.Headers.Get("X-Request-Id") != orig.RequestID || r.Headers.Get("Webhook-Id") != orig.RequestID || r.Body != reqs[0].Body {
		t.Errorf("resend changed the request id or body")
	}
	if res := signature.Verify("standard", []signature.Secret{{Value: rotated.Secret}}, r.Headers, []byte(r.Body), signature.Options{}); !res.OK {
		t.Errorf("resend not signed with the current secret: %v", res.Err)
	}
	list, _ = env.Local.ListDeliveries(ctx, backend.ListDeliveriesParams{})
	if list.Total != 2 || list.Deliveries[0].ResendOf != orig.ID {
		t.Errorf("deliveries %+v", list)
	}
}

// TestSendToHTTPS covers the TLS path, single and load mode (where it goes
// through net/http behind the lean client): a self-signed receiver is
// refused unless --insecure.
func TestSendToHTTPS(t *testing.T) {
	var hits atomic.Int32
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.WriteString(w, `{"message":"ok"}`)
	}))
	defer tlsSrv.Close()
	tests := []struct {
		name     string
		count    int
		insecure bool
		wantHits int32
	}{
		{"single, certificate checked", 1, false, 0},
		{"single, --insecure", 1, true, 1},
		{"load mode, certificate checked", 5, false, 0},
		{"load mode, --insecure", 5, true, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, _ := sendEnv(t)
			hits.Store(0)
			o := baseOpts(env)
			o.Type, o.To, o.Secret, o.Retries = "ping", tlsSrv.URL+"/hook", "s", -1
			o.Count, o.Concurrency, o.Insecure = tt.count, 2, tt.insecure
			err := sendRun(context.Background(), o)
			if (err == nil) != tt.insecure {
				t.Errorf("err = %v", err)
			}
			if n := hits.Load(); n != tt.wantHits {
				t.Errorf("receiver got %d requests, want %d", n, tt.wantHits)
			}
			if !tt.insecure && tt.count == 1 && !strings.Contains(env.Out.String()+env.ErrOut.String(), "certificate") {
				t.Errorf("the failure does not mention the certificate:\n%s%s", env.Out, env.ErrOut)
			}
		})
	}
}

// TestRemoteSendShowsServerRetries: with a remote backend the server sends;
// on a terminal the CLI still shows each retry as it happens, as a local
// send does, and waits for the final outcome.
func TestRemoteSendShowsServerRetries(t *testing.T) {
	for _, tty := range []bool{true, false} {
		t.Run(fmt.Sprintf("tty=%v", tty), func(t *testing.T) {
			env, srv := sendEnv(t)
			env.Factory.IOStreams.SetTTY(tty)
			in, err := servertest.Start(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			remote := in.Remote()
			defer func() { remote.Close(); in.Close() }()
			env.UseRemote(remote)
			o := baseOpts(env)
			o.Type, o.To, o.Secret, o.RetryDelay = "ping", srv.URL+"/flaky/2/503", "s", time.Millisecond
			if err := sendRun(context.Background(), o); err != nil {
				t.Fatalf("send: %v\n%s", err, env.ErrOut)
			}
			stderr := env.ErrOut.String()
			for _, n := range []string{"1", "2"} {
				line := "attempt " + n + " 503 Service Unavailable; the server retries"
				if got := strings.Contains(stderr, line); got != tty {
					t.Errorf("stderr has %q: %v, want %v\n%s", line, got, tty, stderr)
				}
			}
			if out := env.Out.String(); !strings.Contains(out, "200") {
				t.Errorf("final outcome not shown:\n%s", out)
			}
		})
	}
}
