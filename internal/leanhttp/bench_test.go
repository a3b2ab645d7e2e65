package leanhttp

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkRoundTrip sends signed-webhook-sized POSTs from 64 goroutines
// to a local server through this Transport and through net/http's, side by
// side. Client and server share the CPUs, as in a load run.
func BenchmarkRoundTrip(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"message":"ok"}`+"\n")
	}))
	defer srv.Close()
	body := strings.Repeat("x", 900)
	hdr := http.Header{"Content-Type": {"application/json"}, "User-Agent": {"hookctl/bench"},
		"X-Request-Id": {"01a20ac8-f2ee-749e-a19d-4bee7d0f6912"}, "X-Sf-Signature": {strings.Repeat("a", 64)}}
	for _, tc := range []struct {
		name string
		tr   func() http.RoundTripper
	}{
		{"leanhttp", func() http.RoundTripper {
			return &Transport{Fallback: http.DefaultTransport, MaxIdlePerHost: 64}
		}},
		{"net-http", func() http.RoundTripper {
			return &http.Transport{MaxIdleConns: 128, MaxIdleConnsPerHost: 64}
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			tr := tc.tr()
			defer tr.(interface{ CloseIdleConnections() }).CloseIdleConnections()
			b.ReportAllocs()
			b.SetParallelism(32) // 64 senders on 2 CPUs
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req := post(b, context.Background(), srv.URL+"/hook", body, hdr)
					resp, err := tr.RoundTrip(req)
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
		})
	}
}
