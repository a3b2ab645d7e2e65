package backendtest

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/ids"
	"github.com/hookctl/hookctl/internal/model"
)

func delivery(state, event, config string, code int, created time.Time, payload string) *model.Delivery {
	d := &model.Delivery{ID: ids.New(ids.Delivery), RequestID: "req-" + ids.New(""), EventType: event, EventID: "evt_1", ConfigID: config,
		URL: "http://127.0.0.1:9/hooks", Scheme: "standard", RequestHeaders: map[string]string{"Webhook-Id": "x", "Content-Type": "application/json"},
		Payload: []byte(payload), State: state, StatusCode: code, CreatedAt: created, UpdatedAt: created}
	if state != model.DeliveryPending {
		d.Attempts = []model.DeliveryAttempt{{N: 1, StartedAt: created, StatusCode: code, Latency: 1234 * time.Microsecond,
			ResponseBody: `{"message":"ok"}`, Error: map[bool]string{true: "", false: "status " + http.StatusText(code)}[code < 300]}}
		d.AttemptCount = 1
	}
	return d
}

// Deliveries is the contract of backend.Deliveries: what is saved reads
// back the same (payload bytes, headers, attempts with latency), and the
// list's filters, order, limit and totals.
func Deliveries(t *testing.T, newBackend NewBackend) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

	t.Run("SaveGetRoundTrip", func(t *testing.T) {
		be := newBackend(t)
		d := delivery(model.DeliverySucceeded, "device.enrolled", "whc_1", 200, t0, `{"event":"device.enrolled","data":{"id":1}}`)
		text := delivery(model.DeliveryFailed, "ping", "", 503, t0.Add(time.Second), "plain text, not JSON")
		if err := be.SaveDeliveries(ctx, []*model.Delivery{d, text}); err != nil {
			t.Fatal(err)
		}
		got := must[*model.Delivery](t)(be.GetDelivery(ctx, d.ID))
		if got.RequestID != d.RequestID || got.EventType != d.EventType || got.EventID != "evt_1" || got.ConfigID != "whc_1" ||
			got.URL != d.URL || got.Scheme != "standard" || got.RequestHeaders["Webhook-Id"] != "x" || string(got.Payload) != string(d.Payload) ||
			got.State != d.State || got.StatusCode != 200 || got.AttemptCount != 1 || !got.CreatedAt.Equal(t0) {
			t.Fatalf("get = %+v\nwant %+v", got, d)
		}
		if len(got.Attempts) != 1 || got.Attempts[0].Latency != 1234*time.Microsecond || got.Attempts[0].ResponseBody != `{"message":"ok"}` ||
			!got.Attempts[0].StartedAt.Equal(t0) {
			t.Fatalf("attempts = %+v", got.Attempts)
		}
		got = must[*model.Delivery](t)(be.GetDelivery(ctx, text.ID))
		if string(got.Payload) != "plain text, not JSON" || got.Attempts[0].Error == "" {
			t.Fatalf("text payload = %q, attempts %+v", got.Payload, got.Attempts)
		}
		// Saving again adds attempts and updates the state.
		d.Attempts = append(d.Attempts, model.DeliveryAttempt{N: 2, StartedAt: t0.Add(time.Minute), StatusCode: 200})
		d.AttemptCount = 2
		if err := be.SaveDeliveries(ctx, []*model.Delivery{d}); err != nil {
			t.Fatal(err)
		}
		if got := must[*model.Delivery](t)(be.GetDelivery(ctx, d.ID)); len(got.Attempts) != 2 || got.AttemptCount != 2 {
			t.Fatalf("after resave: %+v", got)
		}
		_, err := be.GetDelivery(ctx, "dlv_nope")
		wantErrMessage(t, err, apperr.ErrNotFound, `no delivery dlv_nope (run "hookctl webhook deliveries list")`)
	})

	t.Run("ListFiltersAndTotals", func(t *testing.T) {
		be := newBackend(t)
		list := must[*backend.DeliveryList](t)
		empty := list(be.ListDeliveries(ctx, backend.ListDeliveriesParams{}))
		if empty.Total != 0 || empty.Deliveries == nil || len(empty.Deliveries) != 0 {
			t.Fatalf("empty = %+v", empty)
		}
		a := delivery(model.DeliverySucceeded, "device.enrolled", "whc_1", 200, t0, `{}`)
		b := delivery(model.DeliveryFailed, "device.locked", "whc_2", 503, t0.Add(time.Hour), `{}`)
		c := delivery(model.DeliverySucceeded, "device.enrolled", "whc_2", 204, t0.Add(2*time.Hour), `{}`)
		p := delivery(model.DeliveryPending, "user.signed_in", "", 0, t0.Add(3*time.Hour), `{}`)
		if err := be.SaveDeliveries(ctx, []*model.Delivery{a, b, c, p}); err != nil {
			t.Fatal(err)
		}
		ids := func(l *backend.DeliveryList) []string {
			var out []string
			for _, d := range l.Deliveries {
				out = append(out, d.ID)
			}
			return out
		}
		all := list(be.ListDeliveries(ctx, backend.ListDeliveriesParams{}))
		if all.Total != 4 || all.Succeeded != 2 || all.Failed != 1 || len(all.Deliveries) != 4 || all.Deliveries[0].ID != p.ID || all.Deliveries[3].ID != a.ID {
			t.Fatalf("all = %+v %v, want newest first with totals", all, ids(all))
		}
		for _, tc := range []struct {
			name string
			p    backend.ListDeliveriesParams
			want []string
		}{
			{"since", backend.ListDeliveriesParams{Since: t0.Add(time.Hour)}, []string{p.ID, c.ID, b.ID}},
			{"until", backend.ListDeliveriesParams{Until: t0.Add(time.Hour)}, []string{a.ID}},
			{"status", backend.ListDeliveriesParams{StatusCode: 503}, []string{b.ID}},
			{"request id", backend.ListDeliveriesParams{RequestID: c.RequestID}, []string{c.ID}},
			{"event", backend.ListDeliveriesParams{EventType: "device.enrolled"}, []string{c.ID, a.ID}},
			{"event pattern", backend.ListDeliveriesParams{EventType: "device.*"}, []string{c.ID, b.ID, a.ID}},
			{"event patterns", backend.ListDeliveriesParams{EventType: "device.locked,user.*"}, []string{p.ID, b.ID}},
			{"event pattern in the middle", backend.ListDeliveriesParams{EventType: "*.sign*_in"}, []string{p.ID}},
			{"event pattern is case-sensitive", backend.ListDeliveriesParams{EventType: "Device.*"}, nil},
			{"event pattern, no match", backend.ListDeliveriesParams{EventType: "device.?nrolled*"}, nil},
			{"config", backend.ListDeliveriesParams{ConfigID: "whc_2"}, []string{c.ID, b.ID}},
			{"state", backend.ListDeliveriesParams{State: model.DeliveryPending}, []string{p.ID}},
		} {
			got := list(be.ListDeliveries(ctx, tc.p))
			if g := ids(got); len(g) != len(tc.want) || got.Total != len(tc.want) || (len(g) > 0 && g[0] != tc.want[0]) {
				t.Fatalf("%s: %v (total %d), want %v", tc.name, g, got.Total, tc.want)
			}
		}
		// A pattern is filtered before the page: the totals count every
		// match, the page holds the newest.
		page := list(be.ListDeliveries(ctx, backend.ListDeliveriesParams{EventType: "device.*", Limit: 1}))
		if g := ids(page); len(g) != 1 || g[0] != c.ID || !page.HasMore || page.Total != 3 || page.Succeeded != 2 || page.Failed != 1 {
			t.Fatalf("pattern with limit: %v %+v", g, page)
		}
		limited := list(be.ListDeliveries(ctx, backend.ListDeliveriesParams{Limit: 2}))
		if len(limited.Deliveries) != 2 || limited.Total != 4 || limited.Succeeded != 2 {
			t.Fatalf("limit: %+v", limited)
		}
		if len(limited.Deliveries[0].Attempts) != 0 {
			t.Fatalf("listings carry no attempts: %+v", limited.Deliveries[0].Attempts)
		}
	})
}
