package loadgen

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/dispatch"
	"github.com/hookctl/hookctl/internal/model"
)

// waitFor is the deadline of every wait on a channel in these tests.
const waitFor = 10 * time.Second

var oneTarget = []dispatch.Target{{URL: "http://receiver.test/hook"}}

// delivery is a finished delivery of one attempt with status and latency.
func delivery(status int, latency time.Duration, errText string) *model.Delivery {
	state := model.DeliveryFailed
	if status >= 200 && status < 300 && errText == "" {
		state = model.DeliverySucceeded
	}
	return &model.Delivery{State: state, StatusCode: status,
		Attempts: []model.DeliveryAttempt{{N: 1, StatusCode: status, Latency: latency, Error: errText}}}
}

func okDeliver(context.Context, dispatch.Event, dispatch.Target) (*model.Delivery, error) {
	return delivery(200, time.Millisecond, ""), nil
}

// TestWorkersInFlight: never more deliveries in flight than Concurrency
// (nor than Count), and that many are reached. Every delivery blocks until
// the test releases it, which it does only once all workers are busy.
func TestWorkersInFlight(t *testing.T) {
	tests := []struct {
		count, concurrency, want int
	}{
		{50, 4, 4},
		{3, 10, 3}, // no idle workers beyond Count
		{20, 1, 1},
		{7, 0, 1}, // at least one worker
		{64, 64, 64},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("count=%d,concurrency=%d", tt.count, tt.concurrency), func(t *testing.T) {
			var inFlight, peak atomic.Int32
			started := make(chan struct{})
			release := make(chan struct{})
			deliver := func(context.Context, dispatch.Event, dispatch.Target) (*model.Delivery, error) {
				n := inFlight.Add(1)
				for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
				}
				started <- struct{}{}
				<-release
				inFlight.Add(-1)
				return delivery(200, time.Millisecond, ""), nil
			}
			type result struct {
				s   Summary
				err error
			}
			done := make(chan result, 1)
			go func() {
				s, err := Run(context.Background(), Config{Deliver: deliver, Targets: oneTarget, Count: tt.count, Concurrency: tt.concurrency, KeepGC: true})
				done <- result{s, err}
			}()
			waiting, finished := 0, 0
			deadline := time.After(waitFor)
			for finished < tt.count {
				select {
				case <-started:
					waiting++
				case <-deadline:
					t.Fatalf("%d waiting, %d finished: the run is stuck", waiting, finished)
				}
				for waiting > 0 && (waiting == tt.want || finished+waiting == tt.count) {
					release <- struct{}{}
					waiting--
					finished++
				}
			}
			r := <-done
			if r.err != nil {
				t.Fatal(r.err)
			}
			if p := int(peak.Load()); p != tt.want {
				t.Errorf("at most %d in flight, want %d", p, tt.want)
			}
			if r.s.Concurrency != tt.want || r.s.Sent != tt.count || r.s.Succeeded != tt.count {
				t.Errorf("summary %+v", r.s)
			}
		})
	}
}

// fakeTicker hands out ticks when the test sends them; ticked counts the
// ticks sent, incremented before each one is offered.
type fakeTicker struct {
	ch       chan time.Time
	interval time.Duration
	ticked   atomic.Int32
	stopped  atomic.Bool
}

func (f *fakeTicker) new(d time.Duration) (<-chan time.Time, func()) {
	f.interval = d
	return f.ch, func() { f.stopped.Store(true) }
}

func (f *fakeTicker) tick(t *testing.T) {
	t.Helper()
	f.ticked.Add(1)
	select {
	case f.ch <- time.Time{}:
	case <-time.After(waitFor):
		t.Fatal("nobody waits for the next tick")
	}
}

