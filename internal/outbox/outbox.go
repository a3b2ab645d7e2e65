// Package outbox is the durable dispatcher of `hookctl serve`. Enqueue
// writes each pending delivery and its outbox row (store.EnqueueDeliveries)
// in one transaction; Run's workers claim due rows, make one attempt each
// (dispatch.Dispatcher.Attempt), and record the attempt together with the
// row's next state (store.FinishOutboxAttempt): deleted when final, due
// again after the backoff otherwise. Retries are rows, not sleeping
// goroutines, so they survive restarts; a process killed mid-attempt leaves
// the row leased, and the next start frees every lease and attempts it
// again with the same request id (at-least-once; receivers deduplicate on
// webhook-id / X-Request-Id).
//
// On PostgreSQL several servers share the outbox (replicas): each claims
// rows under its own owner id with a short lease that it renews while the
// row is in its hands; a replica that dies stops renewing, and the others
// claim its rows once the leases end (Options.Lease). Leases are never reset
// at start there: they may be another live replica's.
package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookctl/hookctl/internal/dispatch"
	"github.com/hookctl/hookctl/internal/ids"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/store"
)

// Job is one delivery to make, for a tenant (whose delivery log records it).
type Job struct {
	Tenant string
	Event  dispatch.Event
	Target dispatch.Target
	Policy dispatch.Policy
}

// Options configure an Outbox.
type Options struct {
	// Workers is how many attempts are in flight at once (default 4); a
	// host with none in flight may start one beyond it (hostlimit.go).
	Workers int
	// PerHostConcurrency bounds the attempts in flight to one destination
	// host, host:port of the target URL (default 4).
	PerHostConcurrency int
	// Client sends the webhooks (nil: a client without timeout; the policy
	// bounds each attempt).
	Client *http.Client
	// Now and Jitter are for tests.
	Now    func() time.Time
	Jitter func() float64
	// PollInterval bounds how long an idle feeder waits before looking at
	// the table again (other processes may enqueue); default 1s.
	PollInterval time.Duration
	// OnAttempt is called after each recorded attempt with the outcome
	// ("succeeded", "failed" or "retry") and the attempt's latency: the
	// server's metrics.
	OnAttempt func(outcome string, latency time.Duration)
	// ErrorLog receives failures to read or write the store.
	ErrorLog io.Writer
	// Lease is how long a claimed row stays with this process unless
	// renewed (renewed every Lease/3); default DefaultLease. A replica
	// that dies leaves rows the others claim after it. Short leases are
	// for tests (serve's HOOKCTL_OUTBOX_LEASE).
	Lease time.Duration
}

// Outbox queues and delivers. Create it with New, call Run once.
type Outbox struct {
	st   *store.Store
	o    Options
	d    *dispatch.Dispatcher
	wake chan struct{}
	len  atomic.Int64

	// owner names this process in the leases it takes.
	owner string

	mu      sync.Mutex
	waiters map[string][]chan struct{}   // closed when the delivery is final
	attempt map[string][]chan struct{}   // closed after each recorded attempt
	held    map[store.OutboxKey]struct{} // claimed rows not yet finished or released: their leases are renewed
	// resynced is closed when notifications may have been lost (resync).
	resynced chan struct{}
	logMu    sync.Mutex
}

// New returns an outbox over st. The queue length starts from the table.
func New(ctx context.Context, st *store.Store, o Options) (*Outbox, error) {
	if o.Workers < 1 {
		o.Workers = 4
	}
	if o.PerHostConcurrency < 1 {
		o.PerHostConcurrency = DefaultPerHostConcurrency
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.Lease <= 0 {
		o.Lease = DefaultLease
	}
	client := o.Client
	if client == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = max(o.Workers, 2)
		client = &http.Client{Transport: tr}
	}
	d := dispatch.New(client, nil)
	d.Now = o.Now
	d.Jitter = o.Jitter
	ob := &Outbox{st: st, o: o, d: d, wake: make(chan struct{}, 1), owner: ids.New("rpl_"),
		waiters: map[string][]chan struct{}{}, attempt: map[string][]chan struct{}{}, held: map[store.OutboxKey]struct{}{}}
	n, err := st.OutboxLen(ctx)
	if err != nil {
		return nil, err
	}
	ob.len.Store(int64(n))
	return ob, nil
}

// Len is the number of deliveries with an attempt still to make (the queue
// depth metric).
func (ob *Outbox) Len() int { return int(ob.len.Load()) }

