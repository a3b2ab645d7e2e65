package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/hookctl/hookctl/internal/apperr"
)

func TestLockIsExclusive(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	dir := t.TempDir()
	a, b := openTemp(t, dir), openTemp(t, dir) // two handles, as two processes would have
	first, err := a.Acquire(ctx, "serve")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Acquire(ctx, "serve"); !errors.Is(err, ErrLocked) || !errors.Is(err, apperr.ErrConflict) {
		t.Fatalf("second Acquire: %v, want a conflict wrapping ErrLocked", err)
	}
	other, err := b.Acquire(ctx, "relay")
	if err != nil {
		t.Fatalf("a lock of another name: %v", err)
	}
	if err := other.Release(); err != nil {
		t.Fatal(err)
	}
	if err := first.Release(); err != nil {
		t.Fatal(err)
	}
	again, err := b.Acquire(ctx, "serve")
	if err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	defer again.Release()
	fi, err := os.Stat(filepath.Join(dir, "serve.lock"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("lock file mode %v, want 0600", fi.Mode().Perm())
	}
}
