// Package loadgen is the load generator behind `webhook send --count N`:
// a fixed number of workers take tickets (as fast as they can, or handed
// out at --rate by a ticker), deliver one event per ticket to the targets
// in turn, and count the outcomes without locks; Run merges the counts
// into a Summary. It never prints and records nothing itself: the caller
// gives it the deliver function (a dispatch.Dispatcher's Deliver, whose
// Recorder decides what is kept) and renders the Summary.
//
// The package also owns the two settings that are only worth their cost
// under load: the garbage collector's target (see GCPercent) and the lean
// HTTP client (see LeanClient), which is used nowhere else.
package loadgen

import (
	"context"
	"errors"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookctl/hookctl/internal/dispatch"
	"github.com/hookctl/hookctl/internal/model"
)

// DeliverFunc sends one event to one target and returns the delivery in
// its final state, as dispatch.(*Dispatcher).Deliver does: a nil delivery
// with an error means nothing could be sent (a bad URL, no usable secret)
// and stops the run.
type DeliverFunc func(ctx context.Context, ev dispatch.Event, t dispatch.Target) (*model.Delivery, error)

// Config describes one run.
type Config struct {
	Deliver     DeliverFunc
	Event       dispatch.Event
	Targets     []dispatch.Target // delivery i goes to Targets[i%len(Targets)]
	Count       int               // deliveries to make
	Concurrency int               // workers; at most Count are started
	Rate        float64           // deliveries started per second; 0 = as fast as possible
	// Expect, if set, is asked about the final status of every completed
	// delivery; Summary.Unexpected counts the ones it refuses.
	Expect func(status int) bool
	// Ticker makes the ticker that paces --rate; nil means time.NewTicker.
	// Tests pass a fake one and tick it themselves.
	Ticker func(d time.Duration) (ticks <-chan time.Time, stop func())
	// KeepGC leaves the garbage collector's setting alone (see GCPercent).
	KeepGC bool
	// Progress, if set, is called after every delivery with the counts so
	// far, from the worker that made it: concurrently, so it must be safe
	// for concurrent use and cheap (a renderer throttles its refreshes).
	// Without it the workers share no counters.
	Progress func(Progress)
}

// Progress is a snapshot of a run under way: every delivery handed to
// Deliver so far that has ended, by outcome, as in Summary (Sent is their
// sum), and Count, the deliveries the run will make in all.
type Progress struct {
	Count     int
	Sent      int
	Succeeded int
	Failed    int
	Cancelled int
}

// counters are the shared counts behind Config.Progress.
type counters struct {
	succeeded, failed, cancelled atomic.Int64
}

// outcome is how a delivery ended.
type outcome int

const (
	outSucceeded outcome = iota
	outFailed
	outCancelled
)

func (c *counters) add(o outcome) {
	switch o {
	case outSucceeded:
		c.succeeded.Add(1)
	case outFailed:
		c.failed.Add(1)
	default:
		c.cancelled.Add(1)
	}
}

func (c *counters) snapshot(count int) Progress {
	p := Progress{Count: count, Succeeded: int(c.succeeded.Load()), Failed: int(c.failed.Load()), Cancelled: int(c.cancelled.Load())}
	p.Sent = p.Succeeded + p.Failed + p.Cancelled
	return p
}

// Summary is what a run did. Every delivery handed to Deliver ends in
// exactly one of Succeeded, Failed and Cancelled (so Sent is their sum);
// StatusCodes, Errors and Unexpected cover the completed ones (succeeded
// or failed), not the cancelled ones.
type Summary struct {
	Sent        int
	Succeeded   int
	Failed      int
	Cancelled   int // cut off by the cancellation of ctx (Ctrl-C)
	Requests    int // HTTP requests, retries and cancelled ones included
	Unexpected  int // completed deliveries whose final status Expect refused
	Concurrency int // workers started
	Duration    time.Duration
	// RequestsPerSec is Requests over Duration, unrounded.
	RequestsPerSec float64
	Latency        Latency
	StatusCodes    map[int]int    // final status (0 = no response) → deliveries
	Errors         map[string]int // last error of failed deliveries (shortened) → deliveries; nil when none
}

// Latency holds percentiles of the latency of the requests (nearest rank).
// A request cut off by cancellation, without an answer, has no latency.
type Latency struct {
	P50, P95, P99, Max time.Duration
}

// worker accumulates results without locks; Run merges them at the end.
type worker struct {
	latencies  []time.Duration
	sent       int
	succeeded  int
	failed     int
	cancelled  int
	requests   int
	unexpected int
	codes      map[int]int
	errors     map[string]int
}

