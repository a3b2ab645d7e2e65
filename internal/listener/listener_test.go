package listener

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/signature"
)

const ghSecret = "It's a Secret to Everybody"
const ghSig = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

// memRecorder records in memory; fail makes it return an error.
type memRecorder struct {
	mu   sync.Mutex
	reqs []*model.ReceivedRequest
	fail error
}

func (m *memRecorder) RecordRequests(_ context.Context, reqs ...*model.ReceivedRequest) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	m.reqs = append(m.reqs, reqs...)
	return nil
}

func (m *memRecorder) all() []*model.ReceivedRequest {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*model.ReceivedRequest(nil), m.reqs...)
}

// events collects what the listener emits.
type events struct {
	mu sync.Mutex
	ev []Event
}

func (e *events) add(ev Event) { e.mu.Lock(); e.ev = append(e.ev, ev); e.mu.Unlock() }

func (e *events) requests() []*model.ReceivedRequest {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []*model.ReceivedRequest
	for _, ev := range e.ev {
		if ev.Kind == KindRequest {
			out = append(out, ev.Request)
		}
	}
	return out
}

func (e *events) kinds(k Kind) []Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Event
	for _, ev := range e.ev {
		if ev.Kind == k {
			out = append(out, ev)
		}
	}
	return out
}

type sent struct {
	method string
	path   string
	header map[string]string
	body   string
}

