package webhook

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"os"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/dispatch"
	"github.com/hookctl/hookctl/internal/leanhttp"
	"github.com/hookctl/hookctl/internal/model"
)

// LoadSummary is what load mode (--count > 1) prints.
type LoadSummary struct {
	Sent           int            `json:"sent"`
	Succeeded      int            `json:"succeeded"`
	Failed         int            `json:"failed"`
	Requests       int            `json:"requests"` // HTTP requests, retries included
	Concurrency    int            `json:"concurrency"`
	DurationMS     float64        `json:"duration_ms"`
	RequestsPerSec float64        `json:"requests_per_sec"`
	LatencyMS      LatencySummary `json:"latency_ms"`
	StatusCodes    map[string]int `json:"status_codes"` // final status ("0" = no response) → deliveries
	Errors         map[string]int `json:"errors,omitempty"`
	Recorded       bool           `json:"recorded"`
	Unexpected     int            `json:"unexpected,omitempty"` // deliveries not meeting --expect-status
}

// LatencySummary holds percentiles of request latency in milliseconds.
type LatencySummary struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// loadWorker accumulates results without locks; merged at the end.
type loadWorker struct {
	latencies []time.Duration
	sent      int
	succeeded int
	failed    int
	requests  int
	codes     map[int]int
	errors    map[string]int
	unexpect  int
}

