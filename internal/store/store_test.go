package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/ids"
	"github.com/hookctl/hookctl/internal/model"
)

// SchemaVersion is the schema version this binary knows.
func SchemaVersion() int {
	ms, _ := loadMigrations()
	return len(ms)
}

func openTemp(t testing.TB, dir string) *Store {
	t.Helper()
	s, err := openTestDB(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func newConfig(url string) *model.WebhookConfig {
	now := time.Now().UTC()
	return &model.WebhookConfig{Tenant: "default", ID: ids.New(ids.WebhookConfig), URL: url, Events: []string{"*"}, Scheme: "standard",
		Secret: "whsec_x", Enabled: true, CreatedAt: now, UpdatedAt: now}
}

func TestOpenCreatesPrivateFiles(t *testing.T) {
	sqliteOnly(t)
	dir := filepath.Join(t.TempDir(), "a", "hookctl")
	s := openTemp(t, dir)
	if err := s.InsertWebhookConfig(context.Background(), newConfig("https://e.x/1")); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %o, want 700", st.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries { // hookctl.db, -wal, -shm
		info, _ := e.Info()
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %o, want 600", e.Name(), info.Mode().Perm())
		}
	}
}

func TestMigrationsApplyOnceAndReopen(t *testing.T) {
	sqliteOnly(t)
	dir := t.TempDir()
	s := openTemp(t, dir)
	var v int
	s.DB().QueryRow("PRAGMA user_version").Scan(&v)
	if v != SchemaVersion() || v == 0 {
		t.Fatalf("user_version = %d, want %d", v, SchemaVersion())
	}
	s.InsertWebhookConfig(context.Background(), newConfig("https://e.x/keep"))
	s.Close()
	s2 := openTemp(t, dir)
	got, err := s2.ListWebhookConfigs(context.Background(), "default", WebhookConfigFilter{})
	if err != nil || len(got) != 1 {
		t.Fatalf("after reopen: %v, %v", got, err)
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	sqliteOnly(t)
	dir := t.TempDir()
	s := openTemp(t, dir)
	s.DB().Exec(fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion()+5))
	s.Close()
	_, err := Open(context.Background(), dir)
	if err == nil || !strings.Contains(err.Error(), "upgrade hookctl") {
		t.Fatalf("err = %v, want an upgrade hint", err)
	}
}

func TestCorruptFileIsReportedNotReset(t *testing.T) {
	sqliteOnly(t)
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	junk := []byte(strings.Repeat("this is not sqlite ", 300))
	os.WriteFile(path, junk, 0o600)
	_, err := Open(context.Background(), dir)
	if err == nil || !strings.Contains(err.Error(), "not a valid hookctl database") || !strings.Contains(err.Error(), "--data-dir") {
		t.Fatalf("err = %v", err)
	}
	after, _ := os.ReadFile(path)
	if string(after) != string(junk) {
		t.Fatal("the corrupt file was modified")
	}
}

func TestDuplicateURLIsConflict(t *testing.T) {
	s := openTemp(t, t.TempDir())
	ctx := context.Background()
	s.InsertWebhookConfig(ctx, newConfig("https://e.x/dup"))
	err := s.InsertWebhookConfig(ctx, newConfig("https://e.x/dup"))
	if !errors.Is(err, apperr.ErrConflict) {
		t.Fatalf("err = %v, want conflict", err)
	}
}