// job is Job as stored in the outbox row.
type job struct {
	Headers http.Header       `json:"headers,omitempty"`
	URL     string            `json:"url"`
	Scheme  string            `json:"scheme,omitempty"`
	Secrets []secret          `json:"secrets,omitempty"`
	TargetH map[string]string `json:"target_headers,omitempty"`
	Policy  policy            `json:"policy"`
}

type secret struct {
	Value     string    `json:"value"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

type policy struct {
	Retries   int           `json:"retries"`
	BaseDelay time.Duration `json:"base_delay_ns"`
	MaxDelay  time.Duration `json:"max_delay_ns"`
	Timeout   time.Duration `json:"timeout_ns"`
}

// Enqueue records a pending delivery for each job, in one transaction with
// their outbox rows, wakes the workers and returns the deliveries.
func (ob *Outbox) Enqueue(ctx context.Context, jobs []Job) ([]*model.Delivery, error) {
	now := ob.o.Now().UTC()
	items := make([]store.OutboxItem, 0, len(jobs))
	out := make([]*model.Delivery, 0, len(jobs))
	for _, j := range jobs {
		reqID := j.Event.RequestID
		if reqID == "" {
			reqID = dispatch.NewUUID()
		}
		d := &model.Delivery{
			Tenant: j.Tenant, ID: ids.New(ids.Delivery), RequestID: reqID, EventType: j.Event.Type, EventID: j.Event.EventID,
			ConfigID: j.Target.ConfigID, URL: j.Target.URL, Scheme: j.Target.Scheme, Payload: j.Event.Body,
			RequestHeaders: map[string]string{}, State: model.DeliveryPending, ResendOf: j.Event.ResendOf,
			Attempts: []model.DeliveryAttempt{}, CreatedAt: now, UpdatedAt: now,
		}
		sj := job{Headers: j.Event.Headers, URL: j.Target.URL, Scheme: j.Target.Scheme, TargetH: j.Target.Headers,
			Policy: policy{Retries: j.Policy.Retries, BaseDelay: j.Policy.BaseDelay, MaxDelay: j.Policy.MaxDelay, Timeout: j.Policy.Timeout}}
		for _, s := range j.Target.Secrets {
			sj.Secrets = append(sj.Secrets, secret{Value: s.Value, ExpiresAt: s.ExpiresAt})
		}
		b, err := json.Marshal(sj)
		if err != nil {
			return nil, err
		}
		items = append(items, store.OutboxItem{Delivery: d, Job: b, NextAttemptAt: now})
		out = append(out, d)
	}
	if err := ob.st.EnqueueDeliveries(ctx, items); err != nil {
		return nil, err
	}
	ob.len.Add(int64(len(items)))
	ob.poke()
	return out, nil
}

func (ob *Outbox) poke() {
	select {
	case ob.wake <- struct{}{}:
	default:
	}
}

// Run frees leases left by a previous process and delivers until ctx is
// cancelled. Then it stops claiming rows and lets in-flight attempts run
// for up to drain; attempts still running after that are cancelled, not
// recorded, and left in the outbox for the next start. Run returns when
// every worker has stopped.
func (ob *Outbox) Run(ctx context.Context, drain time.Duration) error {
	if !ob.st.Shared() {
		if err := ob.st.ResetOutboxLeases(context.WithoutCancel(ctx), ob.o.Now()); err != nil {
			return err
		}
	}
	renewDone := make(chan struct{})
	renewCtx, stopRenewing := context.WithCancel(context.WithoutCancel(ctx))
	go func() {
		defer close(renewDone)
		ob.renewLeases(renewCtx)
	}()
	defer func() { stopRenewing(); <-renewDone }()
	// Attempts run under attemptCtx, which outlives ctx by drain.
	attemptCtx, cancelAttempts := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelAttempts()
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(drain, cancelAttempts) })
	defer stop()

	entries := make(chan store.OutboxEntry)
	finishes := make(chan store.OutboxFinish, maxGroup)
	finisherDone := make(chan struct{})
	go func() {
		defer close(finisherDone)
		ob.finisher(finishes)
	}()
	// Attempts start per host (hostlimit.go): a saturated host's rows wait
	// in memory while the others' are attempted.
	sched := newHostScheduler(ob.o.Workers, ob.o.PerHostConcurrency,
		func(e store.OutboxEntry) { ob.process(attemptCtx, e, finishes) },
		func(e store.OutboxEntry) { ob.release(context.WithoutCancel(ctx), e.Tenant, e.DeliveryID) })
	schedDone := make(chan struct{})
	go func() {
		defer close(schedDone)
		sched.loop(entries)
	}()
	ob.feed(ctx, entries)
	close(entries)
	<-schedDone
	close(finishes)
	<-finisherDone
	return nil
}

// maxGroup bounds how many attempts one transaction records.
const maxGroup = 256

// finisher records attempts as they come, all those waiting in one
// transaction (group commit: under load the workers do not queue for the
// database one by one), then reports them (metrics, waiters).
func (ob *Outbox) finisher(finishes <-chan store.OutboxFinish) {
	group := make([]store.OutboxFinish, 0, maxGroup)
	for f := range finishes {
		group = append(group[:0], f)
	more:
		for len(group) < maxGroup {
			select {
			case f, ok := <-finishes:
				if !ok {
					break more
				}
				group = append(group, f)
			default:
				break more
			}
		}
		lost, err := ob.st.FinishOutboxAttempts(context.Background(), ob.owner, group)
		if err != nil {
			ob.logf("outbox: record %d attempts: %v", len(group), err)
			for _, f := range group {
				ob.release(context.Background(), f.Delivery.Tenant, f.Delivery.ID)
			}
			continue
		}
		gone := make(map[store.OutboxKey]bool, len(lost))
		for _, k := range lost {
			gone[k] = true
			ob.logf("outbox: delivery %s: this attempt came after the lease ended and another replica took the delivery over; its result is not recorded", k.DeliveryID)
		}
		for _, f := range group {
			ob.unhold(f.Delivery.Tenant, f.Delivery.ID)
			if !gone[store.OutboxKey{Tenant: f.Delivery.Tenant, DeliveryID: f.Delivery.ID}] {
				ob.recorded(f.Delivery)
			}
		}
	}
}

// recorded reports a recorded attempt: metrics, and waiters when final.
func (ob *Outbox) recorded(d *model.Delivery) {
	if ob.o.OnAttempt != nil {
		outcome := d.State
		if outcome == model.DeliveryPending {
			outcome = "retry"
		}
		var lat time.Duration
		if a := d.LastAttempt(); a != nil {
			lat = a.Latency
		}
		ob.o.OnAttempt(outcome, lat)
	}
	ob.wakeAttempt(d.ID)
	if d.State != model.DeliveryPending {
		ob.finished(d.ID)
	} else {
		ob.poke() // the feeder may be sleeping longer than this backoff
	}
}

// claimBatch is how many due rows one claim takes.
const claimBatch = 256

// DefaultLease is Options.Lease's default: how long a claimed row stays
// with this process unless renewed; every Lease/3 the process renews the
// leases of the rows it still holds (waiting for a worker or being
// attempted). A replica that dies leaves rows that the others claim within
// a lease (plus a poll interval).
const DefaultLease = 30 * time.Second

// feed claims due rows and hands them to the workers, up to claimBatch rows
// per claim (one transaction), so that under load claiming costs little.
func (ob *Outbox) feed(ctx context.Context, entries chan<- store.OutboxEntry) {
	var lenAt time.Time
	const lenEvery = 5 * time.Second
	for ctx.Err() == nil {
		claimed, err := ob.st.ClaimOutbox(context.WithoutCancel(ctx), ob.owner, ob.o.Now(), ob.o.Lease, max(claimBatch, ob.o.Workers))
		if err != nil {
			ob.logf("outbox: claim: %v", err)
		}
		ob.hold(claimed)
		if ob.st.Shared() && time.Since(lenAt) >= lenEvery {
			// Other replicas enqueue and finish too: the depth metric
			// is the table's, counted every lenEvery, busy or idle.
			if n, err := ob.st.OutboxLen(context.WithoutCancel(ctx)); err == nil {
				ob.len.Store(int64(n))
			}
			lenAt = time.Now()
		}
		for i, e := range claimed {
			select {
			case entries <- e:
			case <-ctx.Done():
				// Not handed out: free the rest for the next start.
				for _, r := range claimed[i:] {
					ob.release(context.WithoutCancel(ctx), r.Tenant, r.DeliveryID)
				}
				return
			}
		}
		if len(claimed) > 0 {
			continue
		}
		wait := ob.o.PollInterval
		if next, ok, err := ob.st.NextOutboxAt(context.WithoutCancel(ctx)); err == nil && ok {
			wait = min(wait, max(next.Sub(ob.o.Now()), time.Millisecond))
		}
		t := time.NewTimer(wait)
		select {
		case <-ob.wake:
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
	}
}

func (ob *Outbox) process(ctx context.Context, e store.OutboxEntry, finishes chan<- store.OutboxFinish) {
	bg := context.WithoutCancel(ctx)
	var j job
	if err := json.Unmarshal(e.Job, &j); err != nil {
		ob.logf("outbox: delivery %s: unreadable job, dropped: %v", e.DeliveryID, err)
		_ = ob.st.DropOutbox(bg, e.Tenant, e.DeliveryID)
		ob.unhold(e.Tenant, e.DeliveryID)
		ob.finished(e.DeliveryID)
		return
	}
	d, err := ob.st.GetOutboxDelivery(bg, e.Tenant, e.DeliveryID)
	if err != nil {
		ob.logf("outbox: delivery %s: %v", e.DeliveryID, err)
		ob.release(bg, e.Tenant, e.DeliveryID)
		return
	}
	if d.State != model.DeliveryPending { // recorded final, row left behind
		_ = ob.st.DropOutbox(bg, e.Tenant, e.DeliveryID)
		ob.unhold(e.Tenant, e.DeliveryID)
		ob.finished(d.ID)
		return
	}
	ev := dispatch.Event{Type: d.EventType, EventID: d.EventID, Body: d.Payload, Headers: j.Headers, RequestID: d.RequestID, ResendOf: d.ResendOf}
	t := dispatch.Target{URL: j.URL, ConfigID: d.ConfigID, Scheme: j.Scheme, Headers: j.TargetH}
	for _, s := range j.Secrets {
		t.Secrets = append(t.Secrets, signature.Secret{Value: s.Value, ExpiresAt: s.ExpiresAt})
	}
	p := dispatch.Policy{Retries: j.Policy.Retries, BaseDelay: j.Policy.BaseDelay, MaxDelay: j.Policy.MaxDelay, Timeout: j.Policy.Timeout}
	next, err := ob.d.Attempt(ctx, p, ev, t, d)
	if err != nil {
		if ctx.Err() != nil { // shutting down: not attempted, leave it for the next start
			ob.release(bg, d.Tenant, d.ID)
			return
		}
		// Cannot be sent at all (bad secret or URL): record it as failed.
		now := ob.o.Now().UTC()
		d.Attempts = append(d.Attempts, model.DeliveryAttempt{N: len(d.Attempts) + 1, StartedAt: now, Error: err.Error()})
		d.AttemptCount, d.State, d.UpdatedAt = len(d.Attempts), model.DeliveryFailed, now
	}
	finishes <- store.OutboxFinish{Delivery: d, Next: ob.o.Now().Add(next)}
}

func (ob *Outbox) finished(id string) {
	ob.len.Add(-1)
	ob.wakeFinal(id)
}

// wakeFinal wakes the waiters of a delivery that is final.
func (ob *Outbox) wakeFinal(id string) {
	ob.mu.Lock()
	ws := ob.waiters[id]
	delete(ob.waiters, id)
	ob.mu.Unlock()
	for _, c := range ws {
		close(c)
	}
}

// Wait blocks until every delivery of the tenant in ids is final (no longer
// in the outbox), ctx is done or max has passed.
func (ob *Outbox) Wait(ctx context.Context, tenant string, ids []string, max time.Duration) {
	if max <= 0 || len(ids) == 0 {
		return
	}
	chans := make([]chan struct{}, 0, len(ids))
	ob.mu.Lock()
	for _, id := range ids {
		c := make(chan struct{})
		ob.waiters[id] = append(ob.waiters[id], c)
		chans = append(chans, c)
	}
	ob.mu.Unlock()
	defer ob.unwait(ob.waiters, ids, chans)
	t := time.NewTimer(max)
	defer t.Stop()
	for i, id := range ids {
		for {
			// Registered first, then checked: a delivery that finished
			// before registration is not in the outbox any more. Checked
			// again after a resync: its notification may have been lost.
			resynced := ob.resyncSignal()
			if in, err := ob.st.InOutbox(ctx, tenant, id); err == nil && !in {
				break
			}
			select {
			case <-chans[i]:
			case <-resynced:
				continue
			case <-t.C:
				return
			case <-ctx.Done():
				return
			}
			break
		}
	}
}

// resyncSignal is closed at the next resync (Notified).
func (ob *Outbox) resyncSignal() <-chan struct{} {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	if ob.resynced == nil {
		ob.resynced = make(chan struct{})
	}
	return ob.resynced
}

// WaitAttempt blocks until delivery id has more than after attempts or is
// final, ctx is done or max has passed: long polling for progress (the
// CLI shows each retry of a send made by the server).
func (ob *Outbox) WaitAttempt(ctx context.Context, tenant, id string, after int, max time.Duration) {
	if max <= 0 {
		return
	}
	c := make(chan struct{})
	ob.mu.Lock()
	ob.attempt[id] = append(ob.attempt[id], c)
	ob.mu.Unlock()
	defer ob.unwait(ob.attempt, []string{id}, []chan struct{}{c})
	// Registered first, then checked, as in Wait.
	if d, err := ob.st.GetDelivery(ctx, tenant, id); err != nil || d.AttemptCount > after || d.State != model.DeliveryPending {
		return
	}
	t := time.NewTimer(max)
	defer t.Stop()
	select {
	case <-c:
	case <-t.C:
	case <-ctx.Done():
	}
}

// unwait removes the channels of ids from waiters (ob.waiters or ob.attempt).
func (ob *Outbox) unwait(waiters map[string][]chan struct{}, ids []string, chans []chan struct{}) {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	for i, id := range ids {
		ws := waiters[id]
		for k, c := range ws {
			if c == chans[i] {
				ws = append(ws[:k], ws[k+1:]...)
				break
			}
		}
		if len(ws) == 0 {
			delete(waiters, id)
		} else {
			waiters[id] = ws
		}
	}
}

func (ob *Outbox) logf(format string, args ...any) {
	if ob.o.ErrorLog == nil {
		return
	}
	ob.logMu.Lock()
	defer ob.logMu.Unlock()
	fmt.Fprintf(ob.o.ErrorLog, "%s "+format+"\n", append([]any{time.Now().UTC().Format(time.RFC3339)}, args...)...)
}

// hold notes rows claimed by this process, whose leases renewLeases keeps.
func (ob *Outbox) hold(es []store.OutboxEntry) {
	if len(es) == 0 {
		return
	}
	ob.mu.Lock()
	for _, e := range es {
		ob.held[store.OutboxKey{Tenant: e.Tenant, DeliveryID: e.DeliveryID}] = struct{}{}
	}
	ob.mu.Unlock()
}

func (ob *Outbox) unhold(tenant, id string) {
	ob.mu.Lock()
	delete(ob.held, store.OutboxKey{Tenant: tenant, DeliveryID: id})
	ob.mu.Unlock()
}

// release frees a row this process holds, for the next claim.
func (ob *Outbox) release(ctx context.Context, tenant, id string) {
	_ = ob.st.ReleaseOutbox(ctx, ob.owner, tenant, id, ob.o.Now())
	ob.unhold(tenant, id)
}

// renewLeases extends, every Lease/3 until ctx is done, the leases of
// the rows this process holds, so that a long wait for a busy host or a
// slow attempt does not let another replica claim them too.
func (ob *Outbox) renewLeases(ctx context.Context) {
	t := time.NewTicker(ob.o.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ob.mu.Lock()
		keys := make([]store.OutboxKey, 0, len(ob.held))
		for k := range ob.held {
			keys = append(keys, k)
		}
		ob.mu.Unlock()
		if _, err := ob.st.RenewOutboxLeases(ctx, ob.owner, keys, ob.o.Now(), ob.o.Lease); err != nil && ctx.Err() == nil {
			ob.logf("outbox: renew %d leases: %v", len(keys), err)
		}
	}
}

// Notified handles what another replica committed (store.Subscribe): an
// attempt or a final state recorded there wakes the long polls held here.
// After a resync (notifications may have been lost) every waiter's
// delivery is looked at again.
func (ob *Outbox) Notified(n store.Notification) {
	switch n.Kind {
	case store.NotifyFinal, store.NotifyAttempt:
		for _, k := range n.Keys {
			id := k[strings.LastIndexByte(k, '/')+1:]
			ob.wakeAttempt(id)
			if n.Kind == store.NotifyFinal {
				ob.wakeFinal(id)
			}
		}
	case store.NotifyResync:
		ob.mu.Lock()
		if ob.resynced != nil {
			close(ob.resynced) // final waiters look at the outbox again
			ob.resynced = nil
		}
		ids := make([]string, 0, len(ob.waiters)+len(ob.attempt))
		for id := range ob.waiters {
			ids = append(ids, id)
		}
		for id := range ob.attempt {
			ids = append(ids, id)
		}
		ob.mu.Unlock()
		// The attempt waiters re-check by themselves when woken (the CLI
		// polls again).
		for _, id := range ids {
			ob.wakeAttempt(id)
		}
		ob.poke()
	}
}

// wakeAttempt wakes the waiters of a delivery's next attempt.
func (ob *Outbox) wakeAttempt(id string) {
	ob.mu.Lock()
	ws := ob.attempt[id]
	delete(ob.attempt, id)
	ob.mu.Unlock()
	for _, c := range ws {
		close(c)
	}
}