func loadRun(ctx context.Context, opts *SendOptions, ev dispatch.Event, targets []dispatch.Target) error {
	f := opts.Factory
	defer relaxGC()()
	var batch *dispatch.BatchRecorder
	var rec dispatch.Recorder
	if !opts.Mock {
		be, err := f.Backend()
		if err != nil {
			return err
		}
		batch = dispatch.NewBatchRecorder(be.SaveDeliveries, 500, 0)
		rec = batch
	}
	d := newDispatcher(opts, loadClient(opts), rec)

	// Tickets: with --rate, a ticker hands them out; otherwise an atomic counter.
	var next atomic.Int64
	var tickets chan struct{}
	rctx, stopRate := context.WithCancel(ctx)
	defer stopRate()
	if opts.Rate > 0 {
		tickets = make(chan struct{})
		interval := time.Duration(float64(time.Second) / opts.Rate)
		go func() {
			defer close(tickets)
			t := time.NewTicker(max(interval, time.Microsecond))
			defer t.Stop()
			for i := 0; i < opts.Count; i++ {
				select {
				case tickets <- struct{}{}:
				case <-rctx.Done():
					return
				}
				if i < opts.Count-1 {
					select {
					case <-t.C:
					case <-rctx.Done():
						return
					}
				}
			}
		}()
	}
	take := func() (int, bool) {
		if tickets != nil {
			if _, ok := <-tickets; !ok {
				return 0, false
			}
		}
		i := int(next.Add(1) - 1)
		return i, i < opts.Count && ctx.Err() == nil
	}

	workers := make([]*loadWorker, min(opts.Concurrency, opts.Count))
	start := time.Now()
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for w := range workers {
		lw := &loadWorker{codes: map[int]int{}, errors: map[string]int{}, latencies: make([]time.Duration, 0, opts.Count/len(workers)+1)}
		workers[w] = lw
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i, ok := take()
				if !ok {
					return
				}
				del, err := d.Deliver(ctx, ev, targets[i%len(targets)])
				if del == nil {
					if err != nil && firstErr.Load() == nil {
						firstErr.Store(err)
						stopRate()
					}
					return
				}
				lw.sent++
				for _, a := range del.Attempts {
					lw.requests++
					lw.latencies = append(lw.latencies, a.Latency)
				}
				if del.State == model.DeliverySucceeded {
					lw.succeeded++
				} else {
					lw.failed++
					if a := del.LastAttempt(); a != nil && a.Error != "" {
						lw.errors[shortError(a.Error)]++
					}
				}
				lw.codes[del.StatusCode]++
				if opts.Expect != nil && !opts.Expect.Match(del.StatusCode) {
					lw.unexpect++
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	var recErr error
	if batch != nil {
		recErr = batch.Close()
	}
	if v := firstErr.Load(); v != nil {
		return v.(error)
	}
	if recErr != nil {
		return fmt.Errorf("recording deliveries: %w", recErr)
	}

	s := summarize(workers, elapsed)
	s.Concurrency = len(workers)
	s.Recorded = !opts.Mock
	if err := renderLoadSummary(opts, s); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if opts.Expect != nil {
		if s.Unexpected > 0 {
			return apperr.New(apperr.ErrExpectation, "expected status %s, but %d of %d deliveries ended otherwise", opts.Expect, s.Unexpected, s.Sent)
		}
		return nil
	}
	if s.Failed > 0 {
		return fmt.Errorf("%d of %d deliveries failed", s.Failed, s.Sent)
	}
	return nil
}

// loadClient is httpClient with leanhttp in front of its transport: plain
// http keep-alive POSTs make the whole round trip on the sender's goroutine
// (in BenchmarkRoundTrip 1.5x the rate of net/http's transport, with 53
// instead of 82 allocations); https and proxied requests go through
// net/http as before.
func loadClient(opts *SendOptions) *http.Client {
	client := httpClient(opts)
	if tr, ok := client.Transport.(*http.Transport); ok {
		client.Transport = &leanhttp.Transport{Fallback: tr, Proxy: tr.Proxy, DialContext: tr.DialContext,
			MaxIdlePerHost: max(opts.Concurrency, 2)}
	}
	return client
}

// loadGCPercent is the GOGC of load mode. Sending allocates at a high rate
// while the live heap stays small (counters, latencies, a bounded queue of
// deliveries to record), so with the default GOGC of 100 the collector runs
// hundreds of times a second. Letting the heap grow to five times the live
// set instead of twice raised requests/s by about 15% (recorded and --mock)
// on 2 CPUs in scripts/bench-send.sh, for ~15 MB more memory (maximum RSS
// 35 -> 48 MB for 20,000 recorded deliveries, 40 -> 54 MB for 100,000).
const loadGCPercent = 400

// relaxGC sets loadGCPercent unless the user chose a GOGC, and returns the
// function that restores the previous setting.
func relaxGC() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	prev := debug.SetGCPercent(loadGCPercent)
	return func() { debug.SetGCPercent(prev) }
}

func shortError(e string) string {
	if len(e) > 120 {
		return e[:120] + "…"
	}
	return e
}

func summarize(workers []*loadWorker, elapsed time.Duration) *LoadSummary {
	s := &LoadSummary{StatusCodes: map[string]int{}, Errors: map[string]int{}, DurationMS: ms(elapsed)}
	var all []time.Duration
	for _, w := range workers {
		s.Sent += w.sent
		s.Succeeded += w.succeeded
		s.Failed += w.failed
		s.Requests += w.requests
		s.Unexpected += w.unexpect
		all = append(all, w.latencies...)
		for c, n := range w.codes {
			s.StatusCodes[strconv.Itoa(c)] += n
		}
		for e, n := range w.errors {
			s.Errors[e] += n
		}
	}
	if len(s.Errors) == 0 {
		s.Errors = nil
	}
	if elapsed > 0 {
		s.RequestsPerSec = math.Round(float64(s.Requests)/elapsed.Seconds()*10) / 10
	}
	slices.Sort(all)
	s.LatencyMS = LatencySummary{P50: ms(percentile(all, 50)), P95: ms(percentile(all, 95)), P99: ms(percentile(all, 99))}
	if len(all) > 0 {
		s.LatencyMS.Max = ms(all[len(all)-1])
	}
	return s
}

// percentile uses the nearest-rank method over sorted values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

func ms(d time.Duration) float64 { return math.Round(float64(d.Microseconds())) / 1000 }

func renderLoadSummary(opts *SendOptions, s *LoadSummary) error {
	f := opts.Factory
	if f.Globals.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams, s, f.Globals.Query)
	}
	st := f.IOStreams.Styles()
	var b strings.Builder
	row := func(k, v string) { fmt.Fprintf(&b, "%s %s\n", st.Key.Render(fmt.Sprintf("%-10s", k)), v) }
	row("Sent", fmt.Sprintf("%d deliveries, %d requests, concurrency %d", s.Sent, s.Requests, s.Concurrency))
	row("Succeeded", strconv.Itoa(s.Succeeded))
	row("Failed", strconv.Itoa(s.Failed))
	row("Duration", fmt.Sprintf("%.3fs", s.DurationMS/1000))
	row("Rate", fmt.Sprintf("%.1f requests/s", s.RequestsPerSec))
	row("Latency", fmt.Sprintf("p50 %.3fms  p95 %.3fms  p99 %.3fms  max %.3fms", s.LatencyMS.P50, s.LatencyMS.P95, s.LatencyMS.P99, s.LatencyMS.Max))
	codes := make([]string, 0, len(s.StatusCodes))
	for c := range s.StatusCodes {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	var parts []string
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%s×%d", c, s.StatusCodes[c]))
	}
	row("Status", strings.Join(parts, "  "))
	for e, n := range s.Errors {
		row("Error", fmt.Sprintf("%d× %s", n, e))
	}
	if !s.Recorded {
		row("Recorded", "no (--mock)")
	}
	_, err := fmt.Fprint(f.IOStreams.Out, b.String())
	return err
}
