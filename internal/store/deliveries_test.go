package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/model"
)

func TestDeliveriesSaveListFilters(t *testing.T) {
	ctx := context.Background()
	s, err := openTestDB(t, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	base := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	mk := func(id, event, config, state string, code int, day int) *model.Delivery {
		at := base.Add(time.Duration(day) * 24 * time.Hour)
		return &model.Delivery{Tenant: "default", ID: id, RequestID: "req-" + id, EventType: event, ConfigID: config, URL: "http://x/" + id,
			RequestHeaders: map[string]string{"X-Request-Id": "req-" + id}, Payload: []byte(`{"id":"` + id + `"}`),
			State: state, StatusCode: code, AttemptCount: 1, CreatedAt: at, UpdatedAt: at,
			Attempts: []model.DeliveryAttempt{{N: 1, StartedAt: at, StatusCode: code, Latency: 1500 * time.Microsecond, ResponseBody: "ok"}}}
	}
	ds := []*model.Delivery{
		mk("dlv_1", "device.enrolled", "whc_a", model.DeliverySucceeded, 200, 0),
		mk("dlv_2", "device.locked", "whc_a", model.DeliveryFailed, 503, 1),
		mk("dlv_3", "device.enrolled", "whc_b", model.DeliveryFailed, 400, 2),
		mk("dlv_4", "ping", "", model.DeliverySucceeded, 204, 3),
	}
	if err := s.SaveDeliveries(ctx, ds); err != nil {
		t.Fatal(err)
	}
	// Upsert with one more attempt: state and attempts are updated, not duplicated.
	d2 := ds[1]
	d2.Attempts = append(d2.Attempts, model.DeliveryAttempt{N: 2, StartedAt: base, StatusCode: 200})
	d2.State, d2.StatusCode, d2.AttemptCount = model.DeliverySucceeded, 200, 2
	if err := s.SaveDeliveries(ctx, []*model.Delivery{d2}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		f         DeliveryFilter
		want      []string
		succeeded int
	}{
		{name: "all newest first", f: DeliveryFilter{}, want: []string{"dlv_4", "dlv_3", "dlv_2", "dlv_1"}, succeeded: 3},
		{name: "event", f: DeliveryFilter{EventType: "device.enrolled"}, want: []string{"dlv_3", "dlv_1"}, succeeded: 1},
		{name: "config", f: DeliveryFilter{ConfigID: "whc_a"}, want: []string{"dlv_2", "dlv_1"}, succeeded: 2},
		{name: "failed", f: DeliveryFilter{State: model.DeliveryFailed}, want: []string{"dlv_3"}},
		{name: "status code", f: DeliveryFilter{StatusCode: 200}, want: []string{"dlv_2", "dlv_1"}, succeeded: 2},
		{name: "request id", f: DeliveryFilter{RequestID: "req-dlv_4"}, want: []string{"dlv_4"}, succeeded: 1},
		{name: "since until", f: DeliveryFilter{Since: base.Add(24 * time.Hour), Until: base.Add(72 * time.Hour)}, want: []string{"dlv_3", "dlv_2"}, succeeded: 1},
		{name: "limit keeps totals", f: DeliveryFilter{Limit: 1}, want: []string{"dlv_4"}, succeeded: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, tot, err := s.ListDeliveries(ctx, "default", tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, d := range got {
				ids = append(ids, d.ID)
			}
			if len(ids) != len(tt.want) {
				t.Fatalf("ids = %v, want %v", ids, tt.want)
			}
			for i := range ids {
				if ids[i] != tt.want[i] {
					t.Fatalf("ids = %v, want %v", ids, tt.want)
				}
			}
			if tot.Succeeded != tt.succeeded || tot.Total < len(tt.want) || tot.Total != tot.Succeeded+tot.Failed {
				t.Errorf("totals = %+v, want %d succeeded", tot, tt.succeeded)
			}
		})
	}
	got, err := s.GetDelivery(ctx, "default", "dlv_2")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Attempts) != 2 || got.Attempts[0].Latency != 1500*time.Microsecond || got.Attempts[0].ResponseBody != "ok" ||
		string(got.Payload) != `{"id":"dlv_2"}` || got.RequestHeaders["X-Request-Id"] != "req-dlv_2" || got.AttemptCount != 2 {
		t.Errorf("GetDelivery = %+v", got)
	}
	if _, err := s.GetDelivery(ctx, "default", "dlv_nope"); !errors.Is(err, apperr.ErrNotFound) {
		t.Errorf("missing: err = %v", err)
	}
}
