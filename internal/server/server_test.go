package server_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/apikey"
	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/server"
	"github.com/hookctl/hookctl/internal/store"
)

// fakeBackend answers GetWebhookConfig with err (or blocks on block) and
// panics on anything else it was not given.
type fakeBackend struct {
	backend.Backend
	err     error
	entered chan struct{}
	block   chan struct{}
}

func (f *fakeBackend) GetWebhookConfig(ctx context.Context, id string) (*model.WebhookConfig, error) {
	if f.block != nil {
		close(f.entered)
		<-f.block
	}
	if f.err != nil {
		return nil, f.err
	}
	return &model.WebhookConfig{ID: id, Secret: "shh", Events: []string{"*"}}, nil
}

func (f *fakeBackend) CreateWebhookConfig(ctx context.Context, p backend.CreateWebhookConfigParams) (*model.WebhookConfig, error) {
	return &model.WebhookConfig{ID: "whc_1", URL: p.URL, Events: p.Events}, nil
}

type fakeAuth struct{}

func (fakeAuth) Authenticate(ctx context.Context, key string) (*model.APIKey, error) {
	if key != "good" {
		return nil, apperr.New(apperr.ErrAuth, "invalid API key")
	}
	return &model.APIKey{ID: "key_1", Tenant: "default"}, nil
}

