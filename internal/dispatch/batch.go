package dispatch

import (
	"context"
	"sync"
	"time"

	"github.com/hookctl/hookctl/internal/model"
)

// SaveFunc stores finished deliveries in one go (one transaction).
type SaveFunc func(ctx context.Context, ds []*model.Delivery) error

// BatchRecorder is a Recorder for load generation: it ignores pending
// states, queues finished deliveries and saves them off the sending
// goroutines, in one transaction per batch: when size are queued, or when
// the oldest queued one has waited maxWait. Close flushes the rest and
// returns the first error.
//
// Waiting for full batches matters more than it seems: every commit
// rewrites the last, partly filled page of the deliveries table and of
// each of its indexes, so a commit per 60-80 deliveries (what flushing
// whenever the queue ran dry gave at 64 senders) wrote twice the WAL pages
// of the data itself.
type BatchRecorder struct {
	save    SaveFunc
	size    int
	maxWait time.Duration
	ch      chan *model.Delivery
	done    chan struct{}
	mu      sync.Mutex
	err     error
}

// DefaultBatchWait is how long a finished delivery may wait in a
// BatchRecorder's queue before it is saved.
const DefaultBatchWait = 100 * time.Millisecond

// NewBatchRecorder starts the background writer. size <= 0 means 500,
// maxWait <= 0 DefaultBatchWait.
func NewBatchRecorder(save SaveFunc, size int, maxWait time.Duration) *BatchRecorder {
	if size <= 0 {
		size = 500
	}
	if maxWait <= 0 {
		maxWait = DefaultBatchWait
	}
	b := &BatchRecorder{save: save, size: size, maxWait: maxWait, ch: make(chan *model.Delivery, size*4), done: make(chan struct{})}
	go b.loop()
	return b
}

// Record queues d when it is final.
func (b *BatchRecorder) Record(_ context.Context, d *model.Delivery) error {
	if d.State == model.DeliveryPending {
		return nil
	}
	// The dispatcher keeps no reference to d after the final Record.
	b.ch <- d
	return nil
}

func (b *BatchRecorder) loop() {
	defer close(b.done)
	batch := make([]*model.Delivery, 0, b.size)
	timer := time.NewTimer(b.maxWait)
	timer.Stop()
	flush := func() {
		timer.Stop()
		if len(batch) == 0 {
			return
		}
		if err := b.save(context.Background(), batch); err != nil {
			b.mu.Lock()
			if b.err == nil {
				b.err = err
			}
			b.mu.Unlock()
		}
		clear(batch) // drop the references: the deliveries can be collected
		batch = batch[:0]
	}
	for {
		select {
		case d, ok := <-b.ch:
			if !ok {
				flush()
				return
			}
			if len(batch) == 0 {
				timer.Reset(b.maxWait)
			}
			batch = append(batch, d)
			if len(batch) >= b.size {
				flush()
			}
		case <-timer.C:
			flush()
		}
	}
}

// Close flushes what is queued and stops the writer.
func (b *BatchRecorder) Close() error {
	close(b.ch)
	<-b.done
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

// SaveRecorder records every state of a delivery as it happens (after each
// attempt) through save, e.g. backend.Backend.SaveDeliveries.
func SaveRecorder(save SaveFunc) Recorder {
	return RecorderFunc(func(ctx context.Context, d *model.Delivery) error {
		return save(ctx, []*model.Delivery{d})
	})
}
