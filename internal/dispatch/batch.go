package dispatch

import (
	"context"
	"sync"

	"github.com/hookctl/hookctl/internal/model"
)

// SaveFunc stores finished deliveries in one go (one transaction).
type SaveFunc func(ctx context.Context, ds []*model.Delivery) error

// BatchRecorder is a Recorder for load generation: it ignores pending
// states, queues finished deliveries and saves them size at a time in one
// transaction, off the sending goroutines. Close flushes the rest and
// returns the first error.
type BatchRecorder struct {
	save SaveFunc
	size int
	ch   chan *model.Delivery
	done chan struct{}
	mu   sync.Mutex
	err  error
}

// NewBatchRecorder starts the background writer.
func NewBatchRecorder(save SaveFunc, size int) *BatchRecorder {
	if size <= 0 {
		size = 500
	}
	b := &BatchRecorder{save: save, size: size, ch: make(chan *model.Delivery, size*4), done: make(chan struct{})}
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
	flush := func() {
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
		batch = batch[:0]
	}
	for d := range b.ch {
		batch = append(batch, d)
		if len(batch) >= b.size {
			flush()
			continue
		}
		// Flush when the queue runs dry, so a slow sender still records promptly.
		if len(b.ch) == 0 {
			flush()
		}
	}
	flush()
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
