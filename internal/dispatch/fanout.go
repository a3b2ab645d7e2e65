package dispatch

import (
	"context"
	"sync"

	"github.com/hookctl/hookctl/internal/model"
)

// Result is the outcome of one delivery of a fan-out.
type Result struct {
	Target   Target
	Delivery *model.Delivery // nil when Err kept it from being sent
	Err      error
}

// DeliverAll sends ev to every target, at most concurrency at a time (<1:
// all at once), and returns the results in the order of targets. Each
// target gets its own delivery id, request id and signature. This is what
// the config-instance flow calls with the configs subscribed to an event.
func (d *Dispatcher) DeliverAll(ctx context.Context, ev Event, targets []Target, concurrency int) []Result {
	if concurrency < 1 || concurrency > len(targets) {
		concurrency = len(targets)
	}
	out := make([]Result, len(targets))
	sem := make(chan struct{}, max(concurrency, 1))
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			del, err := d.Deliver(ctx, ev, t)
			out[i] = Result{Target: t, Delivery: del, Err: err}
		}()
	}
	wg.Wait()
	return out
}

// Subscribed returns the targets of the enabled configs subscribed to eventType.
func Subscribed(configs []model.WebhookConfig, eventType string) []Target {
	var out []Target
	for i := range configs {
		c := &configs[i]
		if c.Enabled && c.Subscribes(eventType) {
			out = append(out, TargetFromConfig(c))
		}
	}
	return out
}
