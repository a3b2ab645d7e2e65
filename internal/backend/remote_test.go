package backend_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
)

func TestRemoteMapsErrorResponses(t *testing.T) {
	tests := []struct {
		status int
		body   string
		kind   error
		msg    string
	}{
		{404, `{"error":{"code":"not_found","message":"no webhook config x"}}`, apperr.ErrNotFound, "no webhook config x"},
		{409, `{"error":{"code":"conflict","message":"dup"}}`, apperr.ErrConflict, "dup"},
		{400, `{"error":{"code":"bad_request","message":"bad"}}`, apperr.ErrUsage, "bad"},
		{422, `{"error":{"code":"invalid","message":"nope"}}`, apperr.ErrInvalid, "nope"},
		{401, `{"error":{"code":"unauthorized","message":"invalid API key"}}`, apperr.ErrAuth, "invalid API key (the key in HOOKCTL_API_KEY was refused"},
		{404, `<html>not json</html>`, apperr.ErrNotFound, "answered 404 Not Found"},
		{502, `bad gateway`, nil, "answered 502 Bad Gateway"},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("X-API-Key") != "hk_k" {
					t.Errorf("key header = %q", r.Header.Get("X-API-Key"))
				}
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			}))
			defer ts.Close()
			r, err := backend.NewRemote(ts.URL, "hk_k", nil)
			if err != nil {
				t.Fatal(err)
			}
			_, err = r.GetWebhookConfig(context.Background(), "x")
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v, want %q", err, tt.msg)
			}
			if tt.kind != nil && !errors.Is(err, tt.kind) {
				t.Fatalf("err = %v, want kind %v", err, tt.kind)
			}
			for _, k := range []error{apperr.ErrNotFound, apperr.ErrUsage, apperr.ErrAuth} {
				if tt.kind == nil && errors.Is(err, k) {
					t.Fatalf("a 5xx must be a plain failure, got kind %v", k)
				}
			}
		})
	}
}

func TestRemoteServerDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	r, err := backend.NewRemote("http://"+addr, "hk_k", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.ListWebhookConfigs(context.Background(), backend.ListWebhookConfigsParams{})
	want := "cannot reach the hookctl server at http://" + addr + ": connection refused; is `hookctl serve` running?"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
}

func TestNewRemoteRejectsBadURLs(t *testing.T) {
	for _, u := range []string{"", "127.0.0.1:8787", "ftp://x", "http://"} {
		if _, err := backend.NewRemote(u, "k", nil); !errors.Is(err, apperr.ErrUsage) {
			t.Errorf("NewRemote(%q) = %v, want usage error", u, err)
		}
	}
}

func TestDurationJSON(t *testing.T) {
	for in, want := range map[string]string{`"24h"`: "24h0m0s", `90`: "1m30s", `0`: "0s", `"0s"`: "0s"} {
		var d backend.Duration
		if err := d.UnmarshalJSON([]byte(in)); err != nil {
			t.Fatal(err)
		}
		b, _ := d.MarshalJSON()
		if string(b) != `"`+want+`"` {
			t.Errorf("%s → %s, want %q", in, b, want)
		}
	}
	var d backend.Duration
	if err := d.UnmarshalJSON([]byte(`"soon"`)); err == nil {
		t.Error("want an error for a bad duration")
	}
}
