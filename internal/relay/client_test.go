package relay_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/relay"
)

// A fake relay that sends one event per connection, then hangs up: the
// client must reconnect each time with the last id it handled.
func TestClientReconnectsAndResumes(t *testing.T) {
	var mu sync.Mutex
	var seen []string // Last-Event-ID of each connection
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/relay/hks_t" || r.Header.Get("X-API-Key") != "k" {
			http.Error(w, `{"error":{"code":"not_found","message":"no source with this token"}}`, 404)
			return
		}
		h := r.Header.Get("Last-Event-ID")
		mu.Lock()
		seen = append(seen, h)
		mu.Unlock()
		last, _ := strconv.Atoi(h)
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprintf(w, "event: ready\nid: %d\ndata: {\"source\":\"src_1\"}\n\n: ping\n\n", last)
		fmt.Fprintf(w, "id: %d\nevent: request\ndata: {\"id\":\"req_%d\",\"method\":\"POST\",\"path\":\"/\",\"headers\":{\"X-N\":[\"%d\"]},\"body\":\"{\\\"n\\\": %d}\"}\n\n", last+1, last+1, last+1, last+1)
	}))
	defer srv.Close()
	remote, err := backend.NewRemote(srv.URL, "k", nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan *model.ReceivedRequest, 10)
	var saved []int64
	var statuses []relay.Status
	c := &relay.Client{
		Remote: remote, Token: "hks_t", LastID: 0,
		Handle: func(ctx context.Context, rr *model.ReceivedRequest) error {
			got <- rr
			if len(got) == 3 {
				cancel()
			}
			return nil
		},
		Save:       func(id int64) error { saved = append(saved, id); return nil },
		OnStatus:   func(s relay.Status) { statuses = append(statuses, s) },
		MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond,
	}
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
	close(got)
	n := 1
	for rr := range got {
		if rr.ID != fmt.Sprintf("req_%d", n) || string(rr.Body) != fmt.Sprintf(`{"n": %d}`, n) || rr.Headers.Get("X-N") != strconv.Itoa(n) {
			t.Fatalf("request %d: %+v", n, rr)
		}
		n++
	}
	if strings.Join(seen, ",") != "0,1,2" {
		t.Fatalf("Last-Event-ID per connection: %q, want 0,1,2", seen)
	}
	if c.LastID != 3 || saved[len(saved)-1] != 3 {
		t.Fatalf("LastID %d, saved %v", c.LastID, saved)
	}
	connected, disconnected := 0, 0
	for _, s := range statuses {
		if s.Connected {
			connected++
		} else if s.Err != nil {
			disconnected++
		}
	}
	if connected != 3 || disconnected != 2 {
		t.Fatalf("statuses: %+v", statuses)
	}

	// An unknown source is final: no retry.
	c2 := &relay.Client{Remote: remote, Token: "hks_nope", LastID: -1, Handle: func(context.Context, *model.ReceivedRequest) error { return nil }}
	if err := c2.Run(context.Background()); !apperr.IsKind(err, apperr.ErrNotFound) {
		t.Fatalf("unknown source: %v", err)
	}
}

func TestReader(t *testing.T) {
	in := ": hi\n\nevent: ready\nid: 7\ndata: a\ndata: b\n\ndata: plain\r\n\r\nid: 9\n"
	rd := relay.NewReader(strings.NewReader(in))
	want := []relay.Event{{Type: "ready", ID: "7", HasID: true, Data: "a\nb"}, {Type: "message", Data: "plain"}}
	for i, w := range want {
		ev, err := rd.Next()
		if err != nil || ev != w {
			t.Fatalf("event %d: %+v %v, want %+v", i, ev, err, w)
		}
	}
	if _, err := rd.Next(); err == nil || !strings.Contains(err.Error(), "unexpected EOF") {
		t.Fatalf("truncated event: %v", err)
	}
}

