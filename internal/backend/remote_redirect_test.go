package backend_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hookctl/hookctl/internal/backend"
)

// TestRemoteRedirects: a redirect within the server's origin is followed; one
// to another origin (here another port on 127.0.0.1) is not, the key never
// reaches it, and the error names both URLs and HOOKCTL_API_URL.
func TestRemoteRedirects(t *testing.T) {
	var otherHits atomic.Int32
	var otherKey atomic.Value
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherHits.Add(1)
		otherKey.Store(r.Header.Get("X-API-Key"))
		w.Write([]byte(`{"id":"whc_other"}`))
	}))
	defer other.Close()
	otherTLS := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherHits.Add(1)
		w.Write([]byte(`{"id":"whc_other"}`))
	}))
	defer otherTLS.Close()

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-API-Key") != "hk_k" {
			t.Errorf("key = %q", r.Header.Get("X-API-Key"))
		}
		switch {
		case r.URL.Path == "/v1/webhook_configs/same":
			http.Redirect(w, r, "/moved/v1/webhook_configs/same", http.StatusTemporaryRedirect)
		case strings.HasPrefix(r.URL.Path, "/moved/"):
			w.Write([]byte(`{"id":"whc_same"}`))
		case r.URL.Path == "/v1/webhook_configs/port":
			http.Redirect(w, r, other.URL+r.URL.Path, http.StatusMovedPermanently)
		case r.URL.Path == "/v1/webhook_configs/scheme":
			http.Redirect(w, r, otherTLS.URL+r.URL.Path, http.StatusFound)
		case r.URL.Path == "/v1/relay/hks_t":
			http.Redirect(w, r, other.URL+r.URL.Path, http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	// The caller's client is not changed (the factory shares it with sends).
	shared := &http.Client{}
	r, err := backend.NewRemote(srv.URL, "hk_k", shared)
	if err != nil {
		t.Fatal(err)
	}
	if shared.CheckRedirect != nil {
		t.Fatal("NewRemote changed the caller's client")
	}
	ctx := context.Background()

	c, err := r.GetWebhookConfig(ctx, "same")
	if err != nil || c.ID != "whc_same" {
		t.Fatalf("same-origin redirect: %v, %+v", err, c)
	}

	for _, id := range []string{"port", "scheme"} {
		_, err = r.GetWebhookConfig(ctx, id)
		var re *backend.RedirectError
		if !errors.As(err, &re) {
			t.Fatalf("%s: err = %v, want a *RedirectError", id, err)
		}
		msg := err.Error()
		for _, want := range []string{srv.URL + "/v1/webhook_configs/" + id, "/v1/webhook_configs/" + id, "HOOKCTL_API_URL", "not followed"} {
			if !strings.Contains(msg, want) {
				t.Errorf("%s: error %q does not name %q", id, msg, want)
			}
		}
		if !strings.Contains(msg, other.URL) && !strings.Contains(msg, otherTLS.URL) {
			t.Errorf("%s: error %q does not name the target", id, msg)
		}
	}

	resp, err := r.OpenRelay(ctx, "hks_t", -1)
	if err == nil {
		resp.Body.Close()
		t.Fatal("relay followed a redirect to another origin")
	}
	var re *backend.RedirectError
	if !errors.As(err, &re) {
		t.Fatalf("relay: err = %v, want a *RedirectError", err)
	}
	if n := otherHits.Load(); n != 0 {
		t.Fatalf("the other origin got %d requests (key %q)", n, otherKey.Load())
	}
}

// TestRemoteShowSecretOnlyWhenAsked: show_secret=true goes out only under
// backend.WithShowSecret.
func TestRemoteShowSecretOnlyWhenAsked(t *testing.T) {
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		queries = append(queries, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
		if strings.HasSuffix(r.URL.Path, "/webhook_configs") {
			w.Write([]byte(`{"data":[]}`))
			return
		}
		w.Write([]byte(`{"id":"whc_1"}`))
	}))
	defer srv.Close()
	r, err := backend.NewRemote(srv.URL, "hk_k", nil)
	if err != nil {
		t.Fatal(err)
	}
	plain, secret := context.Background(), backend.WithShowSecret(context.Background())
	url := "https://x.example"
	for _, ctx := range []context.Context{plain, secret} {
		if _, err := r.GetWebhookConfig(ctx, "whc_1"); err != nil {
			t.Fatal(err)
		}
		if _, err := r.ListWebhookConfigs(ctx, backend.ListWebhookConfigsParams{Event: "a"}); err != nil {
			t.Fatal(err)
		}
		if _, err := r.UpdateWebhookConfig(ctx, "whc_1", backend.UpdateWebhookConfigParams{URL: &url}); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{
		"GET /v1/webhook_configs/whc_1?",
		"GET /v1/webhook_configs?event=a",
		"PATCH /v1/webhook_configs/whc_1?",
		"GET /v1/webhook_configs/whc_1?show_secret=true",
		"GET /v1/webhook_configs?event=a&show_secret=true",
		"PATCH /v1/webhook_configs/whc_1?show_secret=true",
	}
	if strings.Join(queries, "\n") != strings.Join(want, "\n") {
		t.Fatalf("requests:\n%s\nwant:\n%s", strings.Join(queries, "\n"), strings.Join(want, "\n"))
	}
}
