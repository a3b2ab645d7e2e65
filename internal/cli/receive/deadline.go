package receive

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
)

// Deadline is the CI contract of the receiving commands (webhook listen,
// its relay mode, validate serve): --exit-after N stops after N events,
// --timeout D stops after D and, with --exit-after, is an unmet expectation.
type Deadline struct {
	ExitAfter int
	Timeout   time.Duration
	timedOut  atomic.Bool
}

// Arm calls stop when the timeout passes; call the returned func when done.
func (d *Deadline) Arm(stop func()) (disarm func()) {
	if d.Timeout <= 0 {
		return func() {}
	}
	t := time.AfterFunc(d.Timeout, func() {
		d.timedOut.Store(true)
		stop()
	})
	return func() { t.Stop() }
}

// Count says what the receiving command counts, for the message of a timeout
// before --exit-after N: "<Verb> 3 of 5 <Noun> within 10s (--timeout)".
type Count struct {
	Verb string // "received"
	Noun string // "matching requests"
}

// Outcome is the command's result once it stopped: the error that stopped
// it, success after N events, interrupted, or exit 6 for a timeout before N.
func (d *Deadline) Outcome(ctx context.Context, runErr error, got int, what Count) error {
	switch {
	case runErr != nil:
		return runErr
	case d.ExitAfter > 0 && got >= d.ExitAfter:
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	case d.timedOut.Load() && d.ExitAfter > 0:
		return apperr.New(apperr.ErrExpectation, "%s %d of %d %s within %s (--timeout)", what.Verb, got, d.ExitAfter, what.Noun, d.Timeout)
	}
	return nil
}
