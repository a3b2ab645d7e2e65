package backend_test

import (
	"context"
	"testing"

	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/backend/backendtest"
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
		in, err := servertest.Start(t.TempDir())
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
	})
}
