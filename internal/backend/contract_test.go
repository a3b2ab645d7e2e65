package backend_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/apikey"
	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/backend/backendtest"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/pgtest"
	"github.com/hookctl/hookctl/internal/server"
	"github.com/hookctl/hookctl/internal/server/servertest"
	"github.com/hookctl/hookctl/internal/store"
)

// TestContractLocal runs the Backend contract against the embedded store.
func TestContractLocal(t *testing.T) {
	backendtest.Run(t, func(t *testing.T) backend.Backend {
		s, err := store.Open(context.Background(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		l := backend.NewLocal(s, nil)
		t.Cleanup(func() { l.Close() })
		return l
	})
}

// TestContractRemote runs the same contract against Remote talking to a
// real API server on 127.0.0.1:0.
func TestContractRemote(t *testing.T) {
	backendtest.Run(t, func(t *testing.T) backend.Backend {
		return remoteOf(t, func() (*servertest.Instance, error) { return servertest.Start(t.TempDir()) })
	})
}

// remoteOf starts a server and returns a Remote of it, both closed at the
// end of the test.
func remoteOf(t *testing.T, start func() (*servertest.Instance, error)) backend.Backend {
	in, err := start()
	if err != nil {
		t.Fatal(err)
	}
	r := in.Remote()
	t.Cleanup(func() {
		r.Close()
		if err := in.Close(); err != nil {
			t.Error(err)
		}
	})
	return r
}

// TestRemoteSaveDeliveriesFitsTheBodyLimit records batches bigger than the
// server's body limit (load mode saves 500 at a time, over 2 KiB each once
// encoded): they are sent in chunks, halved again on 413, and nothing is
// lost; only a delivery too big on its own is refused, by id.
func TestRemoteSaveDeliveriesFitsTheBodyLimit(t *testing.T) {
	ctx := context.Background()
	payload := []byte(`{"data":"` + strings.Repeat("x", 1500) + `"}`)
	batch := func(prefix string, n int, body []byte) []*model.Delivery {
		ds := make([]*model.Delivery, n)
		at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
		for i := range ds {
			id := fmt.Sprintf("dlv_%s%05d", prefix, i)
			ds[i] = &model.Delivery{ID: id, RequestID: "req-" + id, EventType: "device.enrolled", URL: "http://127.0.0.1:1/hook",
				RequestHeaders: map[string]string{"X-Request-Id": "req-" + id}, Payload: body, State: model.DeliverySucceeded,
				StatusCode: 200, CreatedAt: at, UpdatedAt: at,
				Attempts: []model.DeliveryAttempt{{N: 1, StartedAt: at, StatusCode: 200, ResponseBody: `{"message":"ok"}`}}}
		}
		return ds
	}
	tests := []struct {
		name    string
		maxBody int64 // 0: the server's default (1 MiB)
		n       int
	}{
		{"500 deliveries, default limit", 0, 500},
		{"300 deliveries, a 64 KiB limit", 64 << 10, 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := servertest.Start(t.TempDir(), func(o *server.Options) { o.MaxBodyBytes = tt.maxBody })
			if err != nil {
				t.Fatal(err)
			}
			r := in.Remote()
			defer func() { r.Close(); in.Close() }()
			if err := r.SaveDeliveries(ctx, batch("a", tt.n, payload)); err != nil {
				t.Fatal(err)
			}
			list, err := r.ListDeliveries(ctx, backend.ListDeliveriesParams{})
			if err != nil {
				t.Fatal(err)
			}
			if list.Total != tt.n {
				t.Errorf("recorded %d of %d", list.Total, tt.n)
			}
		})
	}
	t.Run("one delivery over the limit is refused by id", func(t *testing.T) {
		in, err := servertest.Start(t.TempDir(), func(o *server.Options) { o.MaxBodyBytes = 16 << 10 })
		if err != nil {
			t.Fatal(err)
		}
		r := in.Remote()
		defer func() { r.Close(); in.Close() }()
		ds := append(batch("b", 3, payload), batch("c", 1, bytes.Repeat([]byte("y"), 32<<10))...)
		err = r.SaveDeliveries(ctx, ds)
		if !errors.Is(err, apperr.ErrTooLarge) || !strings.Contains(err.Error(), "dlv_c00000") {
			t.Errorf("err = %v, want too large naming dlv_c00000", err)
		}
	})
}

// TestTenantsLocal: the isolation contract on two Locals of one store.
func TestTenantsLocal(t *testing.T) {
	backendtest.Tenants(t, func(t *testing.T) (backend.Backend, backend.Backend) {
		s, err := store.Open(context.Background(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		l := backend.NewLocal(s, nil)
		t.Cleanup(func() { l.Close() })
		return l.ForTenant("acme"), l.ForTenant("globex")
	})
}

// TestTenantsRemote: the same contract over the API, with the keys of two
// tenants on one server.
func TestTenantsRemote(t *testing.T) {
	backendtest.Tenants(t, func(t *testing.T) (backend.Backend, backend.Backend) {
		in, err := servertest.Start(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := in.Close(); err != nil {
				t.Error(err)
			}
		})
		var bes [2]backend.Backend
		for i, tenant := range []string{"acme", "globex"} {
			key, _, err := apikey.Create(context.Background(), in.Store, tenant, tenant, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			r, err := backend.NewRemote(in.URL, key, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { r.Close() })
			bes[i] = r
		}
		return bes[0], bes[1]
	})
}

// openPostgres opens a fresh PostgreSQL database for one test (skipped
// without HOOKCTL_TEST_POSTGRES_URL).
func openPostgres(t *testing.T) *store.Store {
	s, err := store.OpenURL(context.Background(), pgtest.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestContractPostgres runs the Backend contract, unchanged, on PostgreSQL.
func TestContractPostgres(t *testing.T) {
	backendtest.Run(t, func(t *testing.T) backend.Backend {
		l := backend.NewLocal(openPostgres(t), nil)
		t.Cleanup(func() { l.Close() })
		return l
	})
}

// TestContractRemotePostgres: the contract over the API of a server on
// PostgreSQL.
func TestContractRemotePostgres(t *testing.T) {
	backendtest.Run(t, func(t *testing.T) backend.Backend {
		return remoteOf(t, func() (*servertest.Instance, error) { return servertest.StartOn(openPostgres(t)) })
	})
}

// TestTenantsPostgres: the isolation contract on PostgreSQL.
func TestTenantsPostgres(t *testing.T) {
	backendtest.Tenants(t, func(t *testing.T) (backend.Backend, backend.Backend) {
		l := backend.NewLocal(openPostgres(t), nil)
		t.Cleanup(func() { l.Close() })
		return l.ForTenant("acme"), l.ForTenant("globex")
	})
}