// TestRateHandsOutOneTicketPerTick: with a rate, the first delivery starts
// at once and each further one only after a tick of a ticker running at
// 1/rate, however many workers wait; no tick is awaited after the last.
func TestRateHandsOutOneTicketPerTick(t *testing.T) {
	tests := []struct {
		rate         float64
		count, conc  int
		wantInterval time.Duration
	}{
		{10, 8, 4, 100 * time.Millisecond},
		{0.5, 3, 1, 2 * time.Second},
		{1e9, 5, 8, time.Microsecond}, // the interval has a floor
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.rate), func(t *testing.T) {
			ft := &fakeTicker{ch: make(chan time.Time)}
			var started atomic.Int32
			deliver := func(context.Context, dispatch.Event, dispatch.Target) (*model.Delivery, error) {
				if n, allowed := started.Add(1), ft.ticked.Load()+1; n > allowed {
					t.Errorf("delivery %d started after %d ticks", n, allowed-1)
				}
				return delivery(200, time.Millisecond, ""), nil
			}
			done := make(chan Summary, 1)
			go func() {
				s, err := Run(context.Background(), Config{Deliver: deliver, Targets: oneTarget, Count: tt.count,
					Concurrency: tt.conc, Rate: tt.rate, Ticker: ft.new, KeepGC: true})
				if err != nil {
					t.Error(err)
				}
				done <- s
			}()
			for range tt.count - 1 {
				ft.tick(t)
			}
			var s Summary
			select {
			case s = <-done:
			case <-time.After(waitFor):
				t.Fatal("the run did not end after count-1 ticks")
			}
			if s.Sent != tt.count || int(started.Load()) != tt.count {
				t.Errorf("sent %d, started %d, want %d", s.Sent, started.Load(), tt.count)
			}
			if ft.interval != tt.wantInterval || ft.interval != Interval(tt.rate) {
				t.Errorf("ticker interval %v, want %v", ft.interval, tt.wantInterval)
			}
			if !ft.stopped.Load() {
				t.Error("the ticker was not stopped")
			}
		})
	}
}

