package inspect

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/model"
)

// The live stream: GET /api/events is Server-Sent Events.
//
//	event: ready      data: {}                                  once connected: fetch the lists now
//	event: requests   data: {"data":[RequestSummary…],"dropped":N}  new requests, oldest first
//	event: changed    data: {"kinds":["instances","deliveries","configs"]}  refetch those
//
// New requests come from this process's listener at once (Publish) and
// from the backend, polled every Options.PollInterval while a page is
// open: the newest requests since a window before the newest one seen (a
// listener commits in groups, so one can be committed after a newer one),
// and a fingerprint of the config instances, of the delivery totals and of
// the webhook configs, so that a change made from the CLI shows without a
// reload. Updates are batched: at most one message of each event per
// Options.FlushInterval, with at most maxBatch requests (the rest counted
// as dropped: the page offers to reload). After a full batch (a burst) the
// next "requests" message waits busyFlushes intervals: a page shows at
// most maxBatch rows anyway, and reading ten full batches a second costs a
// browser more CPU than the listener can spare.

const (
	// pollWindow is how far behind the newest request seen a poll looks.
	pollWindow = 10 * time.Second
	// pollLimit bounds the requests one poll reads.
	pollLimit = 500
	// maxBatch bounds the requests of one message.
	maxBatch = 200
	// busyFlushes is the flush intervals the next requests message waits
	// after a full one.
	busyFlushes = 5
	// clientBuffer is the messages a slow page may fall behind by before
	// its stream is closed (EventSource reconnects, and the page reloads
	// its lists).
	clientBuffer = 64
	// keepBytes bounds the bodies of the requests kept for the detail of a
	// request that was not recorded (listen --no-record).
	keepBytes = 16 << 20
	heartbeat = 15 * time.Second
)

// Change kinds of the "changed" event.
const (
	kindInstances  = "instances"
	kindDeliveries = "deliveries"
	kindConfigs    = "configs"
)

type hub struct {
	s *Server

	mu      sync.Mutex
	clients map[chan []byte]struct{}
	closed  bool
	done    chan struct{}
	stop    context.CancelFunc // of the poller, while it runs
	wake    chan struct{}

	pending []RequestSummary
	dropped int
	holdTil time.Time // no requests message before (after a full one)
	changed map[string]bool
	seen    map[string]time.Time
	newest  time.Time
	prints  map[string]uint64

	kept      []*model.ReceivedRequest // newest last
	keptBytes int
}

func newHub(s *Server) *hub {
	return &hub{s: s, clients: map[chan []byte]struct{}{}, done: make(chan struct{}), wake: make(chan struct{}, 1),
		changed: map[string]bool{}, seen: map[string]time.Time{}, prints: map[string]uint64{}}
}

func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.closed {
		h.closed = true
		close(h.done)
		if h.stop != nil {
			h.stop()
		}
	}
}

// publish queues a request handled in this process.
func (h *hub) publish(r *model.ReceivedRequest) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.keep(r)
	if len(h.clients) == 0 {
		return
	}
	h.add(r)
}

// add queues r unless seen; h.mu is held.
func (h *hub) add(r *model.ReceivedRequest) {
	if _, ok := h.seen[r.ID]; ok {
		return
	}
	h.seen[r.ID] = r.ReceivedAt
	if r.ReceivedAt.After(h.newest) {
		h.newest = r.ReceivedAt
	}
	if len(h.pending) >= maxBatch {
		h.pending = h.pending[1:]
		h.dropped++
	}
	h.pending = append(h.pending, summarize(r))
}

// keep remembers r for its detail, within keepBytes; h.mu is held.
func (h *hub) keep(r *model.ReceivedRequest) {
	if len(r.Body) > keepBytes/4 {
		return
	}
	h.kept = append(h.kept, r)
	h.keptBytes += len(r.Body) + 512
	for h.keptBytes > keepBytes && len(h.kept) > 0 {
		h.keptBytes -= len(h.kept[0].Body) + 512
		h.kept[0] = nil
		h.kept = h.kept[1:]
	}
}

// recent is the request with this id published here, or nil.
func (h *hub) recent(id string) *model.ReceivedRequest {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := len(h.kept) - 1; i >= 0; i-- {
		if h.kept[i].ID == id {
			return h.kept[i]
		}
	}
	return nil
}

// poke asks for a poll now (after a change made through the page, so
// that other pages see it at once).
func (h *hub) poke() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// serve is GET /api/events.
func (h *hub) serve(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	ch, err := h.join(r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	defer h.leave(ch)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprint(w, "retry: 1000\nevent: ready\ndata: {}\n\n"); err != nil {
		return
	}
	_ = rc.Flush()
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-h.done:
			return
		case msg, ok := <-ch:
			if !ok {
				return // too slow: closed
			}
			if _, err := w.Write(msg); err != nil {
				return
			}
			_ = rc.Flush()
		case <-tick.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil {
				return
			}
			_ = rc.Flush()
		}
	}
}

// join registers a page; the first one takes the baseline (what exists now
// is what the page lists, not news) and starts the poller.
func (h *hub) join(ctx context.Context) (chan []byte, error) {
	h.mu.Lock()
	first := len(h.clients) == 0 && h.stop == nil
	closed := h.closed
	h.mu.Unlock()
	if closed {
		return nil, fmt.Errorf("the inspector is shutting down")
	}
	if first {
		h.poll(ctx, true)
	}
	ch := make(chan []byte, clientBuffer)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.clients[ch] = struct{}{}
	if h.stop == nil && !h.closed {
		pctx, cancel := context.WithCancel(context.Background())
		h.stop = cancel
		go h.run(pctx)
	}
	return ch, nil
}

