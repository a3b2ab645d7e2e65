package replicatest

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/pgtest"
)

// TestUnreachableAtStart is issue 19 item 5's first fault: serve exits 1
// when PostgreSQL does not answer at start, naming the URL with its
// password masked (never the password) and saying what to check.
func TestUnreachableAtStart(t *testing.T) {
	check := func(t *testing.T, e *env, dbURL, password, masked string) {
		t.Helper()
		start := time.Now()
		_, stderr, code := e.run("serve", "--database", dbURL, "--addr", "127.0.0.1:0")
		took := time.Since(start)
		if code != 1 {
			t.Errorf("exit %d, want 1; stderr:\n%s", code, stderr)
		}
		if strings.Contains(stderr, password) {
			t.Errorf("stderr has the password %q:\n%s", password, stderr)
		}
		if !strings.Contains(stderr, masked) {
			t.Errorf("stderr does not name the masked URL %s:\n%s", masked, stderr)
		}
		if !strings.Contains(stderr, "check that the server is running") || strings.Contains(stderr, "Listening") {
			t.Errorf("stderr does not say what to check, or says it listens:\n%s", stderr)
		}
		t.Logf("exit %d after %s: %s", code, took.Round(time.Millisecond), strings.TrimSpace(stderr))
	}

	// Nothing listens on the port (needs no PostgreSQL).
	t.Run("nothing listening", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		const pw = "s3cr3t-Pw"
		dbURL := "postgres://hookctl:" + pw + "@" + addr + "/hookctl?sslmode=disable"
		check(t, newEnv(t, ""), dbURL, pw, "postgres://hookctl:***@"+addr+"/hookctl?sslmode=disable")
	})

	// The real server with its real password, taken away by the proxy
	// before serve starts.
	t.Run("server away", func(t *testing.T) {
		db := pgtest.Database(t)
		proxied, cut, _ := pgtest.ProxyURL(t, db)
		cut()
		u, err := url.Parse(proxied)
		if err != nil {
			t.Fatal(err)
		}
		pw, _ := u.User.Password()
		if pw == "" {
			t.Skip("the test server's URL has no password to hide")
		}
		u.User = url.UserPassword(u.User.Username(), "PW")
		masked := strings.Replace(u.String(), ":PW@", ":***@", 1)
		check(t, newEnv(t, ""), proxied, pw, masked)
	})
}