func TestPercentile(t *testing.T) {
	ms := func(vs ...int) []time.Duration {
		out := make([]time.Duration, len(vs))
		for i, v := range vs {
			out[i] = time.Duration(v) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"no values", nil, 50, 0},
		{"one value is every percentile", ms(7), 99, 7 * time.Millisecond},
		{"p50 of 1..100", ms(hundred...), 50, 50 * time.Millisecond},
		{"p90 of 1..100", ms(hundred...), 90, 90 * time.Millisecond},
		{"p99 of 1..100", ms(hundred...), 99, 99 * time.Millisecond},
		{"p100 is the max", ms(hundred...), 100, 100 * time.Millisecond},
		{"p50 of four: nearest rank is the 2nd", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p90 of four rounds up to the 4th", ms(1, 2, 3, 4), 90, 4 * time.Millisecond},
		{"p99 of ten is the 10th", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 1000), 99, time.Second},
		{"a tiny p is the first", ms(5, 6), 0.1, 5 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("Percentile(p%v) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
}

// TestSummary: outcomes, status codes, errors, --expect-status and
// latency percentiles of a run over known deliveries (latencies are those
// of every attempt, retries included; handed out in a shuffled order).
func TestSummary(t *testing.T) {
	var mu sync.Mutex
	var next int
	// 100 deliveries: 1..90 ms succeed (200), 91..98 ms fail with 500 after
	// a first attempt of 1 ms each, 99 and 100 ms get no answer.
	deliver := func(context.Context, dispatch.Event, dispatch.Target) (*model.Delivery, error) {
		mu.Lock()
		next++
		i := (next*37)%100 + 1 // 1..100, each once
		mu.Unlock()
		lat := time.Duration(i) * time.Millisecond
		switch {
		case i <= 90:
			return delivery(200, lat, ""), nil
		case i <= 98:
			d := delivery(500, lat, "")
			d.Attempts = append([]model.DeliveryAttempt{{N: 1, StatusCode: 503, Latency: time.Millisecond}}, d.Attempts...)
			return d, nil
		default:
			return delivery(0, lat, fmt.Sprintf("connection refused by receiver.test:%d", i)), nil
		}
	}
	s, err := Run(context.Background(), Config{Deliver: deliver, Targets: oneTarget, Count: 100, Concurrency: 7, KeepGC: true,
		Expect: func(status int) bool { return status == 200 }})
	if err != nil {
		t.Fatal(err)
	}
	if s.Sent != 100 || s.Succeeded != 90 || s.Failed != 10 || s.Cancelled != 0 || s.Requests != 108 || s.Unexpected != 10 || s.Concurrency != 7 {
		t.Errorf("counts %+v", s)
	}
	if len(s.StatusCodes) != 3 || s.StatusCodes[200] != 90 || s.StatusCodes[500] != 8 || s.StatusCodes[0] != 2 {
		t.Errorf("status codes %v", s.StatusCodes)
	}
	if len(s.Errors) != 2 || s.Errors["connection refused by receiver.test:99"] != 1 {
		t.Errorf("errors %v", s.Errors)
	}
	// 108 latencies: eight of 1 ms, then 1..100 ms.
	want := Latency{P50: 46 * time.Millisecond, P95: 95 * time.Millisecond, P99: 99 * time.Millisecond, Max: 100 * time.Millisecond}
	if s.Latency != want {
		t.Errorf("latency %+v, want %+v", s.Latency, want)
	}
	if s.Duration <= 0 || s.RequestsPerSec <= 0 {
		t.Errorf("duration %v, rate %v", s.Duration, s.RequestsPerSec)
	}
}

func TestTargetsInTurn(t *testing.T) {
	targets := []dispatch.Target{{URL: "http://a/"}, {URL: "http://b/"}, {URL: "http://c/"}}
	var mu sync.Mutex
	got := map[string]int{}
	deliver := func(_ context.Context, _ dispatch.Event, tg dispatch.Target) (*model.Delivery, error) {
		mu.Lock()
		got[tg.URL]++
		mu.Unlock()
		return delivery(200, time.Millisecond, ""), nil
	}
	if _, err := Run(context.Background(), Config{Deliver: deliver, Targets: targets, Count: 10, Concurrency: 3, KeepGC: true}); err != nil {
		t.Fatal(err)
	}
	if got["http://a/"] != 4 || got["http://b/"] != 3 || got["http://c/"] != 3 {
		t.Errorf("deliveries per target %v", got)
	}
}

// TestCancel: after ctx is cancelled no further delivery starts, the run
// reports what was done and returns ctx's error; a delivery the
// dispatcher gave up on because of it is counted as cancelled (its status
// and its cut-off latency left out), one that succeeded meanwhile as
// succeeded, and one whose answer was final as failed.
func TestCancel(t *testing.T) {
	// cutOff is what the dispatcher returns for a request cut off by ctx.
	cutOff := func(ctx context.Context) (*model.Delivery, error) {
		return delivery(0, time.Hour, "cancelled: "+ctx.Err().Error()), ctx.Err()
	}
	tests := []struct {
		name string
		// last is the delivery during which ctx is cancelled.
		last          func(ctx context.Context) (*model.Delivery, error)
		rate          float64
		wantSucceeded int
		wantFailed    int
		wantCancelled int
		wantCodes     map[int]int
		wantMax       time.Duration
	}{
		{"cut off", cutOff, 0, 4, 0, 1, map[int]int{200: 4}, time.Millisecond},
		{"cut off, with a rate", cutOff, 1000, 4, 0, 1, map[int]int{200: 4}, time.Millisecond},
		{"answered 200 then cancelled", func(ctx context.Context) (*model.Delivery, error) {
			return delivery(200, 2*time.Millisecond, ""), ctx.Err()
		}, 0, 5, 0, 0, map[int]int{200: 5}, 2 * time.Millisecond},
		{"a 200 whose body was cut off", func(ctx context.Context) (*model.Delivery, error) {
			return delivery(200, 3*time.Millisecond, "reading the response: "+ctx.Err().Error()), ctx.Err()
		}, 0, 4, 0, 1, map[int]int{200: 4}, 3 * time.Millisecond},
		{"a final 400 before the cancellation", func(ctx context.Context) (*model.Delivery, error) {
			return delivery(400, 2*time.Millisecond, ""), nil
		}, 0, 4, 1, 0, map[int]int{200: 4, 400: 1}, 2 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var calls atomic.Int32
			deliver := func(ctx context.Context, _ dispatch.Event, _ dispatch.Target) (*model.Delivery, error) {
				if calls.Add(1) < 5 {
					return delivery(200, time.Millisecond, ""), nil
				}
				cancel()
				return tt.last(ctx)
			}
			cfg := Config{Deliver: deliver, Targets: oneTarget, Count: 1000, Concurrency: 1, Rate: tt.rate, KeepGC: true}
			if tt.rate > 0 {
				ticks := make(chan time.Time)
				close(ticks) // always ready: ticks are not what this test is about
				cfg.Ticker = func(time.Duration) (<-chan time.Time, func()) { return ticks, func() {} }
			}
			s, err := Run(ctx, cfg)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v, want context.Canceled", err)
			}
			if c := calls.Load(); c != 5 {
				t.Errorf("%d deliveries started, want 5 (none after the cancellation)", c)
			}
			if s.Sent != 5 || s.Succeeded != tt.wantSucceeded || s.Failed != tt.wantFailed || s.Cancelled != tt.wantCancelled || s.Requests != 5 {
				t.Errorf("summary %+v", s)
			}
			if fmt.Sprint(s.StatusCodes) != fmt.Sprint(tt.wantCodes) || s.Latency.Max != tt.wantMax {
				t.Errorf("status codes %v, max latency %v; want %v, %v", s.StatusCodes, s.Latency.Max, tt.wantCodes, tt.wantMax)
			}
			if tt.wantCancelled > 0 && s.Errors != nil {
				t.Errorf("a cancelled delivery counted among the errors: %v", s.Errors)
			}
		})
	}
}

// TestCancelledBeforeStart: a run whose ctx is already done sends nothing.
func TestCancelledBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, rate := range []float64{0, 10} {
		var calls atomic.Int32
		deliver := func(ctx context.Context, ev dispatch.Event, tg dispatch.Target) (*model.Delivery, error) {
			calls.Add(1)
			return okDeliver(ctx, ev, tg)
		}
		s, err := Run(ctx, Config{Deliver: deliver, Targets: oneTarget, Count: 100, Concurrency: 8, Rate: rate, KeepGC: true})
		if !errors.Is(err, context.Canceled) || s.Sent != 0 || calls.Load() != 0 {
			t.Errorf("rate %v: err %v, sent %d, %d calls", rate, err, s.Sent, calls.Load())
		}
	}
}