// Two handles on one file stand for two hookctl processes (the testscript
// concurrency.txtar runs real processes): nothing written may be lost.
func TestConcurrentWritersLoseNothing(t *testing.T) {
	dir := t.TempDir()
	a, b := openTemp(t, dir), openTemp(t, dir)
	ctx := context.Background()
	const per = 100
	var wg sync.WaitGroup
	errs := make(chan error, 2*per)
	for w, s := range []*Store{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < per; i++ {
				if err := s.InsertWebhookConfig(ctx, newConfig(fmt.Sprintf("https://e.x/%d/%d", w, i))); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	got, _ := a.ListWebhookConfigs(ctx, "default", WebhookConfigFilter{})
	if len(got) != 2*per {
		t.Fatalf("%d configs stored, want %d", len(got), 2*per)
	}
}

// Read-modify-write updates from two handles must not overwrite each other.
func TestConcurrentUpdatesAreSerialized(t *testing.T) {
	dir := t.TempDir()
	a, b := openTemp(t, dir), openTemp(t, dir)
	ctx := context.Background()
	c := newConfig("https://e.x/u")
	a.InsertWebhookConfig(ctx, c)
	var wg sync.WaitGroup
	for w, s := range []*Store{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				ev := fmt.Sprintf("e%d.%d", w, i)
				if _, err := s.UpdateWebhookConfig(ctx, "default", c.ID, func(c *model.WebhookConfig) error {
					c.Events = append(c.Events, ev)
					return nil
				}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	got, _ := a.GetWebhookConfig(ctx, "default", c.ID)
	if len(got.Events) != 101 {
		t.Fatalf("%d events, want 101: updates were lost", len(got.Events))
	}
}

func TestListFilters(t *testing.T) {
	s := openTemp(t, t.TempDir())
	ctx := context.Background()
	dev := newConfig("https://e.x/dev")
	dev.Events = []string{"device.*"}
	off := newConfig("https://e.x/off")
	off.Enabled = false
	s.InsertWebhookConfig(ctx, dev)
	s.InsertWebhookConfig(ctx, off)
	no := false
	tests := []struct {
		f    WebhookConfigFilter
		want int
	}{
		{WebhookConfigFilter{}, 2},
		{WebhookConfigFilter{Event: "device.locked"}, 2},
		{WebhookConfigFilter{Event: "push"}, 1},
		{WebhookConfigFilter{Enabled: &no}, 1},
	}
	for _, tt := range tests {
		got, err := s.ListWebhookConfigs(ctx, "default", tt.f)
		if err != nil || len(got) != tt.want {
			t.Errorf("filter %+v: %d results (%v), want %d", tt.f, len(got), err, tt.want)
		}
	}
}

// BenchmarkListWebhookConfigs10k measures listing a store of 10,000 configs,
// what `hookctl webhook-config list` does.
func BenchmarkListWebhookConfigs10k(b *testing.B) {
	s := openTemp(b, b.TempDir())
	ctx := context.Background()
	tx, _ := s.DB().Begin()
	for i := 0; i < 10000; i++ {
		c := newConfig(fmt.Sprintf("https://e.x/%d", i))
		args, _ := webhookConfigArgs(c)
		if _, err := tx.Exec(`INSERT INTO webhook_configs (`+webhookConfigColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`, args...); err != nil {
			b.Fatal(err)
		}
	}
	tx.Commit()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		got, err := s.ListWebhookConfigs(ctx, "default", WebhookConfigFilter{})
		if err != nil || len(got) != 10000 {
			b.Fatal(len(got), err)
		}
	}
}

// '?' and '#' end the path of a file: URI; a data dir containing them must
// still open its own file, not a truncated path.
func TestOpenDirWithURICharacters(t *testing.T) {
	sqliteOnly(t)
	base := t.TempDir()
	dir := filepath.Join(base, "a#b?c%d")
	s := openTemp(t, dir)
	if err := s.InsertWebhookConfig(context.Background(), newConfig("https://e.x/uri")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, FileName)); err != nil {
		t.Fatalf("database not in %s: %v", dir, err)
	}
	entries, _ := os.ReadDir(base)
	if len(entries) != 1 {
		t.Fatalf("stray files next to the data dir: %v", entries)
	}
}

func TestInsertConfigInstanceTwiceIsAConflict(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, t.TempDir())
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	ci := &model.ConfigInstance{Tenant: "default", ID: "cfg_inst_1", ConfigTypeID: "ct_1", DeviceID: "dev_1", RelativeFilepath: "a.json",
		Content: json.RawMessage(`{}`), Status: model.ConfigInstanceValidating, CreatedAt: now, UpdatedAt: now}
	if err := s.InsertConfigInstance(ctx, ci); err != nil {
		t.Fatal(err)
	}
	err := s.InsertConfigInstance(ctx, ci)
	if !errors.Is(err, apperr.ErrConflict) || !strings.Contains(err.Error(), "config instance cfg_inst_1 already exists") {
		t.Errorf("second insert: %v, want a conflict naming the instance", err)
	}
}
