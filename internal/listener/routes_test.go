package listener

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/routes"
)

// routeTarget is a forward target that keeps every request it got.
type routeTarget struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []string
	hdrs   []http.Header
}

func newRouteTarget(t *testing.T, status int, answer string) *routeTarget {
	tg := &routeTarget{}
	tg.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		tg.mu.Lock()
		tg.bodies = append(tg.bodies, string(b))
		tg.hdrs = append(tg.hdrs, r.Header.Clone())
		tg.mu.Unlock()
		w.WriteHeader(status)
		io.WriteString(w, answer)
	}))
	t.Cleanup(tg.Close)
	return tg
}

func (tg *routeTarget) got() ([]string, []http.Header) {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return append([]string(nil), tg.bodies...), append([]http.Header(nil), tg.hdrs...)
}

const (
	deviceBody = `{"type":"device.enrolled","data":{}}`
	pushBody   = `{"ref":"refs/heads/main"}`
	plainBody  = `no event type here`
)

var pushHeader = map[string]string{"X-GitHub-Event": "push"}

func mustParse(t *testing.T, values ...string) routes.Table {
	t.Helper()
	tbl, err := routes.Parse(values)
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

// forwardsOf returns the recorded forwards by request id.
func forwardsOf(t *testing.T, l *Listener, rec *memRecorder) map[string][]model.ForwardResult {
	t.Helper()
	l.Close()
	out := map[string][]model.ForwardResult{}
	for _, r := range rec.all() {
		out[r.ID] = r.Forwards
	}
	return out
}

func TestRoutesSendEachEventToItsTarget(t *testing.T) {
	devices, github := newRouteTarget(t, 201, "devices here"), newRouteTarget(t, 418, "github here")
	l, ev, rec := newListener(t, Config{
		Routes:         mustParse(t, "device.*="+devices.URL+"/devices", "push="+github.URL+"/github"),
		ResponseStatus: 202,
	})

	// Exactly one target matched: its status and body pass through.
	w := do(t, l, sent{body: deviceBody})
	if w.Code != 201 || w.Body.String() != "devices here" {
		t.Fatalf("device event answered %d %q, want the target's 201", w.Code, w.Body)
	}
	w = do(t, l, sent{body: pushBody, header: pushHeader})
	if w.Code != 418 || w.Body.String() != "github here" {
		t.Fatalf("push event answered %d %q, want the target's 418", w.Code, w.Body)
	}
	// No route matched: nothing forwarded, ResponseStatus.
	w = do(t, l, sent{body: `{"type":"user.created"}`})
	if w.Code != 202 || !strings.Contains(w.Body.String(), `"ok"`) {
		t.Fatalf("unrouted event answered %d %q, want 202 ok", w.Code, w.Body)
	}
	// Unknown event type: no catch-all here, so nowhere.
	w = do(t, l, sent{body: plainBody})
	if w.Code != 202 {
		t.Fatalf("unknown event type answered %d, want 202", w.Code)
	}

	if b, _ := devices.got(); len(b) != 1 || b[0] != deviceBody {
		t.Errorf("devices target got %q, want only the device event", b)
	}
	if b, _ := github.got(); len(b) != 1 || b[0] != pushBody {
		t.Errorf("github target got %q, want only the push event", b)
	}

	reqs := ev.requests()
	fw := forwardsOf(t, l, rec)
	want := [][]model.ForwardResult{
		{{URL: devices.URL + "/devices", Route: "device.*", Status: 201}},
		{{URL: github.URL + "/github", Route: "push", Status: 418}},
		nil,
		nil,
	}
	for i, r := range reqs {
		got := fw[r.ID]
		if len(got) != len(want[i]) {
			t.Fatalf("request %d (%s): forwards %+v, want %+v", i, r.EventType, got, want[i])
		}
		for j := range got {
			if got[j].URL != want[i][j].URL || got[j].Route != want[i][j].Route || got[j].Status != want[i][j].Status {
				t.Errorf("request %d forward %d: %+v, want %+v", i, j, got[j], want[i][j])
			}
		}
	}
	if fe := ev.kinds(KindForward); len(fe) != 2 || fe[0].Forward.Route != "device.*" || fe[1].Forward.Route != "push" {
		t.Errorf("forward events %+v", fe)
	}
}

func TestRoutesCatchAllGetsEverything(t *testing.T) {
	devices, github, all := newRouteTarget(t, 200, "d"), newRouteTarget(t, 200, "g"), newRouteTarget(t, 299, "all")
	l, _, rec := newListener(t, Config{
		ForwardTo:      []string{all.URL},
		Routes:         mustParse(t, "device.*="+devices.URL, "push="+github.URL),
		ResponseStatus: 202,
	})
	// Two targets matched: ResponseStatus, no pass-through.
	for _, s := range []sent{{body: deviceBody}, {body: pushBody, header: pushHeader}} {
		if w := do(t, l, s); w.Code != 202 || !strings.Contains(w.Body.String(), `"ok"`) {
			t.Fatalf("%s answered %d %q, want 202 ok (two targets)", s.body, w.Code, w.Body)
		}
	}
	// Unknown event type: only the catch-all, which then passes through.
	if w := do(t, l, sent{body: plainBody}); w.Code != 299 || w.Body.String() != "all" {
		t.Fatalf("unknown event type answered %d %q, want the catch-all's 299", w.Code, w.Body)
	}
	if b, _ := all.got(); len(b) != 3 {
		t.Errorf("catch-all got %d requests, want 3", len(b))
	}
	if b, _ := devices.got(); len(b) != 1 || b[0] != deviceBody {
		t.Errorf("devices target got %q", b)
	}
	if b, _ := github.got(); len(b) != 1 || b[0] != pushBody {
		t.Errorf("github target got %q", b)
	}
	l.Close()
	for _, r := range rec.all() {
		switch r.EventType {
		case "device.enrolled":
			if len(r.Forwards) != 2 || r.Forwards[0].URL != all.URL || r.Forwards[0].Route != "" ||
				r.Forwards[1].URL != devices.URL || r.Forwards[1].Route != "device.*" {
				t.Errorf("device forwards %+v: want the catch-all first (flag order), then the route", r.Forwards)
			}
		case "push":
			if len(r.Forwards) != 2 || r.Forwards[1].Route != "push" {
				t.Errorf("push forwards %+v", r.Forwards)
			}
		case "":
			if len(r.Forwards) != 1 || r.Forwards[0].URL != all.URL || r.Status != 299 {
				t.Errorf("unknown-type forwards %+v status %d", r.Forwards, r.Status)
			}
		}
	}
}

func TestRoutesOneMatchedTargetFailingIs502(t *testing.T) {
	ok := newRouteTarget(t, 200, "fine")
	l, _, _ := newListener(t, Config{Routes: mustParse(t, "device.*=http://127.0.0.1:1/x", "push="+ok.URL)})
	if w := do(t, l, sent{body: deviceBody}); w.Code != http.StatusBadGateway || !strings.Contains(w.Body.String(), "127.0.0.1:1") {
		t.Fatalf("answer %d %s, want 502 naming the target", w.Code, w.Body)
	}
}

func TestRoutesExtraHeadersAndDeduplication(t *testing.T) {
	a, b := newRouteTarget(t, 200, "a"), newRouteTarget(t, 200, "b")
	tbl, err := routes.ParseYAML("r.yaml", []byte(`routes:
  - events: ["device.*"]
    to: [`+a.URL+`, `+b.URL+`]
    headers: {X-Env: dev, X-Extra: route}
  - events: "*"
    to: `+a.URL+`
    headers: {X-Other: never}
`))
	if err != nil {
		t.Fatal(err)
	}
	l, _, rec := newListener(t, Config{Routes: tbl, ForwardHeaders: http.Header{"X-Extra": {"global"}, "X-Global": {"1"}}})
	do(t, l, sent{body: deviceBody})
	do(t, l, sent{body: pushBody, header: pushHeader})

	ab, ah := a.got()
	if len(ab) != 2 {
		t.Fatalf("a got %d requests, want 2 (device once despite two routes, push)", len(ab))
	}
	if h := ah[0]; h.Get("X-Env") != "dev" || h.Get("X-Extra") != "route" || h.Get("X-Global") != "1" || h.Get("X-Other") != "" {
		t.Errorf("device forward headers %v: want the first route's, over the global ones", h)
	}
	if h := ah[1]; h.Get("X-Other") != "never" || h.Get("X-Extra") != "global" || h.Get("X-Env") != "" {
		t.Errorf("push forward headers %v: want the catch-all's", h)
	}
	if bb, bh := b.got(); len(bb) != 1 || bh[0].Get("X-Env") != "dev" {
		t.Errorf("b got %q %v", bb, bh)
	}
	l.Close()
	for _, r := range rec.all() {
		if r.EventType == "device.enrolled" && (len(r.Forwards) != 2 || r.Forwards[0].Route != "device.*" || r.Forwards[1].Route != "device.*") {
			t.Errorf("device forwards %+v", r.Forwards)
		}
		if r.EventType == "push" && (len(r.Forwards) != 1 || r.Forwards[0].Route != "*") {
			t.Errorf("push forwards %+v", r.Forwards)
		}
	}
	if strings.Contains(tbl[0].Headers.Get("X-Extra"), "global") || tbl[0].Headers.Get("X-Global") != "" {
		t.Error("New changed the caller's routes table")
	}
}
