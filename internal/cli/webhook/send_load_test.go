package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/cmdtest"
	"github.com/hookctl/hookctl/internal/leanhttp"
	"github.com/hookctl/hookctl/internal/loadgen"
)

func TestLoadClient(t *testing.T) {
	tests := []struct {
		name     string
		base     http.RoundTripper
		insecure bool
		lean     bool
	}{
		{"default transport: leanhttp in front of net/http", nil, false, true},
		{"--insecure keeps its TLS config in the fallback", nil, true, true},
		{"a custom round tripper is left alone", roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, nil }), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := cmdtest.New(t, false)
			env.Factory.HTTPClient = func() *http.Client { return &http.Client{Transport: tt.base} }
			opts := &SendOptions{Factory: env.Factory, Concurrency: 16, Insecure: tt.insecure}
			lt, ok := loadClient(opts).Transport.(*leanhttp.Transport)
			if ok != tt.lean {
				t.Fatalf("leanhttp used = %v, want %v", ok, tt.lean)
			}
			if !ok {
				return
			}
			fb, isHTTP := lt.Fallback.(*http.Transport)
			if !isHTTP || lt.MaxIdlePerHost != 16 {
				t.Fatalf("fallback %T, %d idle per host", lt.Fallback, lt.MaxIdlePerHost)
			}
			if skip := fb.TLSClientConfig != nil && fb.TLSClientConfig.InsecureSkipVerify; skip != tt.insecure {
				t.Errorf("fallback skips certificate checks = %v, want %v", skip, tt.insecure)
			}
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestNewLoadSummary: the printed summary is the engine's in milliseconds
// (to the microsecond), the rate to a tenth, status codes as strings.
func TestNewLoadSummary(t *testing.T) {
	r := loadgen.Summary{Sent: 7, Succeeded: 4, Failed: 2, Cancelled: 1, Requests: 9, Unexpected: 2, Concurrency: 3,
		Duration: 1500*time.Millisecond + 1234*time.Nanosecond, RequestsPerSec: 6.04,
		Latency:     loadgen.Latency{P50: 1500 * time.Microsecond, P95: 2 * time.Millisecond, P99: 3*time.Millisecond + 1234, Max: time.Second},
		StatusCodes: map[int]int{200: 4, 0: 1, 500: 1}, Errors: map[string]int{"connection refused": 1}}
	s := newLoadSummary(r, true)
	want := LoadSummary{Sent: 7, Succeeded: 4, Failed: 2, Cancelled: 1, Requests: 9, Concurrency: 3, DurationMS: 1500.001,
		RequestsPerSec: 6, LatencyMS: LatencySummary{P50: 1.5, P95: 2, P99: 3.001, Max: 1000},
		StatusCodes: map[string]int{"200": 4, "0": 1, "500": 1}, Errors: map[string]int{"connection refused": 1},
		Recorded: true, Unexpected: 2}
	got, _ := json.Marshal(s)
	exp, _ := json.Marshal(want)
	if string(got) != string(exp) {
		t.Errorf("summary\n got %s\nwant %s", got, exp)
	}
	if b, _ := json.Marshal(newLoadSummary(loadgen.Summary{}, false)); strings.Contains(string(b), "cancelled") {
		t.Errorf("cancelled shown although none were: %s", b)
	}
}

// TestLoadRunInterrupted: after Ctrl-C the summary is printed, the
// deliveries cut off are counted as cancelled (not failed, not in the
// status codes), all of them are recorded, and the error is ctx's (exit 130).
func TestLoadRunInterrupted(t *testing.T) {
	const served, conc = 3, 2
	var n atomic.Int32
	blocked := make(chan struct{}, conc)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) > served {
			blocked <- struct{}{}
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		w.Write([]byte(`{"message":"ok"}`))
	}))
	defer srv.Close()
	defer close(release)
	for _, format := range []string{"json", ""} {
		t.Run("output="+format, func(t *testing.T) {
			n.Store(0)
			env, _ := sendEnv(t)
			env.Factory.Globals.Output = format
			o := baseOpts(env)
			o.Type, o.To, o.Secret = "ping", srv.URL+"/hook", "s"
			o.Count, o.Concurrency = 50, conc
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() {
				for range conc {
					select {
					case <-blocked:
					case <-time.After(10 * time.Second):
						t.Error("the receiver never saw the blocked requests")
					}
				}
				cancel()
			}()
			err := sendRun(ctx, o)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
			out := env.Out.String()
			if format == "json" {
				var s LoadSummary
				if err := json.Unmarshal([]byte(out), &s); err != nil {
					t.Fatalf("%v:\n%s", err, out)
				}
				if s.Sent != served+conc || s.Succeeded != served || s.Failed != 0 || s.Cancelled != conc ||
					len(s.StatusCodes) != 1 || s.StatusCodes["200"] != served {
					t.Errorf("summary %+v", s)
				}
			} else if !strings.Contains(out, "Cancelled  2\n") || !strings.Contains(out, "Failed     0\n") || !strings.Contains(out, "Status     200×3\n") {
				t.Errorf("summary:\n%s", out)
			}
			list, _ := env.Local.ListDeliveries(context.Background(), backend.ListDeliveriesParams{})
			if list.Total != served+conc || list.Succeeded != served {
				t.Errorf("recorded %d (%d succeeded), want %d (%d)", list.Total, list.Succeeded, served+conc, served)
			}
		})
	}
}
