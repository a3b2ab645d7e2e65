package store

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
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
		ds[i] = &model.Delivery{Tenant: "default", ID: id, RequestID: "req-" + id, EventType: "device.enrolled", EventID: "evt_01",
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
	s := openTemp(b, b.TempDir())
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

// BenchmarkSaveDeliveriesRequestIDs records a 20,000-delivery load run
// (40 batches of 500 into a fresh store, closed at the end so the WAL
// checkpoint counts) with random request ids (UUID v4) and with ids that
// grow with time (UUID v7, what dispatch.NewUUID makes).
func BenchmarkSaveDeliveriesRequestIDs(b *testing.B) {
	for _, v := range []struct {
		name string
		id   func(seq int) string
	}{
		{"uuid-v4", func(int) string { return uuidLike(randomBytes()) }},
		{"uuid-v7", func(seq int) string {
			u := randomBytes()
			binary.BigEndian.PutUint64(u[:8], uint64(seq)<<16|binary.BigEndian.Uint64(u[:8])&0xffff)
			return uuidLike(u)
		}},
	} {
		b.Run(v.name, func(b *testing.B) {
			ctx := context.Background()
			const batches, size = 40, 500
			for b.Loop() {
				b.StopTimer()
				s, err := Open(ctx, b.TempDir())
				if err != nil {
					b.Fatal(err)
				}
				runs := make([][]*model.Delivery, batches)
				for i := range runs {
					runs[i] = benchDeliveries(size, i)
					for j, d := range runs[i] {
						d.RequestID = v.id(i*size + j)
					}
				}
				b.StartTimer()
				for _, ds := range runs {
					if err := s.SaveDeliveries(ctx, ds); err != nil {
						b.Fatal(err)
					}
				}
				if err := s.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batches*size), "ns/delivery")
		})
	}
}

func randomBytes() [16]byte {
	var u [16]byte
	if _, err := rand.Read(u[:]); err != nil {
		panic(err)
	}
	return u
}

func uuidLike(u [16]byte) string {
	h := hex.EncodeToString(u[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// BenchmarkListDeliveries100k lists 50 deliveries (the CLI's default
// limit) and the totals out of 100,000 for each filter of `deliveries list`:
// one in a hundred failed (status 500), four event types, ten configs.
func BenchmarkListDeliveries100k(b *testing.B) {
	ctx := context.Background()
	s := openTemp(b, b.TempDir())
	events := []string{"device.enrolled", "device.locked", "device.lost", "push"}
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for round := range 200 {
		ds := benchDeliveries(500, round)
		for i, d := range ds {
			n := round*500 + i
			d.CreatedAt = start.Add(time.Duration(n) * time.Second)
			d.EventType = events[n%len(events)]
			d.ConfigID = fmt.Sprintf("whc_%02d", n%10)
			if n%100 == 7 {
				d.State, d.StatusCode = model.DeliveryFailed, 500
			}
		}
		if err := s.SaveDeliveries(ctx, ds); err != nil {
			b.Fatal(err)
		}
	}
	for _, tt := range []struct {
		name string
		f    DeliveryFilter
	}{
		{"all", DeliveryFilter{}},
		{"failed", DeliveryFilter{State: model.DeliveryFailed}},
		{"succeeded", DeliveryFilter{State: model.DeliverySucceeded}},
		{"status-500", DeliveryFilter{StatusCode: 500}},
		{"event", DeliveryFilter{EventType: "device.lost"}},
		{"config", DeliveryFilter{ConfigID: "whc_03"}},
		{"request-id", DeliveryFilter{RequestID: "req-dlv_000150_000250"}},
		{"since-last-hour", DeliveryFilter{Since: start.Add(99_000 * time.Second)}},
	} {
		b.Run(tt.name, func(b *testing.B) {
			tt.f.Limit = 50
			for b.Loop() {
				if _, _, _, err := s.ListDeliveries(ctx, "default", tt.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