func do(t *testing.T, h http.Handler, s sent) *httptest.ResponseRecorder {
	t.Helper()
	if s.method == "" {
		s.method = http.MethodPost
	}
	if s.path == "" {
		s.path = "/"
	}
	var body io.Reader
	if s.body != "" {
		body = strings.NewReader(s.body)
	}
	r := httptest.NewRequest(s.method, s.path, body)
	for k, v := range s.header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func newListener(t *testing.T, cfg Config) (*Listener, *events, *memRecorder) {
	t.Helper()
	ev := &events{}
	rec := &memRecorder{}
	cfg.OnEvent = ev.add
	if cfg.Recorder == nil {
		cfg.Recorder = rec
	}
	l, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return l, ev, rec
}

func TestHandle(t *testing.T) {
	gh := map[string]string{"X-Hub-Signature-256": ghSig, "X-GitHub-Event": "push"}
	tests := []struct {
		name       string
		cfg        Config
		req        sent
		wantStatus int
		wantBody   string
		check      func(t *testing.T, r *model.ReceivedRequest)
	}{
		{name: "no secret: not verified", req: sent{body: `{"type":"a.b"}`},
			wantStatus: 200, wantBody: `{"message":"ok"}`,
			check: func(t *testing.T, r *model.ReceivedRequest) {
				if r.Verification != nil || r.EventType != "a.b" || string(r.Body) != `{"type":"a.b"}` || !strings.HasPrefix(r.ID, "req_") {
					t.Errorf("got %+v", r)
				}
			}},
		{name: "verify ok, scheme detected", cfg: Config{Secrets: []signature.Secret{{Value: ghSecret}}},
			req: sent{body: "Hello, World!", header: gh}, wantStatus: 200,
			check: func(t *testing.T, r *model.ReceivedRequest) {
				if v := r.Verification; v == nil || !v.OK || v.Scheme != "github" || r.EventType != "push" {
					t.Errorf("verification %+v, event %q", v, r.EventType)
				}
			}},
		{name: "verify failed is flagged and answered", cfg: Config{Secrets: []signature.Secret{{Value: "wrong"}}},
			req: sent{body: "Hello, World!", header: gh}, wantStatus: 200,
			check: func(t *testing.T, r *model.ReceivedRequest) {
				if v := r.Verification; v == nil || v.OK || v.Message == "" || v.Cause == "" || !r.Failed() {
					t.Errorf("verification %+v", v)
				}
			}},
		{name: "trailing newline diagnosed", cfg: Config{Secrets: []signature.Secret{{Value: ghSecret}}},
			req: sent{body: "Hello, World!\n", header: gh}, wantStatus: 200,
			check: func(t *testing.T, r *model.ReceivedRequest) {
				if v := r.Verification; v.Cause != signature.CauseBodyTrailingNL {
					t.Errorf("cause %q: %s", v.Cause, v.Message)
				}
			}},
		{name: "reject invalid answers 401", cfg: Config{Secrets: []signature.Secret{{Value: "wrong"}}, RejectInvalid: true},
			req: sent{body: "Hello, World!", header: gh}, wantStatus: 401, wantBody: "invalid signature",
			check: func(t *testing.T, r *model.ReceivedRequest) {
				if r.Rejected != RejectInvalidSignature || r.Status != 401 {
					t.Errorf("got %+v", r)
				}
			}},
		{name: "too large answers 413", cfg: Config{MaxBody: 10}, req: sent{body: "01234567890"},
			wantStatus: 413, wantBody: "payload too large",
			check: func(t *testing.T, r *model.ReceivedRequest) {
				if r.Rejected != RejectTooLarge {
					t.Errorf("got %+v", r)
				}
			}},
		{name: "exactly the limit is fine", cfg: Config{MaxBody: 10}, req: sent{body: "0123456789"}, wantStatus: 200},
		{name: "require json: text/plain 415", cfg: Config{RequireJSON: true},
			req: sent{body: "{}", header: map[string]string{"Content-Type": "text/plain"}}, wantStatus: 415, wantBody: "unsupported media type"},
		{name: "require json: missing content type 415", cfg: Config{RequireJSON: true},
			req: sent{body: "{}"}, wantStatus: 415},
		{name: "require json: charset ok", cfg: Config{RequireJSON: true},
			req: sent{body: "{}", header: map[string]string{"Content-Type": "application/json; charset=utf-8"}}, wantStatus: 200},
		{name: "require json: vendor type ok", cfg: Config{RequireJSON: true},
			req: sent{body: "{}", header: map[string]string{"Content-Type": "application/vnd.github+json"}}, wantStatus: 200},
		{name: "events filter excludes", cfg: Config{Events: []string{"device.*"}},
			req: sent{body: `{"type":"user.signed_in"}`}, wantStatus: 200,
			check: func(t *testing.T, r *model.ReceivedRequest) {
				if !r.Filtered {
					t.Error("want filtered")
				}
			}},
		{name: "events filter includes", cfg: Config{Events: []string{"user.signed_out", "device.*"}},
			req: sent{body: `{"type":"device.enrolled"}`}, wantStatus: 200,
			check: func(t *testing.T, r *model.ReceivedRequest) {
				if r.Filtered {
					t.Error("want not filtered")
				}
			}},
		{name: "gjson comparison filter", cfg: Config{Filter: `data.device.os=="android"`},
			req: sent{body: `{"data":{"device":{"os":"ios"}}}`}, wantStatus: 200,
			check: func(t *testing.T, r *model.ReceivedRequest) {
				if !r.Filtered {
					t.Error("want filtered")
				}
			}},
		{name: "ts-field unix seconds", cfg: Config{TSField: "created"},
			req: sent{body: `{"created":1700000000}`}, wantStatus: 200,
			check: func(t *testing.T, r *model.ReceivedRequest) {
				if r.EventTime == nil || !r.EventTime.Equal(time.Unix(1700000000, 0)) {
					t.Errorf("event time %v", r.EventTime)
				}
			}},
		{name: "ts-field rfc3339 in an array", cfg: Config{TSField: "commits.0.timestamp"},
			req: sent{body: `{"commits":[{"timestamp":"2026-01-02T03:04:05+01:00"}]}`}, wantStatus: 200,
			check: func(t *testing.T, r *model.ReceivedRequest) {
				if r.EventTime == nil || !r.EventTime.Equal(time.Date(2026, 1, 2, 2, 4, 5, 0, time.UTC)) {
					t.Errorf("event time %v", r.EventTime)
				}
			}},
		{name: "response status", cfg: Config{ResponseStatus: 202}, req: sent{body: "x"}, wantStatus: 202},
		{name: "path outside listen path 404", cfg: Config{Path: "/hooks"}, req: sent{path: "/other", body: "x"}, wantStatus: 404},
		{name: "path under listen path", cfg: Config{Path: "/hooks"}, req: sent{path: "/hooks/github", body: "x"}, wantStatus: 200},
		{name: "GET with a query is a webhook", req: sent{method: "GET", path: "/?challenge=1"}, wantStatus: 200,
			check: func(t *testing.T, r *model.ReceivedRequest) {
				if r.Query != "challenge=1" || r.Method != "GET" {
					t.Errorf("got %+v", r)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, ev, rec := newListener(t, tt.cfg)
			w := do(t, l, tt.req)
			if w.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %s", w.Code, tt.wantStatus, w.Body)
			}
			if tt.wantBody != "" && !strings.Contains(w.Body.String(), tt.wantBody) {
				t.Errorf("body %q lacks %q", w.Body, tt.wantBody)
			}
			reqs := ev.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d request events, want 1", len(reqs))
			}
			l.Close()
			if tt.wantStatus != 404 {
				if got := rec.all(); len(got) != 1 || got[0].ID != reqs[0].ID {
					t.Fatalf("recorded %d requests", len(got))
				}
			}
			if tt.check != nil {
				tt.check(t, reqs[0])
			}
		})
	}
}

