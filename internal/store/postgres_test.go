package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/pgtest"
	"github.com/jackc/pgx/v5/pgconn"
)

// What only PostgreSQL has: replicas sharing one database. These run once,
// in the first pass (the second repeats the common tests on PostgreSQL).

func pgOnce(t *testing.T) string {
	t.Helper()
	if onPostgres {
		t.Skip("ran in the first pass")
	}
	return pgtest.Database(t)
}

func openURL(t *testing.T, u string) *Store {
	t.Helper()
	s, err := OpenURL(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestMaskURL(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"postgres://u:secret@h:5432/db?sslmode=disable", "postgres://u:***@h:5432/db?sslmode=disable"},
		{"postgresql://u@h/db", "postgresql://u@h/db"},
		{"postgres://h/db?password=secret&sslmode=disable", "postgres://h/db?password=***&sslmode=disable"},
		{"postgres://u:p%40ss@h/db", "postgres://u:***@h/db"},
		{"postgres://u:pw@[::1", "postgres://u:***@[::1"},
		// Unencoded @, # and / in the password: masked whole, not split
		// where a URL parser would split it.
		{"postgres://u:p@ss#s3cretword@127.0.0.1:1/db", "postgres://u:***@127.0.0.1:1/db"},
		{"postgres://u:s3cret/pw@h/db", "postgres://u:***@h/db"},
	} {
		if got := MaskURL(c.in); got != c.want {
			t.Errorf("MaskURL(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// An unreachable server fails at once, naming the masked URL and what to
// check, without the password.
func TestOpenURLUnreachable(t *testing.T) {
	_, err := OpenURL(context.Background(), "postgres://hookctl:s3cr3tpw@127.0.0.1:1/hookctl?sslmode=disable&connect_timeout=2")
	if err == nil {
		t.Fatal("opened an unreachable database")
	}
	msg := err.Error()
	if strings.Contains(msg, "s3cr3tpw") || !strings.Contains(msg, "postgres://hookctl:***@127.0.0.1:1/hookctl") ||
		!strings.Contains(msg, "check that the server is running") || strings.Contains(msg, "\n") {
		t.Errorf("error = %q", msg)
	}
	for _, bad := range []string{"mysql://x", "postgres://u:s3cret%zzpw@h/db"} {
		_, err := OpenURL(context.Background(), bad)
		if !errors.Is(err, apperr.ErrUsage) || !strings.Contains(err.Error(), "want postgres://") ||
			!strings.Contains(err.Error(), "percent-encoded") || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

// Replicas starting together on a fresh database migrate it once.
func TestPostgresConcurrentMigrations(t *testing.T) {
	u := pgOnce(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := OpenURL(context.Background(), u)
			if err == nil {
				s.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("replica %d: %v", i, err)
		}
	}
	s := openURL(t, u)
	var v int
	if err := s.DB().QueryRow(`SELECT version FROM hookctl_schema`).Scan(&v); err != nil || v != SchemaVersion() {
		t.Fatalf("schema version %d (%v), want %d", v, err, SchemaVersion())
	}
	if _, err := s.DB().Exec(`UPDATE hookctl_schema SET version = version + 5`); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenURL(context.Background(), u); err == nil || !strings.Contains(err.Error(), "upgrade hookctl") {
		t.Fatalf("newer schema: %v", err)
	}
}

func enqueueN(t *testing.T, s *Store, n int, at time.Time) {
	t.Helper()
	items := make([]OutboxItem, n)
	for i := range items {
		d := roundTripDelivery(i, 1)
		d.State, d.Attempts, d.AttemptCount = model.DeliveryPending, nil, 0
		items[i] = OutboxItem{Delivery: d, Job: []byte(`{}`), NextAttemptAt: at}
	}
	if err := s.EnqueueDeliveries(context.Background(), items); err != nil {
		t.Fatal(err)
	}
}

// Two replicas claiming at once each get their own rows (SKIP LOCKED):
// together every row, never one twice.
func TestPostgresClaimsAreDisjoint(t *testing.T) {
	u := pgOnce(t)
	a, b := openURL(t, u), openURL(t, u)
	now := time.Now()
	enqueueN(t, a, 400, now)
	seen := map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, r := range []struct {
		s     *Store
		owner string
	}{{a, "rpl_a"}, {b, "rpl_b"}, {a, "rpl_c"}, {b, "rpl_d"}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				es, err := r.s.ClaimOutbox(context.Background(), r.owner, now, time.Minute, 25)
				if err != nil {
					t.Error(err)
					return
				}
				if len(es) == 0 {
					return
				}
				mu.Lock()
				for _, e := range es {
					if prev, dup := seen[e.DeliveryID]; dup {
						t.Errorf("%s claimed by %s and %s", e.DeliveryID, prev, r.owner)
					}
					seen[e.DeliveryID] = r.owner
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != 400 {
		t.Fatalf("claimed %d rows, want 400", len(seen))
	}
}

// A dead replica's lease expires and another claims its rows; the dead
// one's late renewal then renews nothing (the rows are the other's), and
// a live owner's renewal keeps its rows from being claimed.
func TestPostgresLeasesExpireAndRenew(t *testing.T) {
	u := pgOnce(t)
	a, b := openURL(t, u), openURL(t, u)
	now := time.Now()
	enqueueN(t, a, 3, now)
	ctx := context.Background()
	held, err := a.ClaimOutbox(ctx, "rpl_a", now, 30*time.Second, 10)
	if err != nil || len(held) != 3 {
		t.Fatalf("claim: %d, %v", len(held), err)
	}
	if es, _ := b.ClaimOutbox(ctx, "rpl_b", now.Add(10*time.Second), 30*time.Second, 10); len(es) != 0 {
		t.Fatalf("claimed %d leased rows", len(es))
	}
	keys := []OutboxKey{{held[0].Tenant, held[0].DeliveryID}}
	if n, err := a.RenewOutboxLeases(ctx, "rpl_a", keys, now.Add(20*time.Second), 30*time.Second); err != nil || n != 1 {
		t.Fatalf("renew: %d, %v", n, err)
	}
	// At +40s the two rows not renewed are free; the renewed one is not.
	es, err := b.ClaimOutbox(ctx, "rpl_b", now.Add(40*time.Second), 30*time.Second, 10)
	if err != nil || len(es) != 2 {
		t.Fatalf("after expiry: %d, %v", len(es), err)
	}
	for _, e := range es {
		if e.DeliveryID == held[0].DeliveryID {
			t.Fatal("a renewed lease was claimed")
		}
	}
	lost := []OutboxKey{{es[0].Tenant, es[0].DeliveryID}}
	if n, _ := a.RenewOutboxLeases(ctx, "rpl_a", lost, now.Add(41*time.Second), 30*time.Second); n != 0 {
		t.Fatalf("renewed %d leases another replica holds", n)
	}
}

// A source event committed by one replica is announced to another
// (LISTEN/NOTIFY), and only once committed; a lead is held by one at a time.
func TestPostgresNotifyAndLead(t *testing.T) {
	u := pgOnce(t)
	a, b := openURL(t, u), openURL(t, u)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan Notification, 16)
	ready := make(chan struct{})
	go b.Subscribe(ctx, ready, func(n Notification) { got <- n })
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("not listening")
	}
	r := receivedRequest(7)
	r.Source = "src_x"
	if _, err := a.InsertSourceRequest(ctx, r, nil); err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-got:
		if n.Kind != NotifySourceEvent || fmt.Sprint(n.Keys) != "[src_x]" {
			t.Fatalf("notification %+v", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no notification")
	}

	lctx, release, err := a.Lead(ctx, "publish")
	if err != nil {
		t.Fatal(err)
	}
	waitCtx, stop := context.WithTimeout(ctx, 700*time.Millisecond)
	if _, _, err := b.Lead(waitCtx, "publish"); err == nil {
		t.Fatal("two leaders")
	}
	stop()
	release()
	if lctx.Err() == nil {
		t.Fatal("the lead's context outlived release")
	}
	_, release2, err := b.Lead(ctx, "publish")
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	release2()
}

// A source's events commit in sequence order even from concurrent
// writers, so that a relay resuming after the last id it saw misses none.
func TestPostgresSourceEventsInOrder(t *testing.T) {
	u := pgOnce(t)
	a, b := openURL(t, u), openURL(t, u)
	ctx := context.Background()
	var wg sync.WaitGroup
	for w, s := range []*Store{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				r := receivedRequest(w*100 + i)
				r.Source = "src_o"
				if _, err := s.InsertSourceRequest(ctx, r, nil); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	// A reader following the log as a relay does.
	last, seen := int64(0), 0
	deadline := time.Now().Add(20 * time.Second)
	for seen < 100 && time.Now().Before(deadline) {
		evs, err := b.SourceEventsAfter(ctx, "src_o", last, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			last = ev.Seq
			seen++
		}
	}
	wg.Wait()
	if seen != 100 {
		t.Fatalf("the follower saw %d of 100 events", seen)
	}
}

// Errors that mean "the database is away, try again" (503), and not.
func TestIsUnavailable(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&pgconn.PgError{Code: "08006"}, true},                          // connection failure
		{&pgconn.PgError{Code: "53300"}, true},                          // too many connections
		{&pgconn.PgError{Code: "57P01"}, true},                          // admin shutdown
		{&pgconn.PgError{Code: "57P03"}, true},                          // starting up
		{fmt.Errorf("list: %w", &pgconn.PgError{Code: "23505"}), false}, // unique violation
		{&pgconn.PgError{Code: "42601"}, false},                         // syntax error
		{fmt.Errorf("x: %w", io.ErrUnexpectedEOF), true},
		{errors.New("something else"), false},
		{nil, false},
	} {
		if got := IsUnavailable(c.err); got != c.want {
			t.Errorf("IsUnavailable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
