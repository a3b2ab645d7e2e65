package webhook

import (
	"net/http"
	"runtime/debug"
	"testing"

	"github.com/hookctl/hookctl/internal/cmdtest"
	"github.com/hookctl/hookctl/internal/leanhttp"
)

func TestRelaxGC(t *testing.T) {
	tests := []struct {
		name   string
		gogc   string // the environment variable
		start  int    // what the runtime made of it
		during int
	}{
		{"default GOGC is raised for the run", "", 100, loadGCPercent},
		{"a GOGC chosen by the user is kept", "150", 150, 150},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GOGC", tt.gogc)
			defer debug.SetGCPercent(debug.SetGCPercent(tt.start))
			restore := relaxGC()
			if got := gcPercent(); got != tt.during {
				t.Errorf("during the run GOGC = %d, want %d", got, tt.during)
			}
			restore()
			if got := gcPercent(); got != tt.start {
				t.Errorf("after the run GOGC = %d, want %d", got, tt.start)
			}
		})
	}
}

// gcPercent reads the current GOGC (SetGCPercent only returns it).
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

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
