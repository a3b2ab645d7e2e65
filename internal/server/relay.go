package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
)

// The relay: GET /v1/relay/{token} streams the requests a source accepts
// as Server-Sent Events, for `hookctl webhook listen --relay`.
//
//	event: ready    id: N (the position the stream starts after)  data: {"source","datasource","event","last_event_id"}
//	event: request  id: SEQ  data: the received request as JSON (model.ReceivedRequest: headers, "body" or "body_base64")
//	: ping          every RelayHeartbeat
//
// The store is the event log: on connect the stream sends every event
// after Last-Event-ID (or ?since_id=), then waits for new ones. Without
// either it starts after the current last event. Event ids are the log's
// sequence numbers, which only grow, so a client that reconnects with the
// last id it saw misses nothing and gets nothing twice.

// RelayHeartbeat is how often an idle relay stream sends a comment.
var RelayHeartbeat = 15 * time.Second

// RelayKeyCheck is how often a relay stream checks that its API key is
// still valid: a revoked key's stream ends (event: error) within it.
var RelayKeyCheck = 2 * time.Second

const relayPage = 100

func (s *Server) relay(w http.ResponseWriter, r *http.Request) error {
	q, err := query(r, "since_id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	src, err := s.srcs.GetSource(ctx, tenantOf(r), r.PathValue("token"))
	if err != nil {
		return err
	}
	last := int64(-1)
	for name, v := range map[string]string{"Last-Event-ID header": strings.TrimSpace(r.Header.Get("Last-Event-ID")), "query parameter since_id": q.String("since_id")} {
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return apperr.Usagef("%s %q: use an event id (a number, 0 for everything retained)", name, v)
		}
		last = max(last, n)
	}
	wake, unsubscribe := s.hub.subscribe(src.ID)
	defer unsubscribe()
	if last < 0 {
		if last, err = s.srcs.LastSourceEvent(ctx, src); err != nil {
			return err
		}
	}

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	ready, _ := json.Marshal(map[string]any{"source": src.ID, "datasource": src.Datasource, "event": src.Event, "last_event_id": last})
	if _, err := fmt.Fprintf(w, "retry: 1000\nevent: ready\nid: %d\ndata: %s\n\n", last, ready); err != nil {
		return nil
	}
	if rc.Flush() != nil {
		return nil
	}
	heartbeat := time.NewTicker(RelayHeartbeat)
	defer heartbeat.Stop()
	keyCheck := time.NewTicker(RelayKeyCheck)
	defer keyCheck.Stop()
	for {
		for {
			evs, err := s.srcs.SourceEventsAfter(ctx, src, last, relayPage)
			if err != nil {
				if ctx.Err() == nil {
					s.logf("relay %s: %v", src.ID, err)
				}
				return nil // headers are sent: all we can do is end the stream
			}
			for _, ev := range evs {
				data, err := json.Marshal(ev.Request)
				if err != nil {
					s.logf("relay %s: event %d: %v", src.ID, ev.Seq, err)
					return nil
				}
				if _, err := fmt.Fprintf(w, "id: %d\nevent: request\ndata: %s\n\n", ev.Seq, data); err != nil {
					return nil
				}
				last = ev.Seq
			}
			if len(evs) < relayPage {
				break
			}
		}
		if rc.Flush() != nil {
			return nil
		}
		select {
		case <-wake:
		case <-heartbeat.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil || rc.Flush() != nil {
				return nil
			}
		case <-keyCheck.C:
			if _, err := s.auth.Authenticate(ctx, apiKey(r)); err != nil && ctx.Err() == nil {
				// Revoked (or deleted) while streaming: say why and end.
				status, code := apperr.HTTPStatus(err)
				msg := err.Error()
				if status == http.StatusInternalServerError {
					s.logf("relay %s: check key: %v", src.ID, err)
					continue // a failed check is not a revocation
				}
				if status == http.StatusUnauthorized {
					msg = "API key revoked: " + msg
				}
				data, _ := json.Marshal(backend.ErrorBody{Error: backend.ErrorDetail{Code: code, Message: msg}})
				fmt.Fprintf(w, "event: error\ndata: %s\n\n", data)
				rc.Flush()
				return nil
			}
		case <-ctx.Done():
			return nil
		case <-s.hub.done:
			return nil
		}
	}
}

// relayHub wakes the relay streams of a source when it records a request.
type relayHub struct {
	mu        sync.Mutex
	subs      map[string]map[chan struct{}]struct{}
	done      chan struct{}
	closeOnce sync.Once
}

func newRelayHub() *relayHub {
	return &relayHub{subs: map[string]map[chan struct{}]struct{}{}, done: make(chan struct{})}
}

func (h *relayHub) subscribe(sourceID string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.subs[sourceID] == nil {
		h.subs[sourceID] = map[chan struct{}]struct{}{}
	}
	h.subs[sourceID][ch] = struct{}{}
	return ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		delete(h.subs[sourceID], ch)
		if len(h.subs[sourceID]) == 0 {
			delete(h.subs, sourceID)
		}
	}
}

// notify wakes every stream of the source; a stream that is busy has its
// wake-up pending already and will query the store again.
func (h *relayHub) notify(sourceID string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs[sourceID] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

func (h *relayHub) notifyAll() {
	h.mu.Lock()
	ids := make([]string, 0, len(h.subs))
	for id := range h.subs {
		ids = append(ids, id)
	}
	h.mu.Unlock()
	for _, id := range ids {
		h.notify(id)
	}
}

// closeRelays ends every relay stream: the server is shutting down, and
// clients reconnect to the next one with their last event id.
func (s *Server) closeRelays() {
	if s.hub != nil {
		s.hub.closeOnce.Do(func() { close(s.hub.done) })
	}
}
