package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/model"
)

func sourceRequest(tenant, id string, at time.Time, body string) *model.ReceivedRequest {
	return &model.ReceivedRequest{Tenant: tenant, ID: id, ReceivedAt: at, Method: "POST", Path: "/wh/{apiToken}/{token}",
		Body: []byte(body), Status: 202, Source: "src_" + tenant, Datasource: "ds", RoutingKey: "event." + tenant + ".ds.ev"}
}

// Marks are written with their event only when asked, read oldest first
// with what the message needs, counted, and removed once published.
func TestPublishOutbox(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, t.TempDir())
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	evt := at.Add(-time.Hour)

	// Publishing off: no mark.
	if _, err := s.InsertSourceRequest(ctx, sourceRequest("a", "req_off", at, `{}`), nil); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		r := sourceRequest([]string{"a", "b"}[i%2], fmt.Sprintf("req_%d", i), at.Add(time.Duration(i)), fmt.Sprintf(`{"n": %d}`, i))
		if i == 3 {
			r.EventTime = &evt
		}
		if _, err := s.InsertSourceRequest(ctx, r, &PublishMark{Event: "ev"}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.PublishBacklog(ctx); err != nil || n != 5 {
		t.Fatalf("backlog = %d, %v; want 5", n, err)
	}
	got, err := s.PendingPublishes(ctx, 3)
	if err != nil || len(got) != 3 {
		t.Fatalf("pending = %d, %v", len(got), err)
	}
	for i, p := range got {
		want := sourceRequest([]string{"a", "b"}[i%2], fmt.Sprintf("req_%d", i), at.Add(time.Duration(i)), fmt.Sprintf(`{"n": %d}`, i))
		if p.RequestID != want.ID || p.Tenant != want.Tenant || string(p.Body) != string(want.Body) || p.RoutingKey != want.RoutingKey ||
			p.SourceID != want.Source || p.Datasource != "ds" || p.Event != "ev" || !p.Time().Equal(want.ReceivedAt) {
			t.Errorf("pending[%d] = %+v", i, p)
		}
		if i > 0 && p.Seq <= got[i-1].Seq {
			t.Errorf("not in order: %d after %d", p.Seq, got[i-1].Seq)
		}
	}
	if err := s.MarkPublished(ctx, seqsOf(got)); err != nil {
		t.Fatal(err)
	}
	rest, err := s.PendingPublishes(ctx, 10)
	if err != nil || len(rest) != 2 || rest[0].RequestID != "req_3" || rest[1].RequestID != "req_4" {
		t.Fatalf("rest = %+v, %v", rest, err)
	}
	if !rest[0].Time().Equal(evt) {
		t.Errorf("timestamp = %v, want the event time %v", rest[0].Time(), evt)
	}
	if n, _ := s.PublishBacklog(ctx); n != 2 {
		t.Errorf("backlog = %d, want 2", n)
	}
	// Marking again (a republish after a crash) is harmless.
	if err := s.MarkPublished(ctx, seqsOf(got[:1])); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.PublishBacklog(ctx); n != 2 {
		t.Errorf("backlog = %d, want 2", n)
	}
	if err := s.MarkPublished(ctx, seqsOf(rest)); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.PublishBacklog(ctx); n != 0 {
		t.Errorf("backlog = %d, want 0", n)
	}
}

// A mark that cannot be written fails the whole insert: no accepted event
// without its mark.
func TestPublishMarkInSameTransaction(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, t.TempDir())
	r := sourceRequest("a", "req_1", time.Now(), `{}`)
	if _, err := s.InsertSourceRequest(ctx, r, &PublishMark{Event: "ev"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.InsertSourceRequest(ctx, r, &PublishMark{Event: "ev"}); err == nil {
		t.Fatal("duplicate insert succeeded")
	}
	var n int
	if err := s.DB().QueryRow(`SELECT COUNT(*) FROM source_events`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("source_events = %d, %v; want 1", n, err)
	}
	if b, _ := s.PublishBacklog(ctx); b != 1 {
		t.Fatalf("backlog = %d, want 1", b)
	}
}

// On PostgreSQL hooks commit concurrently, so an event can become visible
// after one with a higher seq (another source's) was read and published:
// removing the marks must remove exactly the published ones, not every
// seq up to the last of them, or that event is never published.
func TestPublishMarkCommittedLate(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, t.TempDir())
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	late, err := s.InsertSourceRequest(ctx, sourceRequest("a", "req_late", at, `{}`), &PublishMark{Event: "ev"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.InsertSourceRequest(ctx, sourceRequest("b", "req_early", at, `{}`), &PublishMark{Event: "ev"}); err != nil {
		t.Fatal(err)
	}
	// req_late's transaction has its seq but has not committed yet when
	// the publisher reads.
	if _, err := s.db.ExecContext(ctx, `DELETE FROM publish_outbox WHERE seq = ?`, late); err != nil {
		t.Fatal(err)
	}
	batch, err := s.PendingPublishes(ctx, 10)
	if err != nil || len(batch) != 1 || batch[0].RequestID != "req_early" {
		t.Fatalf("pending = %+v, %v", batch, err)
	}
	// It commits while the batch is being published.
	if _, err := s.db.ExecContext(ctx, `INSERT INTO publish_outbox (seq, tenant, request_id, event) VALUES (?, 'a', 'req_late', 'ev')`, late); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkPublished(ctx, []int64{batch[0].Seq}); err != nil {
		t.Fatal(err)
	}
	rest, err := s.PendingPublishes(ctx, 10)
	if err != nil || len(rest) != 1 || rest[0].RequestID != "req_late" {
		t.Fatalf("after marking req_early published, pending = %+v, %v; want req_late still pending", rest, err)
	}
}

func seqsOf(ps []PendingPublish) []int64 {
	out := make([]int64, len(ps))
	for i, p := range ps {
		out[i] = p.Seq
	}
	return out
}