func TestHealthCheck(t *testing.T) {
	l, ev, rec := newListener(t, Config{})
	for _, s := range []sent{{method: "GET"}, {method: "HEAD"}, {method: "GET", path: HealthPath}} {
		if w := do(t, l, s); w.Code != 200 {
			t.Errorf("%s %s: %d", s.method, s.path, w.Code)
		}
	}
	// A GET carrying an event type header is a webhook, not a health check.
	do(t, l, sent{method: "GET", header: map[string]string{"X-GitHub-Event": "ping"}})
	l.Close()
	if n := len(ev.requests()); n != 1 {
		t.Errorf("%d request events, want 1 (health checks are not events)", n)
	}
	if n := len(rec.all()); n != 1 {
		t.Errorf("%d recorded, want 1", n)
	}
}

func TestNoRecorder(t *testing.T) {
	ev := &events{}
	l, err := New(Config{OnEvent: ev.add})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if w := do(t, l, sent{body: "x"}); w.Code != 200 {
		t.Fatal(w.Code)
	}
	if len(ev.requests()) != 1 || len(ev.kinds(KindError)) != 0 {
		t.Errorf("events %+v", ev.ev)
	}
}

// target is a forward target recording what it got.
type target struct {
	*httptest.Server
	mu     sync.Mutex
	header http.Header
	body   []byte
}

func newTarget(t *testing.T, status int, answer string) *target {
	tg := &target{}
	tg.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		tg.mu.Lock()
		tg.header, tg.body = r.Header.Clone(), b
		tg.mu.Unlock()
		w.Header().Set("X-Target", "yes")
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(status)
		io.WriteString(w, answer)
	}))
	t.Cleanup(tg.Close)
	return tg
}

func TestForwardPassThrough(t *testing.T) {
	tg := newTarget(t, 418, "teapot says hi")
	l, ev, rec := newListener(t, Config{ForwardTo: []string{tg.URL + "/in"}, ForwardHeaders: http.Header{"X-Extra": {"1"}}})
	body := "{\"a\":  1,\n \"z\":\"\\u00e9\"}\n" // odd spacing must survive
	w := do(t, l, sent{body: body, header: map[string]string{
		"X-Hub-Signature-256": "sha256=abc", "Content-Type": "application/json", "Connection": "close, X-Hop", "X-Hop": "drop me"}})
	if w.Code != 418 || w.Body.String() != "teapot says hi" || w.Header().Get("X-Target") != "yes" {
		t.Fatalf("answer %d %q %v", w.Code, w.Body, w.Header())
	}
	if !bytes.Equal(tg.body, []byte(body)) {
		t.Errorf("forwarded body %q, want %q", tg.body, body)
	}
	if tg.header.Get("X-Hub-Signature-256") != "sha256=abc" || tg.header.Get("X-Extra") != "1" {
		t.Errorf("forwarded headers %v", tg.header)
	}
	if tg.header.Get("X-Hop") != "" || tg.header.Get("User-Agent") != "" {
		t.Errorf("hop-by-hop or added headers forwarded: %v", tg.header)
	}
	l.Close()
	r := rec.all()[0]
	if len(r.Forwards) != 1 || r.Forwards[0].Status != 418 || r.Forwards[0].Latency <= 0 || r.Status != 418 {
		t.Errorf("forwards %+v status %d", r.Forwards, r.Status)
	}
	if n := len(ev.kinds(KindForward)); n != 1 {
		t.Errorf("%d forward events", n)
	}
}

