package dispatch

import (
	"context"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/leanhttp"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/netguard"
)

const blockedLoopback = "destination 127.0.0.1 is a loopback address: hookctl serve does not deliver there unless started with --allow-target 127.0.0.0/8"

// A destination refused by the server's guard is one failed attempt,
// not retried, whose error is the guard's message.
func TestBlockedDestinationIsFinal(t *testing.T) {
	srv := startServer(t)
	guarded := &http.Client{Transport: netguard.New(nil, nil).Transport(nil)}

	t.Run("Deliver", func(t *testing.T) {
		d, sl, rec := newTestDispatcher(t)
		d.Client = guarded
		d.Policy = Policy{Retries: 5}
		del, err := d.Deliver(context.Background(), Event{Type: "x", Body: []byte(`{}`)}, Target{URL: srv.URL + "/status/500"})
		if err != nil {
			t.Fatal(err)
		}
		if del.State != model.DeliveryFailed || len(del.Attempts) != 1 || len(sl.waits) != 0 {
			t.Fatalf("state %s, %d attempts, waits %v: want failed after 1 attempt, no retry", del.State, len(del.Attempts), sl.waits)
		}
		if got := del.Attempts[0].Error; got != blockedLoopback {
			t.Fatalf("attempt error\n got %q\nwant %q", got, blockedLoopback)
		}
		if rec.last == nil || rec.last.State != model.DeliveryFailed {
			t.Fatalf("recorded %v", rec.states)
		}
	})
	t.Run("Attempt", func(t *testing.T) {
		d := New(guarded, nil)
		del := &model.Delivery{ID: "dlv_x", RequestID: "req-x", State: model.DeliveryPending}
		next, err := d.Attempt(context.Background(), Policy{Retries: 5}, Event{Body: []byte(`{}`)}, Target{URL: srv.URL + "/"}, del)
		if err != nil || next != 0 || del.State != model.DeliveryFailed || len(del.Attempts) != 1 || del.Attempts[0].Error != blockedLoopback {
			t.Fatalf("next %v, err %v, delivery %+v", next, err, del)
		}
	})
	t.Run("allowed", func(t *testing.T) {
		allow := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
		d, _, _ := newTestDispatcher(t)
		d.Client = &http.Client{Transport: netguard.New(allow, nil).Transport(nil)}
		del, err := d.Deliver(context.Background(), Event{Type: "x", Body: []byte(`{}`)}, Target{URL: srv.URL + "/"})
		if err != nil || del.State != model.DeliverySucceeded {
			t.Fatalf("with 127.0.0.0/8 allowed: %v %+v", err, del)
		}
	})
	if n := len(srv.Requests()); n != 1 {
		t.Fatalf("the receiver got %d requests, want 1 (the allowed one)", n)
	}
}

// Every attempt of every delivery carries LoopHeader: the delivery id when
// it is recorded, the request id otherwise; also through leanhttp (load mode).
func TestLoopHeaderOnEveryAttempt(t *testing.T) {
	srv := startServer(t)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	clients := []struct {
		name   string
		client *http.Client
		path   string // a path of its own: /flaky counts per path
	}{
		{"net/http", &http.Client{Transport: tr}, "/flaky/2/503"},
		{"leanhttp", &http.Client{Transport: &leanhttp.Transport{Fallback: tr}}, "/flaky/2/502"},
	}
	for _, c := range clients {
		client := c.client
		t.Run(c.name, func(t *testing.T) {
			before := len(srv.Requests())
			d, _, _ := newTestDispatcher(t)
			d.Client = client
			del, err := d.Deliver(context.Background(), Event{Type: "x", Body: []byte(`{}`), Headers: http.Header{LoopHeader: {"spoofed"}}},
				Target{URL: srv.URL + c.path})
			if err != nil || del.State != model.DeliverySucceeded || len(del.Attempts) != 3 {
				t.Fatalf("%v %+v", err, del)
			}
			if !strings.HasPrefix(del.ID, "dlv_") || del.RequestHeaders[LoopHeader] != del.ID {
				t.Fatalf("recorded request headers %v, id %s", del.RequestHeaders, del.ID)
			}
			reqs := srv.Requests()[before:]
			if len(reqs) != 3 {
				t.Fatalf("%d requests", len(reqs))
			}
			for i, r := range reqs {
				if got := r.Headers.Values(LoopHeader); len(got) != 1 || got[0] != del.ID {
					t.Errorf("attempt %d: %s = %q, want %q", i+1, LoopHeader, got, del.ID)
				}
			}

			// Not recorded (mock): the request id.
			before = len(srv.Requests())
			mock := New(client, nil)
			del, err = mock.Deliver(context.Background(), Event{Type: "x", Body: []byte(`{}`)}, Target{URL: srv.URL + "/"})
			if err != nil || del.State != model.DeliverySucceeded {
				t.Fatalf("%v %+v", err, del)
			}
			reqs = srv.Requests()[before:]
			if len(reqs) != 1 || reqs[0].Headers.Get(LoopHeader) != del.RequestID {
				t.Fatalf("mock send: %s = %q, want the request id %q", LoopHeader, reqs[0].Headers.Get(LoopHeader), del.RequestID)
			}
		})
	}
}
