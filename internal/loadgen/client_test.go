package loadgen

import (
	"context"
	"errors"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/dispatch"
	"github.com/hookctl/hookctl/internal/leanhttp"
)

func TestLeanClient(t *testing.T) {
	custom := &fakeRoundTripper{}
	tests := []struct {
		name     string
		base     http.RoundTripper
		maxIdle  int
		lean     bool
		wantIdle int
	}{
		{"an http.Transport gets leanhttp in front", &http.Transport{}, 16, true, 16},
		{"at least two idle connections per host", &http.Transport{}, 1, true, 2},
		{"a custom round tripper is left alone", custom, 16, false, 0},
		{"so is a nil transport (the caller resolves the default)", nil, 16, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := &http.Client{Transport: tt.base, Timeout: time.Minute}
			c := LeanClient(base, tt.maxIdle)
			lt, ok := c.Transport.(*leanhttp.Transport)
			if ok != tt.lean {
				t.Fatalf("leanhttp used = %v, want %v", ok, tt.lean)
			}
			if base.Transport != tt.base {
				t.Error("the client given was modified")
			}
			if !ok {
				return
			}
			if lt.Fallback != tt.base || lt.MaxIdlePerHost != tt.wantIdle || c.Timeout != time.Minute {
				t.Errorf("fallback %T, %d idle per host, timeout %v", lt.Fallback, lt.MaxIdlePerHost, c.Timeout)
			}
		})
	}
}

type fakeRoundTripper struct{}

func (*fakeRoundTripper) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("test")
}

// TestLeanHTTPFence: leanhttp is measured for load mode's plain-http POSTs
// only; no package but this one uses it (tests may).
func TestLeanHTTPFence(t *testing.T) {
	const lean = "github.com/hookctl/hookctl/internal/leanhttp"
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		if strings.HasSuffix(dir, "internal/loadgen") || strings.HasSuffix(dir, "internal/leanhttp") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return nil // a file someone is editing; the build reports it
		}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == lean {
				t.Errorf("%s imports leanhttp: it is for load mode only (use loadgen.LeanClient)", path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestRunThroughTheDispatcher: the engine with the real dispatcher and the
// lean client against a receiver that answers the first requests and holds
// the rest until ctx is cancelled (Ctrl-C): those are counted as
// cancelled, and the run says what was done.
func TestRunThroughTheDispatcher(t *testing.T) {
	const answered, conc = 5, 3
	arrived := make(chan struct{}, conc)
	release := make(chan struct{})
	defer close(release)
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if n.Add(1) > answered {
			arrived <- struct{}{}
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		_, _ = io.WriteString(w, `{"message":"ok"}`)
	}))
	defer srv.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	d := dispatch.New(LeanClient(&http.Client{Transport: tr}, conc), nil)
	d.Sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for range conc {
			select {
			case <-arrived:
			case <-time.After(waitFor):
				t.Error("the held requests never arrived")
			}
		}
		cancel()
	}()
	s, err := Run(ctx, Config{Deliver: d.Deliver, Event: dispatch.Event{Type: "ping", Body: []byte(`{}`)},
		Targets: []dispatch.Target{{URL: srv.URL + "/hook"}}, Count: 1000, Concurrency: conc, KeepGC: true})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if s.Sent != answered+conc || s.Succeeded != answered || s.Failed != 0 || s.Cancelled != conc || s.Requests != answered+conc {
		t.Errorf("summary %+v", s)
	}
	if len(s.StatusCodes) != 1 || s.StatusCodes[200] != answered || s.Errors != nil {
		t.Errorf("status codes %v, errors %v", s.StatusCodes, s.Errors)
	}
}
