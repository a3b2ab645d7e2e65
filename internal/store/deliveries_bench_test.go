package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/model"
)

// benchDeliveries builds n deliveries shaped like load mode's: the same
// payload, a signed request's headers, one successful attempt.
func benchDeliveries(n, round int) []*model.Delivery {
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	payload := []byte(`{"id":"evt_01","type":"device.enrolled","data":{"device":{"id":"dev_123","serial":"C02XYZ","model":"MacBookPro18,3"}}}`)
	ds := make([]*model.Delivery, n)
	for i := range ds {
		id := fmt.Sprintf("dlv_%06d_%06d", round, i)
		ds[i] = &model.Delivery{ID: id, RequestID: "req-" + id, EventType: "device.enrolled", EventID: "evt_01",
			URL: "http://127.0.0.1:8080/hook", Scheme: "standard-webhooks",
			RequestHeaders: map[string]string{"Content-Type": "application/json", "User-Agent": "hookctl/dev", "X-Request-Id": "req-" + id,
				"Webhook-Id": "req-" + id, "Webhook-Timestamp": "1795000000", "Webhook-Signature": "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4="},
			Payload: payload, State: model.DeliverySucceeded, StatusCode: 200, AttemptCount: 1, CreatedAt: at, UpdatedAt: at,
			Attempts: []model.DeliveryAttempt{{N: 1, StartedAt: at, StatusCode: 200, Latency: 1500 * time.Microsecond, ResponseBody: `{"message":"ok"}` + "\n"}}}
	}
	return ds
}

// BenchmarkSaveDeliveries500 is one batch of load mode's recorder.
func BenchmarkSaveDeliveries500(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		ds := benchDeliveries(500, i)
		b.StartTimer()
		if err := s.SaveDeliveries(ctx, ds); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*500), "ns/delivery")
}
