package apikey_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/apikey"
	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/store"
)

func TestCreateValidatesTenants(t *testing.T) {
	s, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tests := []struct {
		tenant string
		ok     bool
	}{
		{"", true}, // the default tenant
		{"acme", true},
		{"team_b-2", true},
		{"0ops", true},
		{"Acme", false},
		{"acme.corp", false}, // a dot would make routing keys ambiguous
		{"-acme", false},
		{"a b", false},
		{string(make([]byte, 64)), false},
	}
	for _, tt := range tests {
		_, k, err := apikey.Create(context.Background(), s, "n", tt.tenant, time.Now())
		if tt.ok != (err == nil) {
			t.Errorf("tenant %q: err = %v, want ok %v", tt.tenant, err, tt.ok)
		}
		if !tt.ok && !errors.Is(err, apperr.ErrInvalid) {
			t.Errorf("tenant %q: err = %v, want an invalid-input error (exit 2, 422)", tt.tenant, err)
		}
		if tt.ok && tt.tenant == "" && k.Tenant != apikey.DefaultTenant {
			t.Errorf("no tenant: got %q", k.Tenant)
		}
	}
}

// last_used_at is bookkeeping: written at most once per TouchEvery, and a
// failure to write it (a full disk) never fails the call.
func TestAuthenticateSurvivesAFailedTouch(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	key, _, err := apikey.Create(ctx, s, "n", "acme", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	var failures int
	a := &apikey.Authenticator{Store: s, Now: func() time.Time { return now }, TouchEvery: time.Minute,
		OnTouchError: func(string, error) { failures++ }}
	if _, err := a.Authenticate(ctx, key); err != nil {
		t.Fatal(err)
	}
	// Every write to api_keys fails from now on, as on a full disk.
	if _, err := s.DB().Exec(`CREATE TRIGGER no_writes BEFORE UPDATE ON api_keys BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END`); err != nil {
		t.Fatal(err)
	}
	now = now.Add(30 * time.Second) // within TouchEvery: no write tried
	if k, err := a.Authenticate(ctx, key); err != nil || k.Tenant != "acme" {
		t.Fatalf("within a minute: %v, %v", k, err)
	}
	if failures != 0 {
		t.Fatalf("a write was tried %d times within TouchEvery", failures)
	}
	now = now.Add(time.Minute) // due: the write fails, the call does not
	if _, err := a.Authenticate(ctx, key); err != nil {
		t.Fatalf("a failed last_used_at write failed the call: %v", err)
	}
	if failures != 1 {
		t.Fatalf("failures reported: %d, want 1", failures)
	}
}
