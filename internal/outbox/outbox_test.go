package outbox_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/dispatch"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/outbox"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/testserver"
)

func start(t *testing.T, dir string, o outbox.Options) (*store.Store, *outbox.Outbox, func()) {
	t.Helper()
	st, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	ob, err := outbox.New(context.Background(), st, o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ob.Run(ctx, 5*time.Second) }()
	return st, ob, func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
		st.Close()
	}
}

// A retry is a row due again later: the second attempt carries the same
// request id, both attempts are recorded, and the metrics hook sees them.
func TestRetryKeepsRequestID(t *testing.T) {
	rs, err := testserver.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var outcomes []string
	st, ob, stop := start(t, t.TempDir(), outbox.Options{Workers: 2, OnAttempt: func(o string, _ time.Duration) { outcomes = append(outcomes, o) }})
	defer stop()
	ctx := context.Background()
	ds, err := ob.Enqueue(ctx, []outbox.Job{{Tenant: "default",
		Event:  dispatch.Event{Type: "ping", Body: []byte(`{"type":"ping"}`)},
		Target: dispatch.Target{URL: rs.URL + "/flaky/1/503", Scheme: "standard", Secrets: []signature.Secret{{Value: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}}},
		Policy: dispatch.Policy{Retries: 3, BaseDelay: time.Millisecond},
	}})
	if err != nil {
		t.Fatal(err)
	}
	ob.Wait(ctx, "default", []string{ds[0].ID}, 10*time.Second)
	d, err := st.GetDelivery(ctx, "default", ds[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.State != model.DeliverySucceeded || len(d.Attempts) != 2 || d.Attempts[0].StatusCode != 503 || d.Attempts[1].StatusCode != 200 {
		t.Fatalf("delivery = %+v", d)
	}
	if d.RequestHeaders["Webhook-Id"] != d.RequestID || d.RequestHeaders["Webhook-Signature"] == "" {
		t.Fatalf("request headers = %v (request id %s)", d.RequestHeaders, d.RequestID)
	}
	reqs := rs.Requests()
	if len(reqs) != 2 || reqs[0].Headers.Get("Webhook-Id") != d.RequestID || reqs[1].Headers.Get("Webhook-Id") != d.RequestID {
		t.Fatalf("received %d requests, want 2 with webhook-id %s", len(reqs), d.RequestID)
	}
	if n, _ := st.OutboxLen(ctx); n != 0 || ob.Len() != 0 {
		t.Fatalf("outbox length %d / %d after a final delivery", n, ob.Len())
	}
	if len(outcomes) != 2 || outcomes[0] != "retry" || outcomes[1] != "succeeded" {
		t.Fatalf("outcomes = %v", outcomes)
	}
}

// A delivery that cannot finish before shutdown stays in the outbox,
// unrecorded, and the next start delivers it.
func TestShutdownLeavesPending(t *testing.T) {
	rs, err := testserver.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	dir := t.TempDir()
	st, err := store.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	ob, err := outbox.New(context.Background(), st, outbox.Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ds, err := ob.Enqueue(ctx, []outbox.Job{{Tenant: "default", Event: dispatch.Event{Type: "ping", Body: []byte(`{}`)}, Target: dispatch.Target{URL: rs.URL + "/hold/s"}}})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- ob.Run(runCtx, time.Millisecond) }() // no drain time: the held attempt is cancelled
	for deadline := time.Now().Add(10 * time.Second); len(rs.Requests()) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the attempt never started")
		}
		time.Sleep(5 * time.Millisecond) // polling a ready signal
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	d, err := st.GetDelivery(ctx, "default", ds[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.State != model.DeliveryPending || len(d.Attempts) != 0 {
		t.Fatalf("after shutdown: %+v", d)
	}
	st.Close()

	// Next start: the receiver now answers at once.
	resp, err := http.Post(rs.URL+"/_release/s", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	st2, ob2, stop := start(t, dir, outbox.Options{Workers: 1})
	defer stop()
	if ob2.Len() != 1 {
		t.Fatalf("Len after restart = %d, want 1", ob2.Len())
	}
	ob2.Wait(ctx, "default", []string{d.ID}, 10*time.Second)
	d, err = st2.GetDelivery(ctx, "default", d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.State != model.DeliverySucceeded || len(d.Attempts) != 1 {
		t.Fatalf("after restart: %+v", d)
	}
}

// WaitAttempt returns after the next recorded attempt, not only when the
// delivery is final (the CLI shows each retry of a server-side send).
func TestWaitAttempt(t *testing.T) {
	rs, err := testserver.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	st, ob, stop := start(t, t.TempDir(), outbox.Options{Workers: 1})
	defer stop()
	ctx := context.Background()
	ds, err := ob.Enqueue(ctx, []outbox.Job{{Tenant: "default",
		Event:  dispatch.Event{Type: "ping", Body: []byte(`{"type":"ping"}`)},
		Target: dispatch.Target{URL: rs.URL + "/flaky/1/503"},
		// The retry is due in 15-30 s: long after this test.
		Policy: dispatch.Policy{Retries: 3, BaseDelay: time.Hour},
	}})
	if err != nil {
		t.Fatal(err)
	}
	id := ds[0].ID
	ob.WaitAttempt(ctx, "default", id, 0, 10*time.Second)
	d, err := st.GetDelivery(ctx, "default", id)
	if err != nil {
		t.Fatal(err)
	}
	if d.State != model.DeliveryPending || d.AttemptCount != 1 || d.Attempts[0].StatusCode != 503 {
		t.Fatalf("after WaitAttempt: state %s, %d attempts (%+v); want pending after one 503", d.State, d.AttemptCount, d.Attempts)
	}
	// Nothing more happens within max: it returns anyway.
	ob.WaitAttempt(ctx, "default", id, 1, 50*time.Millisecond)
	if d, _ := st.GetDelivery(ctx, "default", id); d.AttemptCount != 1 {
		t.Fatalf("%d attempts, want still 1", d.AttemptCount)
	}
}

// A long poll for a final state whose notification was lost (another
// replica finished the delivery while this one's LISTEN connection was
// down) ends at the resync that follows the reconnection, not at its limit.
func TestWaitRechecksAfterResync(t *testing.T) {
	st, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ob, err := outbox.New(context.Background(), st, outbox.Options{}) // not running: nothing delivers
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ds, err := ob.Enqueue(ctx, []outbox.Job{{Tenant: "default",
		Event: dispatch.Event{Type: "ping", Body: []byte(`{}`)}, Target: dispatch.Target{URL: "http://127.0.0.1:9/"}}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		ob.Wait(ctx, "default", []string{ds[0].ID}, time.Minute)
	}()
	select {
	case <-done:
		t.Fatal("Wait returned while the delivery is pending")
	case <-time.After(100 * time.Millisecond):
	}
	// Finished elsewhere, its notification lost: the row is gone.
	if err := st.DropOutbox(ctx, "default", ds[0].ID); err != nil {
		t.Fatal(err)
	}
	ob.Notified(store.Notification{Kind: store.NotifyResync})
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Wait did not look again after the resync")
	}
}
