package replicatest

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/pgtest"
)

const (
	burstEvents      = 1000
	burstSenders     = 32
	burstKillAfter   = 300 // SIGKILL replica 1 once this many sends were acknowledged
	burstWorkers     = 4   // --workers of each replica
	receiverLatency  = 10 * time.Millisecond
	outboxClaimBatch = 256 // internal/outbox claimBatch, also its group-commit bound
)

// TestKillReplicaMidBurst is issue 19 item 7: two replicas on one
// database, 1,000 events sent to both, replica 1 SIGKILLed mid-burst.
// Every acknowledged event reaches the receiver at least once; the only
// duplicates are attempts that were in flight in the killed replica (their
// first arrival is before the kill, the second one after it, from the
// survivor, which claims the dead replica's rows once their leases
// expired); every delivery ends succeeded and the outbox empties.
func TestKillReplicaMidBurst(t *testing.T) {
	db := pgtest.Database(t)
	e := newEnv(t, db)
	key := e.apiKey()
	rc := newReceiver(t, receiverLatency)
	workers := []string{"--workers", strconv.Itoa(burstWorkers)}
	r1 := e.serve("replica1", db, workers...)
	r2 := e.serve("replica2", db, workers...)
	createConfig(t, r1, key, rc.URL+"/hook")

	// The burst: event i goes to replica 1 when i is even, else to replica
	// 2; a send to replica 1 that fails (it was killed) goes to replica 2.
	var (
		next     atomic.Int64
		acked    atomic.Int64
		killOnce sync.Once
		killAt   time.Time // when replica 1 was dead (reaped)
		mu       sync.Mutex
		ackedIDs = map[string]string{} // request id → replica that acknowledged it
		failed1  atomic.Int64          // sends to replica 1 that failed after the kill
		errs     []string
	)
	kill := func() {
		killOnce.Do(func() {
			r1.kill()
			killAt = time.Now()
		})
	}
	send := func(r *replica, i int64) (string, bool) {
		res, err := do(context.Background(), "POST", r.URL+"/v1/events", key, map[string]any{"type": "device.enrolled"})
		if err != nil || res.Status/100 != 2 {
			return "", false
		}
		var sr sendResult
		if json.Unmarshal(res.Body, &sr) != nil || len(sr.Data) != 1 || sr.Data[0].RequestID == "" {
			mu.Lock()
			errs = append(errs, res.String())
			mu.Unlock()
			return "", false
		}
		return sr.Data[0].RequestID, true
	}
	start := time.Now()
	var wg sync.WaitGroup
	for range burstSenders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= burstEvents {
					return
				}
				r := r2
				if i%2 == 0 {
					r = r1
				}
				id, ok := send(r, i)
				if !ok && r == r1 {
					failed1.Add(1)
					r = r2
					id, ok = send(r, i)
				}
				if !ok {
					mu.Lock()
					errs = append(errs, "event "+r.name+": not acknowledged")
					mu.Unlock()
					continue
				}
				mu.Lock()
				ackedIDs[id] = r.name
				mu.Unlock()
				if acked.Add(1) == burstKillAfter {
					go kill()
				}
			}
		}()
	}
	wg.Wait()
	kill() // in case the burst ended first (it does not: 1,000 > 300)
	burstTook := time.Since(start)
	if len(errs) > 0 {
		t.Fatalf("%d sends not acknowledged by replica 2 (it stayed up), e.g. %s", len(errs), errs[0])
	}
	t.Logf("burst: %d events acknowledged in %s (%d to replica 1 failed after its SIGKILL and went to replica 2)",
		len(ackedIDs), burstTook.Round(time.Millisecond), failed1.Load())
	if len(ackedIDs) != burstEvents {
		t.Fatalf("%d request ids acknowledged, want %d", len(ackedIDs), burstEvents)
	}

	// Replica 2 delivers everything: its own rows, and the dead replica's
	// once their leases (testLease) have expired.
	waitFor(t, 60*time.Second, "the outbox to empty", func() bool {
		return dbCount(t, db, "SELECT count(*) FROM outbox") == 0
	})
	drained := time.Since(killAt)

	got, order := rc.snapshot()
	var missing, dups []string
	for id := range ackedIDs {
		if len(got[id]) == 0 {
			missing = append(missing, id)
		}
	}
	for id, at := range got {
		if len(at) > 1 {
			dups = append(dups, id)
		}
	}
	sort.Strings(dups)
	// How long before the kill the oldest unrecorded attempt arrived: the
	// killed replica's recording lag.
	var lag time.Duration
	for _, id := range dups {
		lag = max(lag, killAt.Sub(got[id][0]))
	}
	if len(missing) > 0 {
		t.Errorf("%d acknowledged events never arrived, e.g. %s", len(missing), missing[0])
	}
	// A duplicate is an attempt the killed replica made (the receiver had
	// it before the kill) that it could not record, made again by replica
	// 2 after the kill: two arrivals, one on each side of the kill.
	for _, id := range dups {
		at := got[id]
		if len(at) != 2 || !at[0].Before(killAt) || at[1].Before(killAt) {
			t.Errorf("request id %s arrived %d times at %v (kill at %v): want once before the kill and once after", id, len(at), at, killAt)
		}
	}
	// It was in flight in the killed replica: attempted and not yet
	// recorded — at most its workers plus one group commit of finished
	// attempts.
	if bound := burstWorkers + outboxClaimBatch; len(dups) > bound {
		t.Errorf("%d duplicates, want at most %d (the killed replica's workers + one claim batch)", len(dups), bound)
	}

	// Every delivery is final and succeeded, attempted once as recorded
	// (the killed replica's unrecorded attempt is not in the log), and
	// every id the receiver saw is one of them.
	ds := listDeliveries(t, r2, key)
	byReq := map[string]delivery{}
	for _, d := range ds {
		byReq[d.RequestID] = d
		if d.State != "succeeded" || d.AttemptCount != 1 {
			t.Errorf("delivery %s (%s): state %s after %d attempts, want succeeded after 1", d.ID, d.RequestID, d.State, d.AttemptCount)
		}
	}
	if len(ds) != burstEvents {
		// Sends to replica 1 that failed at the kill may have committed
		// before it died: more deliveries than acknowledgements is fine.
		t.Logf("%d deliveries recorded for %d acknowledged events (sends cut by the kill may have committed)", len(ds), burstEvents)
	}
	for id := range ackedIDs {
		if _, ok := byReq[id]; !ok {
			t.Errorf("acknowledged request id %s has no delivery", id)
		}
	}
	for id := range got {
		if _, ok := byReq[id]; !ok {
			t.Errorf("the receiver got request id %s, which is no delivery", id)
		}
	}
	last := order[len(order)-1].At
	var afterKill int
	for _, a := range order {
		if a.At.After(killAt) {
			afterKill++
		}
	}
	t.Logf("kill → last delivery %s, kill → outbox empty seen %s (lease %s); %d requests arrived after the kill; %d duplicates (bound %d; the oldest arrived %s before the kill); %d arrivals for %d distinct ids",
		last.Sub(killAt).Round(time.Millisecond), drained.Round(time.Millisecond), testLease, afterKill, len(dups), burstWorkers+outboxClaimBatch, lag.Round(time.Millisecond), len(order), len(got))
	// Neither replica failed to renew its leases or to record attempts
	// (a deadlock between the two once did: 40P01).
	for _, r := range []*replica{r1, r2} {
		log := r.stderr.String()
		for _, bad := range []string{"outbox: renew", "outbox: record", "deadlock"} {
			if strings.Contains(log, bad) {
				t.Errorf("%s logged %q:\n%s", r.name, bad, log)
			}
		}
	}
}
