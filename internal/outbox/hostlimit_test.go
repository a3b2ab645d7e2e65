package outbox_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/dispatch"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/outbox"
	"github.com/hookctl/hookctl/internal/store"
)

// run starts an outbox over a new store in dir; stop shuts both down.
func run(tb testing.TB, dir string, o outbox.Options) (ob *outbox.Outbox, stop func()) {
	tb.Helper()
	st, err := store.Open(context.Background(), dir)
	if err != nil {
		tb.Fatal(err)
	}
	ob, err = outbox.New(context.Background(), st, o)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ob.Run(ctx, 5*time.Second) }()
	return ob, func() {
		cancel()
		if err := <-done; err != nil {
			tb.Error(err)
		}
		st.Close()
	}
}

// blockingReceiver answers once release is closed; arrived gets a value
// per request as it arrives, and maxInFlight is the most requests it held
// at once.
type blockingReceiver struct {
	*httptest.Server
	arrived     chan struct{}
	release     chan struct{}
	inFlight    atomic.Int64
	maxInFlight atomic.Int64
}

func newBlockingReceiver(t testing.TB, release chan struct{}) *blockingReceiver {
	r := &blockingReceiver{arrived: make(chan struct{}, 100), release: release}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		n := r.inFlight.Add(1)
		defer r.inFlight.Add(-1)
		for {
			m := r.maxInFlight.Load()
			if n <= m || r.maxInFlight.CompareAndSwap(m, n) {
				break
			}
		}
		r.arrived <- struct{}{}
		select {
		case <-r.release:
		case <-req.Context().Done():
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.Close)
	return r
}

func waitFor(t testing.TB, c <-chan struct{}, n int, what string) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for i := range n {
		select {
		case <-c:
		case <-deadline:
			t.Fatalf("%s: %d of %d after 20s", what, i, n)
		}
	}
}

func job(url string) outbox.Job {
	return outbox.Job{Tenant: "default",
		Event:  dispatch.Event{Type: "ping", Body: []byte(`{"type":"ping"}`)},
		Target: dispatch.Target{URL: url},
		Policy: dispatch.Policy{Retries: -1, Timeout: time.Minute},
	}
}

// Deliveries stuck on a slow host hold at most PerHostConcurrency
// attempts, and a delivery to another host completes while they are stuck,
// with the default 4 workers.
func TestSlowHostDoesNotDelayOthers(t *testing.T) {
	release := make(chan struct{})
	slow := newBlockingReceiver(t, release)
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()
	fast := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) }))
	defer fast.Close()

	succeeded := make(chan struct{}, 100)
	ob, stop := run(t, t.TempDir(), outbox.Options{Workers: 4, OnAttempt: func(o string, _ time.Duration) {
		if o == model.DeliverySucceeded {
			succeeded <- struct{}{}
		}
	}})
	defer stop()
	ctx := context.Background()

	var slowJobs []outbox.Job
	for range 6 {
		slowJobs = append(slowJobs, job(slow.URL+"/slow"))
	}
	if _, err := ob.Enqueue(ctx, slowJobs); err != nil {
		t.Fatal(err)
	}
	waitFor(t, slow.arrived, 4, "attempts arrived at the slow receiver")

	if _, err := ob.Enqueue(ctx, []outbox.Job{job(fast.URL + "/fast")}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, succeeded, 1, "the delivery to the fast receiver")
	if n := slow.inFlight.Load(); n != 4 {
		t.Fatalf("%d attempts held by the slow receiver while the fast one was delivered, want 4", n)
	}

	close(release)
	waitFor(t, succeeded, 6, "the slow deliveries after release")
	if m := slow.maxInFlight.Load(); m != 4 {
		t.Fatalf("at most %d attempts in flight to the slow host, want 4 (PerHostConcurrency)", m)
	}
}

// PerHostConcurrency 1: one host's deliveries go one at a time.
func TestPerHostConcurrencyOne(t *testing.T) {
	release := make(chan struct{})
	slow := newBlockingReceiver(t, release)
	succeeded := make(chan struct{}, 100)
	ob, stop := run(t, t.TempDir(), outbox.Options{Workers: 8, PerHostConcurrency: 1, OnAttempt: func(o string, _ time.Duration) {
		if o == model.DeliverySucceeded {
			succeeded <- struct{}{}
		}
	}})
	defer stop()
	if _, err := ob.Enqueue(context.Background(), []outbox.Job{job(slow.URL + "/a"), job(slow.URL + "/b"), job(slow.URL + "/c")}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, slow.arrived, 1, "first attempt")
	close(release)
	waitFor(t, succeeded, 3, "deliveries")
	if m := slow.maxInFlight.Load(); m != 1 {
		t.Fatalf("%d attempts in flight to one host, want 1", m)
	}
}

// BenchmarkFastBesideStuck measures the latency of a delivery to a fast
// receiver (enqueue → recorded success) while 4 deliveries are stuck on
// an endpoint that takes 25 s to answer, with the default 4 workers.
//
//	go test ./internal/outbox -run '^$' -bench FastBesideStuck -benchtime 200x
func BenchmarkFastBesideStuck(b *testing.B) {
	stopSlow := make(chan struct{})
	var once sync.Once
	unstick := func() { once.Do(func() { close(stopSlow) }) }
	arrived := make(chan struct{}, 4)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-time.After(25 * time.Second):
		case <-stopSlow:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer unstick()
	fast := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) }))
	defer fast.Close()

	succeeded := make(chan struct{}, 16)
	ob, stop := run(b, b.TempDir(), outbox.Options{OnAttempt: func(o string, _ time.Duration) {
		if o == model.DeliverySucceeded {
			succeeded <- struct{}{}
		}
	}})
	defer stop()
	defer unstick() // before stop: the stuck attempts must end for Run to return
	ctx := context.Background()
	var stuck []outbox.Job
	for range 4 {
		j := job(slow.URL + "/slow")
		j.Policy.Timeout = 30 * time.Second
		stuck = append(stuck, j)
	}
	if _, err := ob.Enqueue(ctx, stuck); err != nil {
		b.Fatal(err)
	}
	waitFor(b, arrived, 4, "stuck attempts")
	var worst time.Duration
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		if _, err := ob.Enqueue(ctx, []outbox.Job{job(fast.URL + "/fast")}); err != nil {
			b.Fatal(err)
		}
		waitFor(b, succeeded, 1, "fast delivery")
		worst = max(worst, time.Since(t0))
	}
	b.StopTimer()
	b.ReportMetric(float64(worst.Microseconds())/1000, "worst-ms")
}
