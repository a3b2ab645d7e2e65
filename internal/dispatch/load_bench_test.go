package dispatch_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/dispatch"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/store"
)

// BenchmarkLoadRecorded is load mode end to end: 64 senders, signed
// requests to a local 200 receiver, every delivery recorded through a
// BatchRecorder on a temporary store. -cpuprofile shows where it goes.
func BenchmarkLoadRecorded(b *testing.B) {
	benchLoad(b, true)
}

// BenchmarkLoadMock is the same without recording.
func BenchmarkLoadMock(b *testing.B) {
	benchLoad(b, false)
}

func benchLoad(b *testing.B, recorded bool) {
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
		// Saved as the CLI saves them: through the default tenant's backend.
		batch = dispatch.NewBatchRecorder(backend.NewLocal(s, nil).SaveDeliveries, 500, 0)
		rec = batch
	}
	d := dispatch.New(&http.Client{Transport: tr}, rec)
	ev := dispatch.Event{Type: "device.enrolled", Body: []byte(`{"id":"evt_01","type":"device.enrolled","data":{"device":{"id":"dev_123","serial":"C02XYZ"}}}`)}
	tg := dispatch.Target{URL: srv.URL + "/hook", Scheme: "hmac-sha256", Secrets: []signature.Secret{{Value: "s3cret"}}}
	b.ReportAllocs()
	b.ResetTimer()
	var left atomic.Int64
	left.Store(int64(b.N))
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for left.Add(-1) >= 0 {
				if _, err := d.Deliver(ctx, ev, tg); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if batch != nil {
		if err := batch.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