func (h *hub) leave(ch chan []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.clients[ch]; ok {
		delete(h.clients, ch)
		close(ch)
	}
	if len(h.clients) == 0 && h.stop != nil {
		h.stop()
		h.stop = nil
		h.pending, h.dropped, h.holdTil = nil, 0, time.Time{}
		clear(h.changed)
		clear(h.seen)
		clear(h.prints)
		h.newest = time.Time{}
	}
}

// run polls and flushes while pages are open.
func (h *hub) run(ctx context.Context) {
	poll := time.NewTicker(h.s.opts.PollInterval)
	defer poll.Stop()
	flush := time.NewTicker(h.s.opts.FlushInterval)
	defer flush.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-poll.C:
			h.poll(ctx, false)
		case <-h.wake:
			h.poll(ctx, false)
		case <-flush.C:
			h.flush()
		}
	}
}

// poll reads what changed in the backend; with baseline, it only notes
// what is there.
func (h *hub) poll(ctx context.Context, baseline bool) {
	be := h.s.opts.Backend
	h.mu.Lock()
	since := time.Time{}
	if !h.newest.IsZero() {
		since = h.newest.Add(-pollWindow)
	}
	h.mu.Unlock()
	reqs, err := be.ListRequests(ctx, backend.ListRequestsParams{Since: since, Limit: pollLimit})
	if err != nil {
		return // the next poll tries again
	}
	prints := map[string]uint64{}
	if list, err := be.ListConfigInstances(ctx, backend.ListConfigInstancesParams{}); err == nil {
		f := fnv.New64a()
		for _, ci := range list {
			fmt.Fprintf(f, "%s %s %d\n", ci.ID, ci.Status, ci.UpdatedAt.UnixNano())
		}
		prints[kindInstances] = f.Sum64()
	}
	if dl, err := be.ListDeliveries(ctx, backend.ListDeliveriesParams{Limit: 1}); err == nil {
		f := fnv.New64a()
		fmt.Fprintf(f, "%d %d %d", dl.Total, dl.Succeeded, dl.Failed)
		for _, d := range dl.Deliveries {
			fmt.Fprintf(f, " %s %s %d", d.ID, d.State, d.UpdatedAt.UnixNano())
		}
		prints[kindDeliveries] = f.Sum64()
	}
	if cs, err := be.ListWebhookConfigs(ctx, backend.ListWebhookConfigsParams{}); err == nil {
		f := fnv.New64a()
		for _, c := range cs {
			fmt.Fprintf(f, "%s %d\n", c.ID, c.UpdatedAt.UnixNano())
		}
		prints[kindConfigs] = f.Sum64()
	}

	h.mu.Lock()
	defer h.mu.Unlock()
	slices.Reverse(reqs) // oldest first
	for i := range reqs {
		if baseline {
			h.seen[reqs[i].ID] = reqs[i].ReceivedAt
			if reqs[i].ReceivedAt.After(h.newest) {
				h.newest = reqs[i].ReceivedAt
			}
			continue
		}
		h.add(&reqs[i])
	}
	for id, at := range h.seen {
		if at.Before(h.newest.Add(-2 * pollWindow)) {
			delete(h.seen, id) // older than any poll reads again
		}
	}
	for k, p := range prints {
		if old, ok := h.prints[k]; ok && old != p && !baseline {
			h.changed[k] = true
		}
		h.prints[k] = p
	}
}

type requestsEvent struct {
	Data    []RequestSummary `json:"data"`
	Dropped int              `json:"dropped,omitempty"`
}

// flush sends what is pending to every page.
func (h *hub) flush() {
	h.mu.Lock()
	defer h.mu.Unlock()
	var msg []byte
	if now := time.Now(); len(h.pending) > 0 && !now.Before(h.holdTil) {
		if len(h.pending) >= maxBatch || h.dropped > 0 {
			h.holdTil = now.Add(busyFlushes * h.s.opts.FlushInterval)
		}
		slices.SortStableFunc(h.pending, func(a, b RequestSummary) int { return a.ReceivedAt.Compare(b.ReceivedAt) })
		msg = appendEvent(msg, "requests", requestsEvent{Data: h.pending, Dropped: h.dropped})
		h.pending, h.dropped = nil, 0
	}
	if len(h.changed) > 0 {
		var kinds []string
		for _, k := range []string{kindInstances, kindDeliveries, kindConfigs} {
			if h.changed[k] {
				kinds = append(kinds, k)
			}
		}
		clear(h.changed)
		msg = appendEvent(msg, "changed", struct {
			Kinds []string `json:"kinds"`
		}{kinds})
	}
	if msg == nil {
		return
	}
	for ch := range h.clients {
		select {
		case ch <- msg:
		default: // a page that stopped reading: drop it (it reconnects)
			delete(h.clients, ch)
			close(ch)
		}
	}
}

func appendEvent(b []byte, event string, v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		return b
	}
	b = append(b, "event: "+event+"\ndata: "...)
	b = append(b, data...)
	return append(b, "\n\n"...)
}