// An error event ends the stream for good: Run returns the server's reason
// as an error of its kind (here an authentication error) instead of
// reconnecting with a revoked key.
func TestClientStopsOnErrorEvent(t *testing.T) {
	var conns int
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		conns++
		mu.Unlock()
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "event: ready\nid: 0\ndata: {\"source\":\"src_1\"}\n\n")
		fmt.Fprint(w, "event: error\ndata: {\"error\":{\"code\":\"unauthorized\",\"message\":\"API key revoked: API key key_1 was revoked\"}}\n\n")
	}))
	defer srv.Close()
	remote, err := backend.NewRemote(srv.URL, "k", nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &relay.Client{Remote: remote, Token: "hks_t", Handle: func(context.Context, *model.ReceivedRequest) error { return nil },
		MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}
	done := make(chan error, 1)
	go func() { done <- c.Run(context.Background()) }()
	select {
	case err := <-done:
		if !apperr.IsKind(err, apperr.ErrAuth) || !strings.Contains(err.Error(), "API key revoked") {
			t.Fatalf("Run = %v, want the revocation as an auth error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run goes on reconnecting after an error event")
	}
	if conns != 1 {
		t.Fatalf("%d connections, want 1", conns)
	}
}

// A request Handle could not deliver (not recorded) does not advance the
// resume point: the client reconnects from before it, the server sends it
// again, and only once it is handled are LastID and the saved state moved.
func TestClientResumesBeforeAnUnhandledRequest(t *testing.T) {
	var mu sync.Mutex
	var seen []string // Last-Event-ID of each connection
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Last-Event-ID")
		mu.Lock()
		seen = append(seen, h)
		mu.Unlock()
		last, _ := strconv.Atoi(h)
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprintf(w, "event: ready\nid: %d\ndata: {\"source\":\"src_1\"}\n\n", last)
		for id := last + 1; id <= 3; id++ { // the server replays everything after Last-Event-ID
			fmt.Fprintf(w, "id: %d\nevent: request\ndata: {\"id\":\"req_%d\",\"method\":\"POST\",\"path\":\"/\"}\n\n", id, id)
		}
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	remote, err := backend.NewRemote(srv.URL, "k", nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var handled []string
	var saved []int64
	var statuses []relay.Status
	failures := 2 // req_2 fails twice (the database is full), then is recorded
	c := &relay.Client{
		Remote: remote, Token: "hks_t", LastID: 0,
		Handle: func(_ context.Context, rr *model.ReceivedRequest) error {
			if rr.ID == "req_2" && failures > 0 {
				failures--
				return fmt.Errorf("request %s not recorded: disk full", rr.ID)
			}
			handled = append(handled, rr.ID)
			if rr.ID == "req_3" {
				cancel()
			}
			return nil
		},
		Save:       func(id int64) error { saved = append(saved, id); return nil },
		OnStatus:   func(s relay.Status) { statuses = append(statuses, s) },
		MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond,
	}
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
	if strings.Join(handled, ",") != "req_1,req_2,req_3" {
		t.Fatalf("handled %v", handled)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(seen, ",") != "0,1,1" {
		t.Fatalf("Last-Event-ID per connection: %q, want 0,1,1 (resumed before the failed request)", seen)
	}
	if c.LastID != 3 {
		t.Fatalf("LastID %d", c.LastID)
	}
	if fmt.Sprint(saved) != "[0 1 1 1 2 3]" {
		t.Fatalf("saved %v, want [0 1 1 1 2 3] (ready, req_1, two reconnections, req_2, req_3)", saved)
	}
	var errs []string
	for _, s := range statuses {
		if s.Err != nil {
			errs = append(errs, s.Err.Error())
			if s.LastEventID != 1 {
				t.Errorf("disconnected at %d, want 1", s.LastEventID)
			}
		}
	}
	if len(errs) != 2 || !strings.Contains(errs[0], "event 2 not handled") || !strings.Contains(errs[0], "disk full") {
		t.Fatalf("disconnections %q", errs)
	}
}