func TestForwardSeveralTargets(t *testing.T) {
	a, b := newTarget(t, 200, "a"), newTarget(t, 500, "b")
	l, _, rec := newListener(t, Config{ForwardTo: []string{a.URL, b.URL}})
	w := do(t, l, sent{body: "payload"})
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"ok"`) {
		t.Fatalf("answer %d %s", w.Code, w.Body)
	}
	if string(a.body) != "payload" || string(b.body) != "payload" {
		t.Errorf("targets got %q %q", a.body, b.body)
	}
	l.Close()
	r := rec.all()[0]
	if r.Forwards[0].Status != 200 || r.Forwards[1].Status != 500 || !r.Failed() {
		t.Errorf("forwards %+v", r.Forwards)
	}
}

func TestForwardFailureIs502(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	l, _, rec := newListener(t, Config{ForwardTo: []string{"http://" + addr}})
	w := do(t, l, sent{body: "x"})
	if w.Code != 502 || !strings.Contains(w.Body.String(), "failed") {
		t.Fatalf("answer %d %s", w.Code, w.Body)
	}
	l.Close()
	if f := rec.all()[0].Forwards[0]; f.Error == "" || f.Status != 0 {
		t.Errorf("forward %+v", f)
	}
}

func TestFilteredRequestsAreNotForwarded(t *testing.T) {
	tg := newTarget(t, 200, "x")
	l, ev, _ := newListener(t, Config{ForwardTo: []string{tg.URL}, Events: []string{"device.*"}})
	do(t, l, sent{body: `{"type":"user.x"}`})
	if tg.body != nil || len(ev.kinds(KindForward)) != 0 {
		t.Error("a filtered request was forwarded")
	}
	if ev.requests()[0].Filtered != true || (Event{Kind: KindRequest, Request: ev.requests()[0]}).Matched() {
		t.Error("want filtered and not matched")
	}
}

func TestFilter(t *testing.T) {
	body := []byte(`{"type":"device.enrolled","amount":1500,"data":{"device":{"os":"android"},"devices":[{"os":"ios"},{"os":"android"}]}}`)
	tests := []struct {
		q    string
		want bool
	}{
		{`data.device`, true},
		{`data.nothing`, false},
		{`data.device.os=="android"`, true},
		{`data.device.os == "android"`, true},
		{`data.device.os=="ios"`, false},
		{`data.device.os!="ios"`, true},
		{`data.devices.#(os=="android")`, true},
		{`data.devices.#(os=="windows")`, false},
		{`amount>1000`, true},
		{`amount<=1000`, false},
		{`type%"device.*"`, true},
		{`type!%"device.*"`, false},
		{`missing=="x"`, false},
	}
	for _, tt := range tests {
		f, err := CompileFilter(tt.q)
		if err != nil {
			t.Fatalf("%s: %v", tt.q, err)
		}
		if got := f.Match(body); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.q, got, tt.want)
		}
	}
	if f, _ := CompileFilter("a"); f.Match([]byte("not json")) {
		t.Error("non-JSON body matched")
	}
	if _, err := CompileFilter(`=="x"`); err == nil {
		t.Error("want an error for a comparison without a path")
	}
}

func TestEventTime(t *testing.T) {
	tests := []struct {
		body string
		want time.Time
		ok   bool
	}{
		{`{"t":1700000000}`, time.Unix(1700000000, 0), true},
		{`{"t":1700000000123}`, time.UnixMilli(1700000000123), true},
		{`{"t":"1700000000"}`, time.Unix(1700000000, 0), true},
		{`{"t":"2026-11-23T12:00:00Z"}`, time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC), true},
		{`{"t":"yesterday"}`, time.Time{}, false},
		{`{}`, time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := EventTime([]byte(tt.body), "t")
		if ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("%s: got %v %v", tt.body, got, ok)
		}
	}
}

func TestIsJSONContentType(t *testing.T) {
	for ct, want := range map[string]bool{
		"application/json": true, "application/json; charset=utf-8": true, "Application/JSON": true,
		"application/vnd.api+json": true, "text/json": true, "text/plain": false, "": false,
		"application/x-www-form-urlencoded": false, "application/jsonp": false,
	} {
		if got := IsJSONContentType(ct); got != want {
			t.Errorf("%q: got %v", ct, got)
		}
	}
}

// TestServeGracefulShutdown: an in-flight request finishes after ctx is
// cancelled, and its recording is flushed before Serve returns.
func TestServeGracefulShutdown(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-release
		io.WriteString(w, "done")
	}))
	defer slow.Close()
	rec := &memRecorder{}
	l, err := New(Config{ForwardTo: []string{slow.URL}, Recorder: rec})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- l.Serve(ctx, ln) }()
	answered := make(chan string, 1)
	go func() {
		resp, err := http.Post("http://"+ln.Addr().String()+"/", "text/plain", strings.NewReader("x"))
		if err != nil {
			answered <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		answered <- string(b)
	}()
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("request never reached the target")
	}
	cancel()
	close(release)
	select {
	case got := <-answered:
		if got != "done" {
			t.Errorf("sender got %q", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("in-flight request not answered")
	}
	select {
	case err := <-served:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
	if n := len(rec.all()); n != 1 {
		t.Errorf("recorded %d, want 1", n)
	}
}

// batchRecorder remembers the size of every batch it is given.
type batchRecorder struct {
	memRecorder
	sizes []int
}

func (b *batchRecorder) RecordRequests(ctx context.Context, reqs ...*model.ReceivedRequest) error {
	b.mu.Lock()
	b.sizes = append(b.sizes, len(reqs))
	b.mu.Unlock()
	return b.memRecorder.RecordRequests(ctx, reqs...)
}
