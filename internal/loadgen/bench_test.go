package loadgen

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hookctl/hookctl/internal/dispatch"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/store"
)

// BenchmarkRunRecorded is load mode as `webhook send --count N
// --concurrency 64` runs it, without the command: Run with 64 workers,
// the lean client, signed requests to a local 200 receiver, every delivery
// recorded through a BatchRecorder on a temporary store.
func BenchmarkRunRecorded(b *testing.B) { benchRun(b, true) }

// BenchmarkRunMock is the same without recording (--mock).
func BenchmarkRunMock(b *testing.B) { benchRun(b, false) }

func benchRun(b *testing.B, recorded bool) {
	ctx := context.Background()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = w.Write([]byte(`{"message":"ok"}`))
	}))
	defer srv.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	defer tr.CloseIdleConnections()
	var batch *dispatch.BatchRecorder
	var rec dispatch.Recorder
	if recorded {
		s, err := store.Open(ctx, b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		// What backend.Local does for the CLI: rows belong to the default tenant.
		batch = dispatch.NewBatchRecorder(func(ctx context.Context, ds []*model.Delivery) error {
			for _, d := range ds {
				d.Tenant = model.DefaultTenant
			}
			return s.SaveDeliveries(ctx, ds)
		}, 500, 0)
		rec = batch
	}
	d := dispatch.New(LeanClient(&http.Client{Transport: tr}, 64), rec)
	cfg := Config{Deliver: d.Deliver, Count: b.N, Concurrency: 64,
		Event:   dispatch.Event{Type: "device.enrolled", Body: []byte(`{"id":"evt_01","type":"device.enrolled","data":{"device":{"id":"dev_123","serial":"C02XYZ"}}}`)},
		Targets: []dispatch.Target{{URL: srv.URL + "/hook", Scheme: "hmac-sha256", Secrets: []signature.Secret{{Value: "s3cret"}}}}}
	b.ReportAllocs()
	b.ResetTimer()
	s, err := Run(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	if batch != nil {
		if err := batch.Close(); err != nil {
			b.Fatal(err)
		}
	}
	if s.Succeeded != b.N {
		b.Fatalf("%d of %d succeeded", s.Succeeded, b.N)
	}
	b.ReportMetric(s.RequestsPerSec, "req/s")
}