// TestDatabaseAway is issue 19 item 5's second fault: PostgreSQL taken
// away under a running replica (every connection cut, new ones refused).
// Meanwhile API calls and hooks answer 503 with Retry-After and /healthz
// 503; once it is back the replica recovers by itself, and everything
// acknowledged before and after is delivered: the outbox empties.
func TestDatabaseAway(t *testing.T) {
	db := pgtest.Database(t)
	proxied, cut, restore := pgtest.ProxyURL(t, db)
	e := newEnv(t, db)
	key := e.apiKey()
	rc := newReceiver(t, 5*time.Millisecond)
	r := e.serve("replica", proxied)
	createConfig(t, r, key, rc.URL+"/hook")
	var src struct {
		APIToken string `json:"apiToken"`
		Token    string `json:"token"`
	}
	mustDo(t, "POST", r.URL+"/wh/config", key, map[string]string{"datasource": "crm", "event": "contact"}, http.StatusCreated, &src)
	hookURL := r.URL + "/wh/" + src.APIToken + "/" + src.Token

	acked := map[string]bool{}
	send := func() (response, error) {
		res, err := do(context.Background(), "POST", r.URL+"/v1/events", key, map[string]any{"type": "device.enrolled"})
		if err == nil && res.Status == http.StatusAccepted {
			var sr sendResult
			if json.Unmarshal(res.Body, &sr) == nil && len(sr.Data) == 1 {
				acked[sr.Data[0].RequestID] = true
			}
		}
		return res, err
	}
	// Before: 100 events, then the database goes away at once, while most
	// are still in the outbox or in flight.
	for range 100 {
		if res, err := send(); err != nil || res.Status != http.StatusAccepted {
			t.Fatalf("send before the cut: %v %v", res, err)
		}
	}
	cut()
	cutAt := time.Now()

	// While it is away: 503 + Retry-After from the API (events, lists,
	// configs), the hooks and /healthz, for a while.
	calls := []struct {
		name string
		do   func() (response, error)
	}{
		{"POST /v1/events", send},
		{"GET /v1/deliveries", func() (response, error) {
			return do(context.Background(), "GET", r.URL+"/v1/deliveries?limit=1", key, nil)
		}},
		{"GET /v1/webhook_configs", func() (response, error) {
			return do(context.Background(), "GET", r.URL+"/v1/webhook_configs", key, nil)
		}},
		{"POST hook", func() (response, error) {
			return do(context.Background(), "POST", hookURL, "", map[string]int{"n": 1})
		}},
		{"GET /healthz", func() (response, error) {
			return do(context.Background(), "GET", r.URL+"/healthz", "", nil)
		}},
	}
	rounds := 0
	for time.Since(cutAt) < 2*time.Second {
		for _, c := range calls {
			res, err := c.do()
			if err != nil {
				t.Fatalf("%s while the database is away: %v", c.name, err)
			}
			if res.Status != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
				t.Fatalf("%s while the database is away: %s (Retry-After %q), want 503 with Retry-After", c.name, res, res.Header.Get("Retry-After"))
			}
			if c.name == "GET /healthz" {
				var h struct{ Status, Database string }
				if json.Unmarshal(res.Body, &h) != nil || h.Status != "unavailable" || !strings.HasPrefix(h.Database, "unavailable") {
					t.Fatalf("/healthz while the database is away: %s", res)
				}
			} else if !strings.Contains(string(res.Body), `"code":"unavailable"`) {
				t.Fatalf("%s while the database is away: %s, want the error code unavailable", c.name, res)
			}
		}
		rounds++
	}
	t.Logf("%d rounds of %d calls in the 2 s the database was away: all 503 with Retry-After", rounds, len(calls))

	// Back: the replica recovers without help.
	restore()
	restoredAt := time.Now()
	var healthyAt, sendsAt time.Time
	waitFor(t, 30*time.Second, "the replica to recover (/healthz 200, POST /v1/events 202)", func() bool {
		if healthyAt.IsZero() {
			if res, err := do(context.Background(), "GET", r.URL+"/healthz", "", nil); err == nil && res.Status == http.StatusOK {
				healthyAt = time.Now()
			}
		}
		if sendsAt.IsZero() {
			if res, err := send(); err == nil && res.Status == http.StatusAccepted {
				sendsAt = time.Now()
			}
		}
		return !healthyAt.IsZero() && !sendsAt.IsZero()
	})
	// After: 100 more, and hooks again.
	for range 100 {
		if res, err := send(); err != nil || res.Status != http.StatusAccepted {
			t.Fatalf("send after the restore: %v %v", res, err)
		}
	}
	mustDo(t, "POST", hookURL, "", map[string]int{"n": 2}, http.StatusAccepted, nil)

	// Nothing stuck: the outbox empties (leases taken before the cut
	// expire after testLease) and every acknowledged event arrived.
	waitFor(t, 30*time.Second, "the outbox to empty", func() bool {
		return dbCount(t, db, "SELECT count(*) FROM outbox") == 0
	})
	drainedAt := time.Now()
	got, order := rc.snapshot()
	missing := 0
	for id := range acked {
		if len(got[id]) == 0 {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d acknowledged events never arrived", missing, len(acked))
	}
	dups := 0
	for _, at := range got {
		if len(at) > 1 {
			dups++
		}
	}
	for _, d := range listDeliveries(t, r, key) {
		if d.State != "succeeded" {
			t.Errorf("delivery %s: %s after %d attempts, want succeeded", d.ID, d.State, d.AttemptCount)
		}
	}
	t.Logf("restore → /healthz 200 in %s, → first send 202 in %s, → outbox empty in %s (lease %s); %d events acknowledged, %d arrivals, %d ids twice (attempts whose recording the cut interrupted)",
		healthyAt.Sub(restoredAt).Round(time.Millisecond), sendsAt.Sub(restoredAt).Round(time.Millisecond),
		drainedAt.Sub(restoredAt).Round(time.Millisecond), testLease, len(acked), len(order), dups)
	// Its log says why it answered 503, never with a source's tokens
	// (the hook URL is their credential).
	log := r.stderr.String()
	if !strings.Contains(log, "database unavailable") {
		t.Errorf("the replica's log does not say the database was unavailable:\n%s", log)
	}
	if strings.Contains(log, src.APIToken) || strings.Contains(log, src.Token) {
		t.Errorf("the replica's log has a source's tokens:\n%s", log)
	}
	lines := strings.Split(strings.TrimSpace(log), "\n")
	t.Logf("replica said %d lines, the first 4 and the last 4:\n%s\n…\n%s", len(lines),
		strings.Join(lines[:min(4, len(lines))], "\n"), strings.Join(lines[max(0, len(lines)-4):], "\n"))
}