func do(t *testing.T, h http.Handler, method, target, contentType, body string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("X-API-Key", "good")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func TestErrorKindsMapToStatusAndCode(t *testing.T) {
	tests := []struct {
		err    error
		status int
		body   string
	}{
		{apperr.Usagef("bad"), 400, `{"error":{"code":"bad_request","message":"bad"}}`},
		{apperr.New(apperr.ErrInvalid, "no"), 422, `{"error":{"code":"invalid","message":"no"}}`},
		{apperr.New(apperr.ErrConflict, "dup"), 409, `{"error":{"code":"conflict","message":"dup"}}`},
		{apperr.NotFoundf("no webhook config x"), 404, `{"error":{"code":"not_found","message":"no webhook config x"}}`},
		{apperr.New(apperr.ErrAuth, "who"), 401, `{"error":{"code":"unauthorized","message":"who"}}`},
		{apperr.New(apperr.ErrTooLarge, "big"), 413, `{"error":{"code":"payload_too_large","message":"big"}}`},
		{apperr.New(apperr.ErrMediaType, "xml"), 415, `{"error":{"code":"unsupported_media_type","message":"xml"}}`},
		{errors.New("disk on fire at /secret/path"), 500, `{"error":{"code":"internal","message":"internal server error"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			var log strings.Builder
			h := server.New(server.Options{Backend: only(&fakeBackend{err: tt.err}), Auth: fakeAuth{}, ErrorLog: &log})
			code, body := do(t, h, "GET", "/v1/webhook_configs/whc_1", "", "")
			if code != tt.status || strings.TrimSpace(body) != tt.body {
				t.Fatalf("got %d %s, want %d %s", code, body, tt.status, tt.body)
			}
			if code == 500 && !strings.Contains(log.String(), "disk on fire") {
				t.Fatalf("500 details must be logged: %q", log.String())
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	h := server.New(server.Options{Backend: only(&fakeBackend{}), Auth: fakeAuth{}, MaxBodyBytes: 64})
	tests := []struct {
		name, contentType, body string
		status                  int
		want                    string
	}{
		{"ok", "application/json", `{"url":"https://x"}`, 201, `"url":"https://x"`},
		{"json suffix and params", "application/merge-patch+json; charset=utf-8", `{"url":"https://x"}`, 201, `"id":"whc_1"`},
		{"malformed", "application/json", `{"url":}`, 400, `malformed JSON at byte 8`},
		{"truncated", "application/json", `{"url":"x"`, 400, `malformed JSON: unexpected end of input`},
		{"unknown field", "application/json", `{"uri":"x"}`, 400, `unknown field \"uri\"`},
		{"wrong type", "application/json", `{"url":"x","disabled":"yes"}`, 400, `field \"disabled\" must be a boolean, not string`},
		{"not an object", "application/json", `["x"]`, 400, `request body must be a JSON object, not array`},
		{"trailing data", "application/json", `{"url":"x"} {}`, 400, `unexpected data after the JSON object`},
		{"empty", "application/json", ``, 400, `request body is empty`},
		{"no content type", "", `{"url":"x"}`, 415, `missing Content-Type`},
		{"form", "application/x-www-form-urlencoded", `url=x`, 415, `unsupported Content-Type`},
		{"too large", "application/json", `{"url":"` + strings.Repeat("a", 100) + `"}`, 413, `request body is larger than 64 bytes`},
		{"unknown query", "application/json", ``, 400, `unknown query parameter`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := "/v1/webhook_configs"
			if tt.name == "unknown query" {
				target += "?dry_run=1"
			}
			code, body := do(t, h, "POST", target, tt.contentType, tt.body)
			if code != tt.status || !strings.Contains(body, tt.want) {
				t.Fatalf("got %d %s, want %d containing %s", code, body, tt.status, tt.want)
			}
		})
	}
}

func TestRoutingErrorsAreJSON(t *testing.T) {
	h := server.New(server.Options{Backend: only(&fakeBackend{}), Auth: fakeAuth{}})
	code, body := do(t, h, "PUT", "/v1/webhook_configs/whc_1", "", "")
	if code != 405 || !strings.Contains(body, `"code":"method_not_allowed"`) || !strings.Contains(body, "GET or PATCH or DELETE") {
		t.Fatalf("405: %d %s", code, body)
	}
	code, body = do(t, h, "GET", "/v1/nothing", "", "")
	if code != 404 || !strings.Contains(body, `"code":"not_found"`) {
		t.Fatalf("404: %d %s", code, body)
	}
}

func TestSecretsOnlyWhenAsked(t *testing.T) {
	h := server.New(server.Options{Backend: only(&fakeBackend{}), Auth: fakeAuth{}})
	if _, body := do(t, h, "GET", "/v1/webhook_configs/whc_1", "", ""); strings.Contains(body, "shh") {
		t.Fatalf("secret shown without show_secret: %s", body)
	}
	if _, body := do(t, h, "GET", "/v1/webhook_configs/whc_1?show_secret=true", "", ""); !strings.Contains(body, `"secret":"shh"`) {
		t.Fatalf("secret not shown with show_secret: %s", body)
	}
	if code, body := do(t, h, "GET", "/v1/webhook_configs/whc_1?show_secret=please", "", ""); code != 400 {
		t.Fatalf("bad show_secret: %d %s", code, body)
	}
}

func TestAuthWithStoredKeys(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h := server.New(server.Options{Backend: only(&fakeBackend{}), Auth: &apikey.Authenticator{Store: s}})
	get := func(path string, header ...string) (int, string) {
		req := httptest.NewRequest("GET", path, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	if code, body := get("/v1/webhook_configs/whc_1"); code != 401 || !strings.Contains(body, "no API keys yet") {
		t.Fatalf("no keys: %d %s", code, body)
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Fatalf("healthz needs no key: %d", code)
	}
	key, k, err := apikey.Create(ctx, s, "ci", "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(key, "hk_") || len(key) != 55 || k.Tenant != "default" || !apikey.WellFormed(key) {
		t.Fatalf("key %q %+v", key, k)
	}
	for _, hdr := range [][]string{{"X-API-Key", key}, {"Authorization", "Bearer " + key}, {"Authorization", "bearer " + key}} {
		if code, body := get("/v1/webhook_configs/whc_1", hdr...); code != 200 {
			t.Fatalf("%s: %d %s", hdr[0], code, body)
		}
	}
	if code, body := get("/v1/webhook_configs/whc_1"); code != 401 || !strings.Contains(body, "missing API key") {
		t.Fatalf("missing: %d %s", code, body)
	}
	wrong := key[:len(key)-1] + "a"
	if wrong == key {
		wrong = key[:len(key)-1] + "b"
	}
	if code, body := get("/metrics", "X-API-Key", wrong); code != 401 || !strings.Contains(body, `"message":"invalid API key"`) {
		t.Fatalf("wrong: %d %s", code, body)
	}
	if _, err := s.RevokeAPIKey(ctx, k.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if code, body := get("/v1/webhook_configs/whc_1", "X-API-Key", key); code != 401 || !strings.Contains(body, "was revoked") {
		t.Fatalf("revoked: %d %s", code, body)
	}
	keys, err := s.ListAPIKeys(ctx)
	if err != nil || len(keys) != 1 || keys[0].LastUsedAt == nil || keys[0].RevokedAt == nil {
		t.Fatalf("list: %+v %v", keys, err)
	}
	if _, err := s.RevokeAPIKey(ctx, k.ID, time.Now()); !errors.Is(err, apperr.ErrConflict) {
		t.Fatalf("second revoke: %v", err)
	}
	if _, err := s.RevokeAPIKey(ctx, "key_nope", time.Now()); !errors.Is(err, apperr.ErrNotFound) {
		t.Fatalf("unknown revoke: %v", err)
	}
}

// TestGracefulShutdown: after cancel, an in-flight request still completes
// and Serve returns nil.
func TestGracefulShutdown(t *testing.T) {
	fb := &fakeBackend{entered: make(chan struct{}), block: make(chan struct{})}
	srv := server.New(server.Options{Backend: only(fb), Auth: fakeAuth{}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln, 10*time.Second) }()

	type result struct {
		code int
		err  error
	}
	got := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/v1/webhook_configs/whc_1", nil)
		req.Header.Set("X-API-Key", "good")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			got <- result{err: err}
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		got <- result{code: resp.StatusCode}
	}()
	wait := func(ch <-chan struct{}, what string) {
		select {
		case <-ch:
		case <-time.After(10 * time.Second):
			t.Fatalf("timed out waiting for %s", what)
		}
	}
	wait(fb.entered, "the request to reach the backend")
	cancel()
	close(fb.block)
	select {
	case r := <-got:
		if r.err != nil || r.code != 200 {
			t.Fatalf("in-flight request: %d %v", r.code, r.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("in-flight request did not finish")
	}
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Fatal("still accepting connections after shutdown")
	}
}

func TestMetricsText(t *testing.T) {
	m := server.NewMetrics()
	c := m.NewCounterVec("hookctl_deliveries_total", "Deliveries by outcome.", "outcome")
	c.Inc("succeeded")
	c.Add(2, `fa"iled`)
	m.NewGaugeFunc("hookctl_queue_depth", "Deliveries waiting.", func() float64 { return 3 })
	h := m.NewHistogramVec("x_seconds", "X.", []float64{0.1, 1}, "route")
	h.Observe(0.05, "/a")
	h.Observe(0.5, "/a")
	h.Observe(5, "/a")
	var b strings.Builder
	m.WriteText(&b)
	want := `# HELP hookctl_deliveries_total Deliveries by outcome.
# TYPE hookctl_deliveries_total counter
hookctl_deliveries_total{outcome="fa\"iled"} 2
hookctl_deliveries_total{outcome="succeeded"} 1
# HELP hookctl_queue_depth Deliveries waiting.
# TYPE hookctl_queue_depth gauge
hookctl_queue_depth 3
# HELP x_seconds X.
# TYPE x_seconds histogram
x_seconds_bucket{route="/a",le="0.1"} 1
x_seconds_bucket{route="/a",le="1"} 2
x_seconds_bucket{route="/a",le="+Inf"} 3
x_seconds_sum{route="/a"} 5.55
x_seconds_count{route="/a"} 3
`
	if b.String() != want {
		t.Fatalf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestServerMetricsHookForOtherParts(t *testing.T) {
	srv := server.New(server.Options{Backend: only(&fakeBackend{}), Auth: fakeAuth{}})
	srv.Metrics().NewGaugeFunc("hookctl_queue_depth", "Deliveries waiting.", func() float64 { return 7 })
	do(t, srv, "GET", "/v1/webhook_configs/whc_1", "", "")
	_, body := do(t, srv, "GET", "/metrics", "", "")
	for _, want := range []string{
		`hookctl_http_requests_total{method="GET",route="/v1/webhook_configs/{id}",code="200"} 1`,
		`hookctl_http_request_duration_seconds_count{method="GET",route="/v1/webhook_configs/{id}"} 1`,
		"hookctl_queue_depth 7",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
}

func TestUnknownRoutesNeedAKeyToo(t *testing.T) {
	h := server.New(server.Options{Backend: only(&fakeBackend{}), Auth: fakeAuth{}})
	for _, target := range []string{"/v1/nothing", "/"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
		if rec.Code != 401 {
			t.Errorf("GET %s without a key: %d, want 401", target, rec.Code)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("PUT", "/v1/webhook_configs", nil))
	if rec.Code != 401 {
		t.Errorf("PUT without a key: %d, want 401", rec.Code)
	}
}

// only serves one backend to every tenant (the fakes have no tenants).
func only(be backend.Backend) func(string) backend.Backend {
	return func(string) backend.Backend { return be }
}
