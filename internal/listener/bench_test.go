package listener

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/store"
)

// The load figures of issue 4. Run them with
//
//	go test ./internal/listener -run TestLoadFigures -v -load
//
// or the benchmarks with go test ./internal/listener -bench . -benchmem.

var benchBody = []byte(`{"type":"device.enrolled","data":{"device":{"id":"d_123","os":"android","name":"Pixel 8"},"user":{"id":"u_9","email":"a@example.com"}},"created":1700000000}`)

const benchSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

func signedHeaders(tb testing.TB) http.Header {
	h, err := signature.Sign("standard", []signature.Secret{{Value: benchSecret}}, benchBody, signature.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	h.Set("Content-Type", "application/json")
	return h
}

// jsonLineSink does what the command's --format json output does: one line
// per request (model.ReceivedRequest.AppendJSONLine, the command's encoder),
// serialized by a mutex, written to w.
type jsonLineSink struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte
}

func (s *jsonLineSink) handle(e Event) {
	if e.Kind != KindRequest {
		return
	}
	s.mu.Lock()
	s.buf = e.Request.AppendJSONLine(s.buf[:0])
	s.w.Write(s.buf)
	s.mu.Unlock()
}

func serve(tb testing.TB, h http.Handler) string {
	tb.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Start()
	tb.Cleanup(srv.Close)
	return srv.URL
}

func fullListener(tb testing.TB, forward []string) *Listener {
	return recordingListener(tb, forward, false)
}

