package store

import (
	"context"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/model"
)

// A replica that stalled past its lease finds the row claimed by another:
// its late result is returned as lost and written nowhere (not over the
// other's attempt), and its release leaves the other's lease alone.
func TestStaleFinishIsNotRecorded(t *testing.T) {
	s := openTemp(t, t.TempDir())
	ctx := context.Background()
	now := time.Now()
	enqueueN(t, s, 1, now)
	a, err := s.ClaimOutbox(ctx, "rpl_a", now, time.Second, 10)
	if err != nil || len(a) != 1 {
		t.Fatalf("claim a: %d, %v", len(a), err)
	}
	b, err := s.ClaimOutbox(ctx, "rpl_b", now.Add(2*time.Second), time.Minute, 10)
	if err != nil || len(b) != 1 {
		t.Fatalf("claim b after a's lease ended: %d, %v", len(b), err)
	}
	d, err := s.GetDelivery(ctx, a[0].Tenant, a[0].DeliveryID)
	if err != nil {
		t.Fatal(err)
	}
	late := *d
	late.State, late.StatusCode, late.AttemptCount = model.DeliveryFailed, 500, 1
	late.Attempts = []model.DeliveryAttempt{{N: 1, StartedAt: now, StatusCode: 500, Error: "from a"}}
	lost, err := s.FinishOutboxAttempts(ctx, "rpl_a", []OutboxFinish{{Delivery: &late}})
	if err != nil || len(lost) != 1 || lost[0].DeliveryID != d.ID {
		t.Fatalf("a's late finish: lost %v, %v", lost, err)
	}
	if err := s.ReleaseOutbox(ctx, "rpl_a", d.Tenant, d.ID, now); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetDelivery(ctx, d.Tenant, d.ID); got.State != model.DeliveryPending || len(got.Attempts) != 0 {
		t.Fatalf("a's late result was written: %s, %d attempts", got.State, len(got.Attempts))
	}
	if es, _ := s.ClaimOutbox(ctx, "rpl_c", now.Add(3*time.Second), time.Minute, 10); len(es) != 0 {
		t.Fatal("a's release freed b's row")
	}
	ok := *d
	ok.State, ok.StatusCode, ok.AttemptCount = model.DeliverySucceeded, 200, 1
	ok.Attempts = []model.DeliveryAttempt{{N: 1, StartedAt: now, StatusCode: 200}}
	if lost, err := s.FinishOutboxAttempts(ctx, "rpl_b", []OutboxFinish{{Delivery: &ok}}); err != nil || len(lost) != 0 {
		t.Fatalf("b's finish: lost %v, %v", lost, err)
	}
	if got, _ := s.GetDelivery(ctx, d.Tenant, d.ID); got.State != model.DeliverySucceeded || len(got.Attempts) != 1 || got.Attempts[0].StatusCode != 200 {
		t.Fatalf("b's result: %+v", got)
	}
	if in, _ := s.InOutbox(ctx, d.Tenant, d.ID); in {
		t.Fatal("final delivery still in the outbox")
	}
}