// Run makes cfg.Count deliveries with cfg.Concurrency workers and returns
// what they did. The error is the first one that stopped a delivery before
// anything was sent (the run stops then), else ctx's error when ctx was
// cancelled: the run stops taking tickets, lets the deliveries in flight
// end (the dispatcher cuts them short) and the Summary reports what was
// done. Run sets GCPercent for its duration unless cfg.KeepGC.
func Run(ctx context.Context, cfg Config) (Summary, error) {
	if cfg.Count <= 0 || len(cfg.Targets) == 0 || cfg.Deliver == nil {
		return Summary{StatusCodes: map[int]int{}}, nil
	}
	if !cfg.KeepGC {
		defer RelaxGC()()
	}
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	take := tickets(rctx, cfg)

	workers := make([]*worker, min(max(cfg.Concurrency, 1), cfg.Count))
	var (
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	var shared *counters
	if cfg.Progress != nil {
		shared = &counters{}
	}
	start := time.Now()
	for w := range workers {
		lw := &worker{codes: map[int]int{}, errors: map[string]int{},
			latencies: make([]time.Duration, 0, cfg.Count/len(workers)+1)}
		workers[w] = lw
		wg.Go(func() {
			for {
				i, ok := take()
				if !ok {
					return
				}
				del, err := cfg.Deliver(ctx, cfg.Event, cfg.Targets[i%len(cfg.Targets)])
				if del == nil {
					if err != nil {
						errOnce.Do(func() { firstErr = err; stop() })
					}
					return
				}
				o := lw.add(ctx, cfg, del, err)
				if shared != nil {
					shared.add(o)
					cfg.Progress(shared.snapshot(cfg.Count))
				}
			}
		})
	}
	wg.Wait()
	s := summarize(workers, time.Since(start))
	if firstErr != nil {
		return s, firstErr
	}
	return s, ctx.Err()
}

// tickets returns the function workers call for the index of their next
// delivery; false means stop. With a rate a ticker hands the tickets out
// (the first at once); otherwise an atomic counter does.
func tickets(ctx context.Context, cfg Config) func() (int, bool) {
	var next atomic.Int64
	counter := func() (int, bool) {
		i := int(next.Add(1) - 1)
		return i, i < cfg.Count && ctx.Err() == nil
	}
	if cfg.Rate <= 0 {
		return counter
	}
	newTicker := cfg.Ticker
	if newTicker == nil {
		newTicker = func(d time.Duration) (<-chan time.Time, func()) {
			t := time.NewTicker(d)
			return t.C, t.Stop
		}
	}
	ch := make(chan struct{})
	ticks, stopTicker := newTicker(Interval(cfg.Rate))
	go func() {
		defer close(ch)
		defer stopTicker()
		for i := 0; i < cfg.Count; i++ {
			select {
			case ch <- struct{}{}:
			case <-ctx.Done():
				return
			}
			if i < cfg.Count-1 {
				select {
				case <-ticks:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return func() (int, bool) {
		if _, ok := <-ch; !ok {
			return 0, false
		}
		return counter()
	}
}

// Interval is the time between two deliveries at rate per second (at least
// a microsecond).
func Interval(rate float64) time.Duration {
	return max(time.Duration(float64(time.Second)/rate), time.Microsecond)
}

func (w *worker) add(ctx context.Context, cfg Config, del *model.Delivery, err error) outcome {
	w.sent++
	// Cancelled: the dispatcher gave up because ctx ended (it returns ctx's
	// error then), not because the receiver's answer was final.
	cancelled := del.State != model.DeliverySucceeded && err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err())
	for _, a := range del.Attempts {
		w.requests++
		if cancelled && a.StatusCode == 0 {
			continue // cut off: its latency is the time until Ctrl-C
		}
		w.latencies = append(w.latencies, a.Latency)
	}
	o := outFailed
	switch {
	case cancelled:
		w.cancelled++
		return outCancelled
	case del.State == model.DeliverySucceeded:
		w.succeeded++
		o = outSucceeded
	default:
		w.failed++
		if a := del.LastAttempt(); a != nil && a.Error != "" {
			w.errors[shortError(a.Error)]++
		}
	}
	w.codes[del.StatusCode]++
	if cfg.Expect != nil && !cfg.Expect(del.StatusCode) {
		w.unexpected++
	}
	return o
}

func shortError(e string) string {
	if len(e) > 120 {
		return e[:120] + "…"
	}
	return e
}

func summarize(workers []*worker, elapsed time.Duration) Summary {
	s := Summary{StatusCodes: map[int]int{}, Errors: map[string]int{}, Duration: elapsed, Concurrency: len(workers)}
	var all []time.Duration
	for _, w := range workers {
		s.Sent += w.sent
		s.Succeeded += w.succeeded
		s.Failed += w.failed
		s.Cancelled += w.cancelled
		s.Requests += w.requests
		s.Unexpected += w.unexpected
		all = append(all, w.latencies...)
		for c, n := range w.codes {
			s.StatusCodes[c] += n
		}
		for e, n := range w.errors {
			s.Errors[e] += n
		}
	}
	if len(s.Errors) == 0 {
		s.Errors = nil
	}
	if elapsed > 0 {
		s.RequestsPerSec = float64(s.Requests) / elapsed.Seconds()
	}
	slices.Sort(all)
	s.Latency = Latency{P50: Percentile(all, 50), P95: Percentile(all, 95), P99: Percentile(all, 99)}
	if len(all) > 0 {
		s.Latency.Max = all[len(all)-1]
	}
	return s
}

// Percentile is the p-th percentile (0 < p <= 100) of sorted values by the
// nearest-rank method; 0 for no values.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}