// recordingListener records into a real SQLite store through the local
// backend, as `webhook listen` does. async selects the behaviour before
// answers waited for the commit (issue 14 point 5), kept for comparison.
func recordingListener(tb testing.TB, forward []string, async bool) *Listener {
	tb.Helper()
	s, err := store.Open(context.Background(), tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	sink := &jsonLineSink{w: io.Discard}
	l, err := New(Config{Secrets: []signature.Secret{{Value: benchSecret}}, Recorder: &countingRecorder{r: backend.NewLocal(s, nil)}, OnEvent: sink.handle, ForwardTo: forward})
	if err != nil {
		tb.Fatal(err)
	}
	l.asyncRecord = async
	tb.Cleanup(l.Close)
	return l
}

func bare() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"message":"ok"}`+"\n")
	})
}

func client() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256
	return &http.Client{Transport: tr}
}

func post(tb testing.TB, c *http.Client, url string, h http.Header) {
	req, _ := http.NewRequest("POST", url, strings.NewReader(string(benchBody)))
	req.Header = h.Clone()
	resp, err := c.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		tb.Fatalf("status %d", resp.StatusCode)
	}
}

func benchThroughput(b *testing.B, url string) {
	c := client()
	h := signedHeaders(b)
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			post(b, c, url, h)
		}
	})
}

func BenchmarkBareServer(b *testing.B) { benchThroughput(b, serve(b, bare())) }

// BenchmarkListener: verify + classify + record (SQLite) + JSON line.
func BenchmarkListener(b *testing.B) { benchThroughput(b, serve(b, fullListener(b, nil))) }

// countingRecorder counts transactions and rows (rows per commit).
type countingRecorder struct {
	r           Recorder
	calls, rows atomic.Int64
}

func (c *countingRecorder) RecordRequests(ctx context.Context, reqs ...*model.ReceivedRequest) error {
	c.calls.Add(1)
	c.rows.Add(int64(len(reqs)))
	return c.r.RecordRequests(ctx, reqs...)
}

func rowsPerCommit(l *Listener) float64 {
	c := l.cfg.Recorder.(*countingRecorder)
	return float64(c.rows.Load()) / float64(max(1, c.calls.Load()))
}

// BenchmarkListenerRecord compares, side by side, answering after the
// commit (today) with answering at once and recording behind the sender's
// back (before issue 14): go test ./internal/listener -run XXX -bench ListenerRecord -count 5
func BenchmarkListenerRecord(b *testing.B) {
	for _, mode := range []struct {
		name  string
		async bool
	}{{"async-before", true}, {"after-commit", false}} {
		b.Run(mode.name, func(b *testing.B) {
			l := recordingListener(b, nil, mode.async)
			benchThroughput(b, serve(b, l))
			b.ReportMetric(rowsPerCommit(l), "rows/commit")
		})
	}
}

// BenchmarkListenerForward: the same plus a forward to a bare server.
func BenchmarkListenerForward(b *testing.B) {
	target := serve(b, bare())
	benchThroughput(b, serve(b, fullListener(b, []string{target})))
}

// loadFlag enables TestLoadFigures (it takes a few seconds).
var loadFlag = os.Getenv("HOOKCTL_LOAD") != ""

func init() {
	for _, a := range os.Args {
		if a == "-load" {
			loadFlag = true
		}
	}
}

// rps sends n requests with conc workers and returns requests per second.
func rps(t *testing.T, url string, n, conc int) float64 {
	c := client()
	h := signedHeaders(t)
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range conc {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				post(t, c, url, h)
			}
		})
	}
	wg.Wait()
	return float64(n) / time.Since(start).Seconds()
}

// latencies sends n sequential requests and returns sorted latencies.
func latencies(t *testing.T, url string, n int) []time.Duration {
	c := client()
	h := signedHeaders(t)
	out := make([]time.Duration, n)
	for i := range n {
		s := time.Now()
		post(t, c, url, h)
		out[i] = time.Since(s)
	}
	slices.Sort(out)
	return out
}

func pct(d []time.Duration, p float64) time.Duration { return d[int(float64(len(d)-1)*p)] }

// TestRecordThroughput prints, in one run, the listener's throughput with a
// real SQLite store answering after the commit against the asynchronous
// recording it replaced, in alternating rounds (-load, as TestLoadFigures).
func TestRecordThroughput(t *testing.T) {
	if !loadFlag {
		t.Skip("set HOOKCTL_LOAD=1 (or pass -load) to measure")
	}
	const rounds, n = 5, 10000
	for _, conc := range []int{1, 8, 32, 128} {
		al, sl := recordingListener(t, nil, true), recordingListener(t, nil, false)
		asyncURL, syncURL := serve(t, al), serve(t, sl)
		rps(t, asyncURL, 1000, conc) // warm up
		rps(t, syncURL, 1000, conc)
		var a, s []float64
		for range rounds {
			a = append(a, rps(t, asyncURL, n/max(1, 8/conc), conc))
			s = append(s, rps(t, syncURL, n/max(1, 8/conc), conc))
		}
		slices.Sort(a)
		slices.Sort(s)
		ma, ms := a[rounds/2], s[rounds/2]
		t.Logf("%3d concurrent senders, %d CPUs: async (before) %6.0f req/s, after commit %6.0f req/s: %.2fx (medians of %d rounds; rows/commit %.1f vs %.1f)",
			conc, runtime.NumCPU(), ma, ms, ms/ma, rounds, rowsPerCommit(al), rowsPerCommit(sl))
	}
}

// TestLoadFigures prints, in one run on this machine: requests per second
// through a bare net/http handler and through the listener (verify + record
// + JSON line), the latency forwarding adds (p50/p99, loopback), and the
// heap before and after 100,000 requests.
func TestLoadFigures(t *testing.T) {
	if !loadFlag {
		t.Skip("set HOOKCTL_LOAD=1 (or pass -load) to measure")
	}
	const n, conc = 20000, 32
	bareURL := serve(t, bare())
	lisURL := serve(t, fullListener(t, nil))
	rps(t, bareURL, 2000, conc) // warm up
	rps(t, lisURL, 2000, conc)
	bareRPS := rps(t, bareURL, n, conc)
	lisRPS := rps(t, lisURL, n, conc)
	t.Logf("throughput (%d requests, %d concurrent, %d CPUs): bare %.0f req/s, listener %.0f req/s (%.0f%%)",
		n, conc, runtime.NumCPU(), bareRPS, lisRPS, 100*lisRPS/bareRPS)

	// Forwarding overhead: direct to the target vs through a listener
	// that forwards there (no recording, to isolate the forward).
	target := serve(t, bare())
	fl, err := New(Config{ForwardTo: []string{target}})
	if err != nil {
		t.Fatal(err)
	}
	defer fl.Close()
	fwdURL := serve(t, fl)
	latencies(t, target, 500)
	latencies(t, fwdURL, 500)
	direct := latencies(t, target, 5000)
	via := latencies(t, fwdURL, 5000)
	t.Logf("forwarding latency (5000 sequential): direct p50 %v p99 %v; via listener p50 %v p99 %v; added p50 %v p99 %v",
		pct(direct, .5), pct(direct, .99), pct(via, .5), pct(via, .99), pct(via, .5)-pct(direct, .5), pct(via, .99)-pct(direct, .99))

	// Memory over 100,000 requests through the full listener.
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	memURL := serve(t, fullListener(t, nil))
	rps(t, memURL, 5000, conc)
	before := heap()
	rps(t, memURL, 100000, conc)
	after := heap()
	t.Logf("heap after GC: before %s, after 100,000 requests %s (%+.1f MiB)",
		FormatSize(int64(before)), FormatSize(int64(after)), (float64(after)-float64(before))/(1<<20))
	if lisRPS < bareRPS/2 {
		t.Logf("WARNING: listener below half the bare throughput")
	}
}
