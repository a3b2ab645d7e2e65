package replicatest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptrace"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/pgtest"
)

// TestWakeUpsAcrossReplicas is issue 19 item 4: what one replica commits
// wakes the clients held by another (LISTEN/NOTIFY). A request accepted by
// replica 1 on a source hook reaches a relay stream connected to replica
// 2; a delivery finished by one replica answers the ?wait long poll held by
// the other.
func TestWakeUpsAcrossReplicas(t *testing.T) {
	db := pgtest.Database(t)
	e := newEnv(t, db)
	key := e.apiKey()
	r1 := e.serve("replica1", db)
	r2 := e.serve("replica2", db)

	t.Run("relay", func(t *testing.T) { testRelayAcross(t, r1, r2, key) })
	t.Run("long poll", func(t *testing.T) { testLongPollAcross(t, r1, r2, key) })
}

// sseEvent is one Server-Sent Event and when it was read.
type sseEvent struct {
	Event, ID, Data string
	At              time.Time
}

// relayStream connects to GET /v1/relay/{token} and sends each event it
// reads on the returned channel (closed when the stream ends).
func relayStream(t *testing.T, r *replica, key, token string) <-chan sseEvent {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", r.URL+"/v1/relay/"+token, nil)
	req.Header.Set("X-API-Key", key)
	resp, err := (&http.Client{}).Do(req) // no timeout: a stream
	if err != nil {
		t.Fatalf("relay on %s: %v", r.name, err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		resp.Body.Close()
		t.Fatalf("relay on %s: %d %s", r.name, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	ch := make(chan sseEvent, 16)
	go func() {
		defer close(ch)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.Event != "" || ev.Data != "" {
					ev.At = time.Now()
					ch <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "event: "):
				ev.Event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "id: "):
				ev.ID = strings.TrimPrefix(line, "id: ")
			case strings.HasPrefix(line, "data: "):
				ev.Data += strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	return ch
}

// next returns the next event of the stream other than pings, failing the
// test after timeout.
func next(t *testing.T, ch <-chan sseEvent, timeout time.Duration) sseEvent {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatal("the relay stream ended")
			}
			return ev
		case <-deadline:
			t.Fatalf("no relay event within %s", timeout)
		}
	}
}

func testRelayAcross(t *testing.T, r1, r2 *replica, key string) {
	var src struct {
		APIToken string `json:"apiToken"`
		Token    string `json:"token"`
	}
	mustDo(t, "POST", r1.URL+"/wh/config", key, map[string]string{"datasource": "crm", "event": "contact"}, http.StatusCreated, &src)
	stream := relayStream(t, r2, key, src.Token)
	if ev := next(t, stream, 10*time.Second); ev.Event != "ready" {
		t.Fatalf("first relay event %+v, want ready", ev)
	}
	var lat []time.Duration
	for i := range 5 {
		body := fmt.Sprintf(`{"n":%d}`, i)
		sent := time.Now()
		req, _ := http.NewRequest("POST", r1.URL+"/wh/"+src.APIToken+"/"+src.Token, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("hook on replica 1: %d, want 202", resp.StatusCode)
		}
		accepted := time.Now()
		// Generous: the aim is 1 s, measured below.
		ev := next(t, stream, 5*time.Second)
		if ev.Event != "request" {
			t.Fatalf("relay event %+v, want request", ev)
		}
		var got struct {
			Body string `json:"body"`
		}
		if err := json.Unmarshal([]byte(ev.Data), &got); err != nil || got.Body != body {
			t.Fatalf("relay request %s (%v), want the body %s", ev.Data, err, body)
		}
		lat = append(lat, ev.At.Sub(sent))
		t.Logf("hook %d: POST on replica 1 answered 202 in %s, on replica 2's relay %s after the 202 (%s after sending)",
			i, accepted.Sub(sent).Round(time.Microsecond), ev.At.Sub(accepted).Round(time.Microsecond), ev.At.Sub(sent).Round(time.Microsecond))
	}
	worst := lat[0]
	for _, l := range lat {
		worst = max(worst, l)
	}
	t.Logf("hook sent to replica 1 → request on replica 2's relay: worst %s of %d (aim: 1s)", worst.Round(time.Microsecond), len(lat))
}

func testLongPollAcross(t *testing.T, r1, r2 *replica, key string) {
	rc := newReceiver(t, 0)
	release := make(chan struct{})
	rc.mu.Lock()
	rc.hold = release
	rc.mu.Unlock()
	createConfig(t, r2, key, rc.URL+"/hold")

	// Queued through replica 2; one of the replicas takes it, and its
	// attempt waits at the receiver.
	var sr sendResult
	mustDo(t, "POST", r2.URL+"/v1/events", key, map[string]any{"type": "device.enrolled", "retries": 0}, http.StatusAccepted, &sr)
	if len(sr.Data) != 1 || sr.Data[0].State != "pending" {
		t.Fatalf("send: %+v, want one pending delivery", sr.Data)
	}
	id := sr.Data[0].ID
	select {
	case <-rc.notify:
	case <-time.After(10 * time.Second):
		t.Fatal("the delivery did not reach the receiver")
	}

	// A long poll on each replica: the one that did not make the attempt
	// learns that the delivery is final only from the other's NOTIFY.
	type answer struct {
		r   *replica
		res response
		err error
		at  time.Time
	}
	answers := make(chan answer, 2)
	for _, r := range []*replica{r1, r2} {
		wrote := make(chan struct{})
		ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
			WroteRequest: func(httptrace.WroteRequestInfo) { close(wrote) },
		})
		go func() {
			// ?wait longer than the client's patience: only a wake-up
			// answers in time.
			ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
			defer cancel()
			res, err := do(ctx, "GET", r.URL+"/v1/deliveries/"+id+"?wait=60s", key, nil)
			answers <- answer{r, res, err, time.Now()}
		}()
		select {
		case <-wrote:
		case a := <-answers:
			t.Fatalf("long poll on %s: answered before it was sent: %v %v", a.r.name, a.res, a.err)
		case <-time.After(10 * time.Second):
			t.Fatalf("long poll on %s: not sent", r.name)
		}
	}
	// While the attempt waits, both polls hold (this also gives the
	// servers time to register them).
	select {
	case a := <-answers:
		t.Fatalf("long poll on %s answered while the delivery was pending: %v %v", a.r.name, a.res, a.err)
	case <-time.After(300 * time.Millisecond):
	}
	released := time.Now()
	close(release)
	for range 2 {
		a := <-answers
		if a.err != nil {
			t.Fatalf("long poll on %s: %v (not woken by the delivery's end)", a.r.name, a.err)
		}
		var d delivery
		if a.res.Status != http.StatusOK || json.Unmarshal(a.res.Body, &d) != nil || d.State != "succeeded" {
			t.Fatalf("long poll on %s: %s, want 200 with the delivery succeeded", a.r.name, a.res)
		}
		t.Logf("long poll on %s answered %s after the receiver released the attempt", a.r.name, a.at.Sub(released).Round(time.Microsecond))
	}
	if got, _ := rc.snapshot(); len(got) != 1 {
		t.Fatalf("the receiver got %d request ids, want 1", len(got))
	}
}
