package loadgen

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/dispatch"
	"github.com/hookctl/hookctl/internal/model"
)

// TestProgress: Progress is called once per delivery, its counts only grow,
// and the last call agrees with the Summary, cancelled deliveries counted
// as cancelled (not failed).
func TestProgress(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var calls atomic.Int32
	deliver := func(ctx context.Context, _ dispatch.Event, _ dispatch.Target) (*model.Delivery, error) {
		switch n := calls.Add(1); {
		case n%3 == 0:
			return delivery(503, time.Millisecond, ""), nil
		case n < 30:
			return delivery(200, time.Millisecond, ""), nil
		default:
			cancel()
			return delivery(0, time.Hour, "cancelled"), ctx.Err()
		}
	}
	var (
		mu   sync.Mutex
		seen []Progress
	)
	cfg := Config{Deliver: deliver, Targets: oneTarget, Count: 1000, Concurrency: 4, KeepGC: true,
		Progress: func(p Progress) { mu.Lock(); seen = append(seen, p); mu.Unlock() }}
	s, err := Run(ctx, cfg)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if len(seen) != s.Sent {
		t.Fatalf("%d progress calls for %d deliveries", len(seen), s.Sent)
	}
	var last Progress
	for _, p := range seen {
		if p.Count != 1000 || p.Sent != p.Succeeded+p.Failed+p.Cancelled {
			t.Fatalf("progress %+v", p)
		}
		if p.Sent > last.Sent {
			last = p
		}
	}
	want := Progress{Count: 1000, Sent: s.Sent, Succeeded: s.Succeeded, Failed: s.Failed, Cancelled: s.Cancelled}
	if last != want || s.Cancelled == 0 {
		t.Errorf("last progress %+v, summary says %+v", last, want)
	}
}
