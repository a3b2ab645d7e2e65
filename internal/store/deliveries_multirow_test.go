package store

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/model"
)

// roundTripDelivery is a delivery with n attempts whose fields all differ
// from the next one's.
func roundTripDelivery(i, attempts int) *model.Delivery {
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Millisecond)
	id := fmt.Sprintf("dlv_rt%05d", i)
	d := &model.Delivery{Tenant: "default", ID: id, RequestID: "req-" + id, EventType: "device.enrolled", EventID: fmt.Sprintf("evt_%d", i),
		ConfigID: fmt.Sprintf("whc_%d", i%3), URL: "http://127.0.0.1/hook/" + id, Scheme: "standard-webhooks",
		RequestHeaders: map[string]string{"Content-Type": "application/json", "X-Request-Id": "req-" + id, "Webhook-Signature": "v1,abc+/="},
		Payload:        []byte(fmt.Sprintf(`{"n":%d}`, i%4)), // some payloads shared, some not
		State:          model.DeliverySucceeded, StatusCode: 200, AttemptCount: attempts, ResendOf: "",
		CreatedAt: at, UpdatedAt: at.Add(time.Second)}
	if i%5 == 0 {
		d.RequestHeaders["X-Odd"] = "<&> \"quoted\" é\u2028"
		d.State, d.StatusCode = model.DeliveryFailed, 503
		d.ResendOf = "dlv_prev"
	}
	for n := 1; n <= attempts; n++ {
		d.Attempts = append(d.Attempts, model.DeliveryAttempt{N: n, StartedAt: at.Add(time.Duration(n) * time.Microsecond),
			StatusCode: 500 + n, Latency: time.Duration(1000+n) * time.Microsecond, ResponseBody: fmt.Sprintf("body %d/%d", i, n),
			ResponseTruncated: n%2 == 0, Error: fmt.Sprintf("err %d", n)})
	}
	d.Attempts[attempts-1].StatusCode = d.StatusCode
	return d
}

// TestSaveDeliveriesMultiRowRoundTrip writes batches of 1, 2 and many
// deliveries (across the chunk sizes of the multi-row statements) and reads
// every delivery and attempt back exactly.
func TestSaveDeliveriesMultiRowRoundTrip(t *testing.T) {
	ctx := context.Background()
	for _, n := range []int{1, 2, deliveryChunk - 1, deliveryChunk, deliveryChunk + 1, 500} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			s, err := openTestDB(t, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			ds := make([]*model.Delivery, n)
			for i := range ds {
				ds[i] = roundTripDelivery(i, 1+i%3) // 1–3 attempts: attempt chunks do not line up with delivery chunks
			}
			if err := s.SaveDeliveries(ctx, ds); err != nil {
				t.Fatal(err)
			}
			// A second batch reuses the cached statements.
			if err := s.SaveDeliveries(ctx, ds[:1]); err != nil {
				t.Fatal(err)
			}
			_, _, tot, err := s.ListDeliveries(ctx, "default", DeliveryFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if tot.Total != n {
				t.Fatalf("total = %d, want %d", tot.Total, n)
			}
			for _, want := range ds {
				got, err := s.GetDelivery(ctx, "default", want.ID)
				if err != nil {
					t.Fatal(err)
				}
				w := *want
				w.AttemptCount = len(w.Attempts)
				if !reflect.DeepEqual(got, &w) {
					t.Fatalf("read back\n%+v\nwant\n%+v", got, &w)
				}
			}
			var payloads int
			if err := s.DB().QueryRow(`SELECT COUNT(*) FROM delivery_payloads`).Scan(&payloads); err != nil {
				t.Fatal(err)
			}
			if want := min(n, 4); payloads != want {
				t.Errorf("payloads = %d, want %d", payloads, want)
			}
		})
	}
}

// TestSaveDeliveriesSameIDTwiceInBatch: a later row of the same delivery in
// one batch upserts the earlier one, as consecutive single-row saves did.
func TestSaveDeliveriesSameIDTwiceInBatch(t *testing.T) {
	ctx := context.Background()
	s, err := openTestDB(t, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	first := roundTripDelivery(1, 1)
	first.State, first.StatusCode = model.DeliveryPending, 503
	first.Attempts[0].StatusCode = 503
	second := roundTripDelivery(1, 2)
	second.Attempts[0] = first.Attempts[0]
	second.Attempts[0].Error = "err 1; retried"
	second.RequestHeaders = nil // stored headers are kept
	if err := s.SaveDeliveries(ctx, []*model.Delivery{first, second}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetDelivery(ctx, "default", first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != second.State || got.StatusCode != second.StatusCode || got.AttemptCount != 2 || len(got.Attempts) != 2 {
		t.Fatalf("got %+v", got)
	}
	if got.Attempts[0].Error != "err 1; retried" || !reflect.DeepEqual(got.RequestHeaders, first.RequestHeaders) {
		t.Fatalf("attempt 1 error %q, headers %v", got.Attempts[0].Error, got.RequestHeaders)
	}
}

func TestSaveDeliveriesMissingID(t *testing.T) {
	ctx := context.Background()
	s, err := openTestDB(t, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d := roundTripDelivery(1, 1)
	bad := roundTripDelivery(2, 1)
	bad.ID = ""
	if err := s.SaveDeliveries(ctx, []*model.Delivery{d, bad}); err == nil {
		t.Fatal("want an error for a delivery without id")
	}
	if _, _, tot, _ := s.ListDeliveries(ctx, "default", DeliveryFilter{}); tot.Total != 0 {
		t.Fatalf("nothing should be saved, got %d", tot.Total)
	}
}

// TestAppendHeadersJSONMatchesMarshal: the fast encoder writes the bytes
// json.Marshal wrote before, plain or not.
func TestAppendHeadersJSONMatchesMarshal(t *testing.T) {
	for _, h := range []map[string]string{
		nil,
		{},
		{"A": "1"},
		{"X-Request-Id": "r", "Content-Type": "application/json", "User-Agent": "hookctl/dev", "b": "", "": "empty key"},
		{"Webhook-Signature": "v1,K5oZ+/= v1,x"},
		{"X": "a<b>&c"},
		{"X": `quote " and \ backslash`},
		{"X": "tab\tnewline\n"},
		{"X": "é ü \u2028 \u2029"},
		{"X": "bad utf8 \xff"},
		{"Ké": "v"},
		{"X": "\x7f del"},
	} {
		want, err := json.Marshal(h)
		if h == nil {
			want = []byte("{}")
		}
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendHeadersJSON([]byte("prefix"), h)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != "prefix"+string(want) {
			t.Errorf("appendHeadersJSON(%q) = %s, want %s", h, got[len("prefix"):], want)
		}
	}
}

func TestMultiRowSQL(t *testing.T) {
	if got := multiRowSQL("INSERT INTO t VALUES ", 2, 3, " END"); got != "INSERT INTO t VALUES (?,?),(?,?),(?,?) END" {
		t.Fatal(got)
	}
	if got := multiRowSQL("H ", 1, 1, ""); got != "H (?)" {
		t.Fatal(got)
	}
}
