package listener

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/model"
)

// Acknowledge only what is recorded (issue 14 point 5).

const wait = 10 * time.Second // how long a test waits for something that must happen

// gateRecorder blocks every call until release is closed (or ctx ends),
// announcing each call on started first; after release it records like
// memRecorder, or returns fail.
type gateRecorder struct {
	memRecorder
	started chan []string // the ids of each call's batch
	release chan struct{}

	cmu      sync.Mutex
	batches  [][]string // ids per call
	returned []bool     // set just before the call returns
}

func newGate() *gateRecorder {
	return &gateRecorder{started: make(chan []string, 1024), release: make(chan struct{})}
}

func (g *gateRecorder) RecordRequests(ctx context.Context, reqs ...*model.ReceivedRequest) error {
	ids := make([]string, len(reqs))
	for i, r := range reqs {
		ids[i] = r.ID
	}
	g.cmu.Lock()
	n := len(g.batches)
	g.batches = append(g.batches, ids)
	g.returned = append(g.returned, false)
	g.cmu.Unlock()
	g.started <- ids
	select {
	case <-g.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	err := g.memRecorder.RecordRequests(ctx, reqs...)
	g.cmu.Lock()
	g.returned[n] = true
	g.cmu.Unlock()
	return err
}

// returnedFor reports whether the call that recorded id has returned.
func (g *gateRecorder) returnedFor(id string) bool {
	g.cmu.Lock()
	defer g.cmu.Unlock()
	for i, b := range g.batches {
		for _, x := range b {
			if x == id {
				return g.returned[i]
			}
		}
	}
	return false
}

func (g *gateRecorder) calls() int {
	g.cmu.Lock()
	defer g.cmu.Unlock()
	return len(g.batches)
}

// doAsync sends s from a goroutine; the answer arrives on the channel.
func doAsync(t *testing.T, l *Listener, s sent) <-chan *httptest.ResponseRecorder {
	c := make(chan *httptest.ResponseRecorder, 1)
	go func() { c <- do(t, l, s) }()
	return c
}

func recv[T any](t *testing.T, c <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(wait):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

func TestAnswerWaitsForTheCommit(t *testing.T) {
	for _, forward := range []bool{false, true} {
		t.Run(fmt.Sprintf("forward=%v", forward), func(t *testing.T) {
			rec := newGate()
			cfg := Config{Recorder: rec}
			if forward {
				cfg.ForwardTo = []string{newTarget(t, 202, "accepted").URL}
			}
			l, ev, _ := newListener(t, cfg)
			answered := doAsync(t, l, sent{body: `{"type":"a"}`})
			recv(t, rec.started, "the recorder to be called")
			select {
			case w := <-answered:
				t.Fatalf("answered %d before the commit", w.Code)
			default:
			}
			if n := len(ev.requests()); n != 0 {
				t.Fatalf("%d request events before the commit", n)
			}
			close(rec.release)
			w := recv(t, answered, "the answer")
			want := 200
			if forward {
				want = 202
			}
			if w.Code != want || len(rec.all()) != 1 || len(ev.kinds(KindError)) != 0 {
				t.Fatalf("answered %d, %d recorded, errors %+v", w.Code, len(rec.all()), ev.kinds(KindError))
			}
			if r := ev.requests(); len(r) != 1 || r[0].Status != want {
				t.Fatalf("emitted %+v", r)
			}
		})
	}
}

func checkRetry(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	var msg struct{ Message string }
	if w.Code != 503 || w.Header().Get("Retry-After") == "" || w.Header().Get("Content-Type") != "application/json" ||
		json.Unmarshal(w.Body.Bytes(), &msg) != nil || !strings.Contains(msg.Message, "not recorded") {
		t.Fatalf("answer %d %v %q, want 503 with Retry-After and a JSON message", w.Code, w.Header(), w.Body.String())
	}
}

func TestRecordFailureIs503(t *testing.T) {
	for _, forward := range []bool{false, true} {
		t.Run(fmt.Sprintf("forward=%v", forward), func(t *testing.T) {
			rec := &memRecorder{fail: errors.New("disk full")}
			cfg := Config{Recorder: rec}
			var tg *target
			if forward {
				tg = newTarget(t, 200, "ok")
				cfg.ForwardTo = []string{tg.URL}
			}
			l, ev, _ := newListener(t, cfg)
			w := do(t, l, sent{body: "x"})
			checkRetry(t, w)
			if strings.Contains(w.Body.String(), "disk full") {
				t.Errorf("the sender is told the cause: %s", w.Body)
			}
			if w.Header().Get("Retry-After") != "5" {
				t.Errorf("Retry-After %q, want 5 (RecordWait)", w.Header().Get("Retry-After"))
			}
			errs := ev.kinds(KindError)
			if len(errs) != 1 || !strings.Contains(errs[0].Err.Error(), "disk full") || !strings.Contains(errs[0].Err.Error(), "503") || errs[0].RequestID == "" {
				t.Fatalf("error events %+v", errs)
			}
			if r := ev.requests(); len(r) != 1 || r[0].Status != 503 || r[0].ID != errs[0].RequestID {
				t.Fatalf("emitted %+v", r)
			}
			if forward {
				tg.mu.Lock()
				if tg.body == nil {
					t.Error("not forwarded")
				}
				tg.mu.Unlock()
			}
		})
	}
	// A rejection is not an acknowledgement: its answer stands.
	rec := &memRecorder{fail: errors.New("disk full")}
	l, ev, _ := newListener(t, Config{Recorder: rec, RequireJSON: true})
	if w := do(t, l, sent{body: "x", header: map[string]string{"Content-Type": "text/plain"}}); w.Code != 415 {
		t.Fatalf("rejected request answered %d", w.Code)
	}
	if len(ev.kinds(KindError)) != 1 {
		t.Fatalf("error events %+v", ev.kinds(KindError))
	}
}

// The deadline passes while the request's batch is being committed (the
// writer is stuck), and while another waits in the queue behind it: both
// are answered 503; the queued one, recorded later, is recorded as 503.
func TestSlowRecordingPastTheDeadlineIs503(t *testing.T) {
	rec := newGate()
	l, ev, _ := newListener(t, Config{Recorder: rec, RecordWait: 50 * time.Millisecond})
	first := doAsync(t, l, sent{body: `{"n":1}`})
	inCommit := recv(t, rec.started, "the first batch")
	checkRetry(t, recv(t, first, "the first answer"))
	second := do(t, l, sent{body: `{"n":2}`}) // queued behind the stuck batch
	checkRetry(t, second)
	if w := second.Header().Get("Retry-After"); w != "1" {
		t.Errorf("Retry-After %q, want 1", w)
	}
	emitted := ev.requests()
	if len(emitted) != 2 || emitted[0].Status != 503 || emitted[1].Status != 503 {
		t.Fatalf("emitted %+v", emitted)
	}
	errs := ev.kinds(KindError)
	if len(errs) != 2 || !strings.Contains(errs[0].Err.Error(), "not committed within 50ms") {
		t.Fatalf("error events %+v", errs)
	}
	close(rec.release)
	recv(t, rec.started, "the second batch")
	l.Close()
	got := rec.all()
	if len(got) != 2 || got[0].ID != inCommit[0] {
		t.Fatalf("recorded %+v", got)
	}
	// The row being committed keeps its status; the queued one says 503.
	if got[0].Status != 200 || got[1].Status != 503 || got[1].ID != emitted[1].ID {
		t.Errorf("recorded statuses %d %d", got[0].Status, got[1].Status)
	}
}

func TestFullRecordingQueueIs503(t *testing.T) {
	rec := newGate()
	l, ev, _ := newListener(t, Config{Recorder: rec, RecordWait: 20 * time.Millisecond})
	defer close(rec.release) // registered after l.Close's cleanup, so it runs first
	doAsync(t, l, sent{body: "x"})
	recv(t, rec.started, "the writer to be stuck")
	for len(l.queue) < cap(l.queue) {
		l.queue <- &recordJob{req: &model.ReceivedRequest{ID: "req_filler"}, done: make(chan error, 1)}
	}
	checkRetry(t, do(t, l, sent{body: "y"}))
	// The stuck request's own deadline may report after y's: look for y's
	// error among them, not at the last one.
	errs := ev.kinds(KindError)
	if !slices.ContainsFunc(errs, func(e Event) bool { return strings.Contains(e.Err.Error(), "queue full") }) {
		t.Fatalf("error events %+v", errs)
	}
}

// Group commit: N concurrent requests make fewer than N transactions, and
// each is answered only after its own batch's transaction returned.
func TestGroupCommitAnswersAfterTheBatch(t *testing.T) {
	const n = 50
	rec := newGate()
	ids := make(chan string, n+1)
	l, err := New(Config{Recorder: rec, OnEvent: func(e Event) {
		if e.Kind == KindRequest {
			ids <- e.Request.ID
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	plug := doAsync(t, l, sent{body: `{"plug":true}`})
	recv(t, rec.started, "the first batch")
	codes := make(chan int, n)
	for i := range n {
		go func() { codes <- do(t, l, sent{body: fmt.Sprintf(`{"n":%d}`, i)}).Code }()
	}
	// All n wait in the queue behind the stuck batch (a ready signal, polled).
	deadline := time.Now().Add(wait)
	for len(l.queue) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d requests queued", len(l.queue), n)
		}
		runtime.Gosched()
	}
	close(rec.release)
	recv(t, plug, "the plug's answer")
	for range n {
		if code := recv(t, codes, "an answer"); code != 200 {
			t.Fatalf("answered %d", code)
		}
	}
	// Every emitted request (emitted after the commit, just before the
	// answer) belongs to a batch whose call had returned.
	for range n + 1 {
		id := recv(t, ids, "an event")
		if !rec.returnedFor(id) {
			t.Fatalf("%s answered before its batch returned", id)
		}
	}
	if c := rec.calls(); c >= n || c != 2 {
		t.Fatalf("%d transactions for %d requests, want 2", c, n+1)
	}
	if second := recv(t, rec.started, "the second batch"); len(second) != n {
		t.Fatalf("second batch of %d, want %d", len(second), n)
	}
}

func TestCloseRefusesWithRetry(t *testing.T) {
	l, ev, rec := newListener(t, Config{})
	l.Close()
	checkRetry(t, do(t, l, sent{body: "x"}))
	if len(rec.all()) != 0 || len(ev.kinds(KindError)) != 1 || !strings.Contains(ev.kinds(KindError)[0].Err.Error(), "shutting down") {
		t.Fatalf("events %+v", ev.ev)
	}
}

func TestInjectReportsRecording(t *testing.T) {
	rr := func() *model.ReceivedRequest {
		return &model.ReceivedRequest{ID: "req_relayed", Method: "POST", Path: "/", Body: []byte(`{"type":"a"}`)}
	}
	l, _, rec := newListener(t, Config{})
	if status, err := l.Inject(context.Background(), rr()); status != 200 || err != nil || len(rec.all()) != 1 {
		t.Fatalf("recorded: %d %v, %d rows", status, err, len(rec.all()))
	}
	// A relayed GET without a body is a webhook, not a health check.
	get := rr()
	get.Method, get.Body = "GET", nil
	if status, err := l.Inject(context.Background(), get); status != 200 || err != nil || len(rec.all()) != 2 {
		t.Fatalf("relayed GET: %d %v, %d rows", status, err, len(rec.all()))
	}

	failing, _, _ := newListener(t, Config{Recorder: &memRecorder{fail: errors.New("disk full")}})
	if status, err := failing.Inject(context.Background(), rr()); status != 503 || err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("not recorded: %d %v", status, err)
	}

	none, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer none.Close()
	if status, err := none.Inject(context.Background(), rr()); status != 200 || err != nil {
		t.Fatalf("no recorder: %d %v", status, err)
	}
}

// TestRecordingGroupCommit: a lone request is recorded before it is
// answered, and concurrent requests are all recorded once, in batches.
func TestRecordingGroupCommit(t *testing.T) {
	rec := &batchRecorder{}
	l, _, _ := newListener(t, Config{Recorder: rec})
	do(t, l, sent{body: `{"type":"one"}`})
	if n := len(rec.all()); n != 1 {
		t.Fatalf("%d requests recorded when the first was answered, want 1", n)
	}

	const n = 600
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if w := do(t, l, sent{body: fmt.Sprintf(`{"n":%d}`, i)}); w.Code != 200 {
				t.Errorf("answered %d", w.Code)
			}
		})
	}
	wg.Wait()
	got := rec.all() // before Close: every answered request is recorded
	if len(got) != n+1 {
		t.Fatalf("%d requests recorded, want %d", len(got), n+1)
	}
	seen := map[string]bool{}
	for _, r := range got {
		if seen[r.ID] {
			t.Fatalf("%s recorded twice", r.ID)
		}
		seen[r.ID] = true
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, s := range rec.sizes {
		if s < 1 || s > maxBatch {
			t.Fatalf("batch of %d", s)
		}
	}
	if len(rec.sizes) >= n {
		t.Errorf("%d batches for %d requests", len(rec.sizes), n+1)
	}
	t.Logf("%d requests in %d batches", n+1, len(rec.sizes))
}