// TestNothingSentStopsTheRun: a delivery that could not be sent at all (a
// bad URL, no usable secret) stops every worker and is the run's error.
func TestNothingSentStopsTheRun(t *testing.T) {
	errBad := errors.New(`unsupported scheme "ftp"`)
	for _, rate := range []float64{0, 1000} {
		t.Run(fmt.Sprint("rate=", rate), func(t *testing.T) {
			var calls atomic.Int32
			deliver := func(context.Context, dispatch.Event, dispatch.Target) (*model.Delivery, error) {
				if calls.Add(1) > 3 {
					return nil, errBad
				}
				return delivery(200, time.Millisecond, ""), nil
			}
			cfg := Config{Deliver: deliver, Targets: oneTarget, Count: 1000, Concurrency: 1, Rate: rate, KeepGC: true}
			if rate > 0 {
				ticks := make(chan time.Time)
				close(ticks)
				cfg.Ticker = func(time.Duration) (<-chan time.Time, func()) { return ticks, func() {} }
			}
			s, err := Run(context.Background(), cfg)
			if !errors.Is(err, errBad) || calls.Load() != 4 || s.Sent != 3 {
				t.Errorf("err %v, %d calls, sent %d", err, calls.Load(), s.Sent)
			}
		})
	}
}

func TestNothingToDo(t *testing.T) {
	for _, cfg := range []Config{
		{Deliver: okDeliver, Targets: oneTarget},
		{Deliver: okDeliver, Count: 3},
	} {
		if s, err := Run(context.Background(), cfg); err != nil || s.Sent != 0 || s.StatusCodes == nil {
			t.Errorf("%+v: %+v, %v", cfg, s, err)
		}
	}
}
