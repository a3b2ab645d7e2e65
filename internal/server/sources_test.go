package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/apikey"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/relay"
	"github.com/hookctl/hookctl/internal/server"
	"github.com/hookctl/hookctl/internal/store"
)

// srcEnv is a real server over a fresh store with keys of two tenants.
type srcEnv struct {
	url        string
	acme, glob string // API keys of tenants acme and globex
	local      *backend.Local
	store      *store.Store
}

func startSourceServer(t *testing.T, configure ...func(*server.Options)) *srcEnv {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	acme, _, err := apikey.Create(ctx, s, "a", "acme", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	glob, _, err := apikey.Create(ctx, s, "g", "globex", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	local := backend.NewLocal(s, nil)
	opts := server.Options{Backend: local.Scoped, Sources: local, Auth: &apikey.Authenticator{Store: s}, MaxBodyBytes: 1024}
	for _, c := range configure {
		c(&opts)
	}
	srv := server.New(opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(sctx, ln, 5*time.Second) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
		local.Close()
	})
	return &srcEnv{url: "http://" + ln.Addr().String(), acme: acme, glob: glob, local: local, store: s}
}

func (e *srcEnv) call(t *testing.T, key, method, path, contentType, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func (e *srcEnv) create(t *testing.T, key, body string) (int, model.Source) {
	t.Helper()
	code, _, out := e.call(t, key, "POST", "/wh/config", "application/json", body)
	var src model.Source
	if code < 300 {
		if err := json.Unmarshal([]byte(out), &src); err != nil {
			t.Fatalf("%s: %v", out, err)
		}
	}
	return code, src
}

func TestSourceCreateOrUpdate(t *testing.T) {
	e := startSourceServer(t)
	steps := []struct {
		name     string
		body     string
		wantCode int
		wantTS   string
	}{
		{"create with tsField", `{"datasource":"github","event":"push","tsField":"commits[0].timestamp"}`, 201, "commits[0].timestamp"},
		{"tsField omitted: unchanged", `{"datasource":"github","event":"push"}`, 200, "commits[0].timestamp"},
		{"tsField changed", `{"datasource":"github","event":"push","tsField":"head_commit.timestamp"}`, 200, "head_commit.timestamp"},
		{"tsField empty: cleared", `{"datasource":"github","event":"push","tsField":""}`, 200, ""},
	}
	var first model.Source
	for i, st := range steps {
		code, src := e.create(t, e.acme, st.body)
		if code != st.wantCode || src.TSField != st.wantTS {
			t.Fatalf("%s: code %d tsField %q, want %d %q", st.name, code, src.TSField, st.wantCode, st.wantTS)
		}
		if i == 0 {
			first = src
			continue
		}
		if src.Token != first.Token || src.APIToken != first.APIToken || !src.CreatedAt.Equal(first.CreatedAt) {
			t.Fatalf("%s: update changed the tokens or createdAt: %+v vs %+v", st.name, src, first)
		}
	}
	if !strings.HasPrefix(first.Token, backend.SourceTokenPrefix) || len(first.Token) != 4+52 || !strings.HasPrefix(first.APIToken, backend.APITokenPrefix) {
		t.Fatalf("tokens %q %q", first.APIToken, first.Token)
	}
	if first.HookURL != e.url+"/wh/"+first.APIToken+"/"+first.Token {
		t.Fatalf("hookUrl %q", first.HookURL)
	}
	// Another event is another source; bad input is refused.
	if code, src := e.create(t, e.acme, `{"datasource":"github","event":"issues"}`); code != 201 || src.Token == first.Token {
		t.Fatalf("second source: %d %+v", code, src)
	}
	for body, want := range map[string]int{
		`{"datasource":"github"}`:                            400,
		`{"datasource":"git hub","event":"push"}`:            422,
		`{"datasource":"github","event":"push","x":1}`:       400,
		`{"datasource":"github","event":"push","tsField":1}`: 400,
	} {
		if code, _ := e.create(t, e.acme, body); code != want {
			t.Errorf("%s: %d, want %d", body, code, want)
		}
	}
	// The JSON uses the provider's names.
	_, _, out := e.call(t, e.acme, "GET", "/wh/config/"+first.Token, "", "")
	for _, k := range []string{`"apiToken":`, `"token":`, `"tsField":`, `"createdAt":`, `"hookUrl":`, `"datasource":"github"`, `"event":"push"`} {
		if !strings.Contains(out, k) {
			t.Errorf("GET: %s lacks %s", out, k)
		}
	}
}

func TestSourceTenantIsolation(t *testing.T) {
	e := startSourceServer(t)
	_, a := e.create(t, e.acme, `{"datasource":"github","event":"push"}`)
	_, g := e.create(t, e.glob, `{"datasource":"github","event":"push"}`)
	if a.Token == g.Token {
		t.Fatal("tenants share a source")
	}
	tests := []struct {
		key, method, path string
		want              int
		not               string // must not appear in the body
	}{
		{e.acme, "GET", "/wh/config", 200, g.Token},
		{e.glob, "GET", "/wh/config", 200, a.Token},
		{e.glob, "GET", "/wh/config/" + a.Token, 404, a.APIToken},
		{e.glob, "HEAD", "/wh/config/" + a.Token, 404, ""},
		{e.glob, "DELETE", "/wh/config/" + a.Token, 404, ""},
		{e.glob, "GET", "/v1/relay/" + a.Token, 404, ""},
		{e.acme, "HEAD", "/wh/config/" + a.Token, 200, ""},
		{e.acme, "HEAD", "/wh/config/hks_nope", 404, ""},
		{"", "GET", "/wh/config", 401, ""},
		{"", "HEAD", "/wh/config/" + a.Token, 401, ""},
	}
	for _, tt := range tests {
		code, _, body := e.call(t, tt.key, tt.method, tt.path, "", "")
		if code != tt.want || (tt.not != "" && strings.Contains(body, tt.not)) {
			t.Errorf("%s %s: %d %s, want %d without %q", tt.method, tt.path, code, body, tt.want, tt.not)
		}
		if tt.method == "HEAD" && body != "" {
			t.Errorf("HEAD answered a body: %q", body)
		}
	}
	// acme's list has only acme's source.
	_, _, body := e.call(t, e.acme, "GET", "/wh/config", "", "")
	if strings.Count(body, `"token":`) != 1 || !strings.Contains(body, a.Token) {
		t.Fatalf("acme list: %s", body)
	}
	if code, _, _ := e.call(t, e.acme, "DELETE", "/wh/config/"+a.Token, "", ""); code != 204 {
		t.Fatalf("delete: %d", code)
	}
	if code, _, _ := e.call(t, e.acme, "HEAD", "/wh/config/"+a.Token, "", ""); code != 404 {
		t.Fatalf("deleted source: %d", code)
	}
	if code, _, _ := e.call(t, "", "POST", a.HookURL[len(e.url):], "application/json", `{}`); code != 404 {
		t.Fatalf("hook of a deleted source: %d", code)
	}
}

func TestHookEndpoint(t *testing.T) {
	e := startSourceServer(t)
	_, src := e.create(t, e.acme, `{"datasource":"github","event":"push","tsField":"commits[0].timestamp"}`)
	hook := "/wh/" + src.APIToken + "/" + src.Token
	_, other := e.create(t, e.glob, `{"datasource":"github","event":"push"}`)
	const okBody = `{"commits":[{"timestamp":"2026-05-01T10:00:00Z"}]}`
	tests := []struct {
		name, method, path, ct, body string
		want                         int
	}{
		{"accepted", "POST", hook, "application/json", okBody, 202},
		{"vendor type with charset", "POST", hook, "application/vnd.github+json; charset=utf-8", `{"a":1}`, 202},
		{"text/json", "POST", hook, "text/json", `[1]`, 202},
		{"wrong token", "POST", "/wh/" + src.APIToken + "/" + backend.GenerateToken(backend.SourceTokenPrefix), "application/json", okBody, 404},
		{"wrong api token", "POST", "/wh/" + backend.GenerateToken(backend.APITokenPrefix) + "/" + src.Token, "application/json", okBody, 404},
		{"tokens of two sources", "POST", "/wh/" + other.APIToken + "/" + src.Token, "application/json", okBody, 404},
		{"unknown tokens before the type check", "POST", "/wh/x/y", "text/plain", "x", 404},
		{"text/plain", "POST", hook, "text/plain", okBody, 415},
		{"no content type", "POST", hook, "", okBody, 415},
		{"form", "POST", hook, "application/x-www-form-urlencoded", "a=1", 415},
		{"too large", "POST", hook, "application/json", `{"a":"` + strings.Repeat("x", 2000) + `"}`, 413},
		{"invalid JSON", "POST", hook, "application/json", `{"a":`, 400},
		{"empty body", "POST", hook, "application/json", ``, 400},
		{"GET", "GET", hook, "", "", 405},
	}
	var notFound []string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, h, body := e.call(t, "", tt.method, tt.path, tt.ct, tt.body)
			if code != tt.want {
				t.Fatalf("%d %s, want %d", code, body, tt.want)
			}
			if code == 404 {
				notFound = append(notFound, body)
			}
			if code == 405 && h.Get("Allow") != "POST" {
				t.Fatalf("Allow: %q", h.Get("Allow"))
			}
		})
	}
	for _, b := range notFound {
		if b != notFound[0] || strings.Contains(b, "token") {
			t.Fatalf("404 bodies differ or say too much: %q vs %q", b, notFound[0])
		}
	}
	evs, err := e.local.SourceEventsAfter(context.Background(), &src, 0, 10)
	if err != nil || len(evs) != 3 {
		t.Fatalf("recorded %d events, %v", len(evs), err)
	}
	rr := evs[0].Request
	if string(rr.Body) != okBody || rr.RoutingKey != "event.acme.github.push" || rr.Source != src.ID || rr.Datasource != "github" ||
		rr.EventType != "push" || rr.Status != 202 || rr.EventTime == nil || !rr.EventTime.Equal(time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)) ||
		strings.Contains(rr.Path, src.Token) {
		t.Fatalf("recorded %+v", rr)
	}
	if evs[0].Seq >= evs[1].Seq || evs[1].Seq >= evs[2].Seq {
		t.Fatalf("sequence not increasing: %d %d %d", evs[0].Seq, evs[1].Seq, evs[2].Seq)
	}
}

func TestGJSONPath(t *testing.T) {
	for in, want := range map[string]string{
		"commits[0].timestamp": "commits.0.timestamp",
		"a.b":                  "a.b",
		"[1].t":                "1.t",
		"x[10][2]":             "x.10.2",
	} {
		if got := server.GJSONPath(in); got != want {
			t.Errorf("GJSONPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// relayStream connects to the relay of token and returns its events.
func relayStream(t *testing.T, e *srcEnv, key, token, lastID string) (<-chan relay.Event, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", e.url+"/v1/relay/"+token, nil)
	req.Header.Set("X-API-Key", key)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("relay: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	ch := make(chan relay.Event, 16)
	go func() {
		defer close(ch)
		rd := relay.NewReader(resp.Body)
		for {
			ev, err := rd.Next()
			if err != nil {
				return
			}
			ch <- ev
		}
	}()
	return ch, func() { cancel(); resp.Body.Close() }
}

func next(t *testing.T, ch <-chan relay.Event) relay.Event {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("stream ended")
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10s")
	}
	return relay.Event{}
}

func TestRelayResume(t *testing.T) {
	e := startSourceServer(t)
	_, src := e.create(t, e.acme, `{"datasource":"github","event":"push"}`)
	hook := "/wh/" + src.APIToken + "/" + src.Token
	post := func(body string) {
		t.Helper()
		if code, _, out := e.call(t, "", "POST", hook, "application/json", body); code != 202 {
			t.Fatalf("hook: %d %s", code, out)
		}
	}
	post(`{"n":0}`) // before any relay: only resumes with an id see it

	ch, stop := relayStream(t, e, e.acme, src.Token, "")
	if ev := next(t, ch); ev.Type != "ready" || ev.ID != "1" || !strings.Contains(ev.Data, `"last_event_id":1`) {
		t.Fatalf("ready: %+v", ev)
	}
	post(`{"n":1}`)
	post(`{"n":2}`)
	for i, want := range []string{"2", "3"} {
		ev := next(t, ch)
		var rr model.ReceivedRequest
		if err := json.Unmarshal([]byte(ev.Data), &rr); err != nil {
			t.Fatal(err)
		}
		if ev.Type != "request" || ev.ID != want || string(rr.Body) != `{"n":`+string(rune('1'+i))+`}` || rr.Headers.Get("Content-Type") != "application/json" {
			t.Fatalf("event %d: %+v", i, ev)
		}
	}
	stop()

	post(`{"n":3}`) // while disconnected
	cases := []struct {
		lastID string
		want   []string
	}{
		{"3", []string{"4"}},
		{"0", []string{"1", "2", "3", "4"}},
	}
	for _, c := range cases {
		ch, stop := relayStream(t, e, e.acme, src.Token, c.lastID)
		if ev := next(t, ch); ev.Type != "ready" || ev.ID != c.lastID {
			t.Fatalf("ready after %s: %+v", c.lastID, ev)
		}
		for _, id := range c.want {
			if ev := next(t, ch); ev.ID != id {
				t.Fatalf("after %s: got %+v, want id %s", c.lastID, ev, id)
			}
		}
		stop()
	}
	if code, _, body := e.call(t, e.acme, "GET", "/v1/relay/"+src.Token+"?since_id=x", "", ""); code != 400 {
		t.Fatalf("bad since_id: %d %s", code, body)
	}
}

// A tenant's source requests are not in another tenant's request history.
func TestRequestHistoryIsTenantScoped(t *testing.T) {
	e := startSourceServer(t)
	_, src := e.create(t, e.acme, `{"datasource":"github","event":"push"}`)
	code, _, body := e.call(t, "", "POST", "/wh/"+src.APIToken+"/"+src.Token, "application/json", `{"secret":"acme only"}`)
	if code != 202 {
		t.Fatalf("hook: %d %s", code, body)
	}
	var accepted struct{ ID string }
	json.Unmarshal([]byte(body), &accepted)

	_, _, own := e.call(t, e.acme, "GET", "/v1/requests", "", "")
	if !strings.Contains(own, accepted.ID) {
		t.Fatalf("acme does not see its own request %s: %s", accepted.ID, own)
	}
	_, _, others := e.call(t, e.glob, "GET", "/v1/requests", "", "")
	if strings.Contains(others, accepted.ID) || strings.Contains(others, "acme only") {
		t.Fatalf("globex sees acme's request: %s", others)
	}
	if code, _, _ := e.call(t, e.acme, "GET", "/v1/requests/"+accepted.ID, "", ""); code != 200 {
		t.Fatalf("acme get: %d", code)
	}
	code, _, got := e.call(t, e.glob, "GET", "/v1/requests/"+accepted.ID, "", "")
	if code != 404 || strings.Contains(got, "acme only") {
		t.Fatalf("globex get: %d %s", code, got)
	}
}

// TestSourceHookURLUnderPublicURL: behind a proxy or tunnel the hook URL is
// built from the server's public URL (trailing slash or not), in every
// answer that carries it, not from the Host the client used.
func TestSourceHookURLUnderPublicURL(t *testing.T) {
	for _, public := range []string{"https://hooks.example.com/in", "https://hooks.example.com/in/"} {
		t.Run(public, func(t *testing.T) {
			e := startSourceServer(t, func(o *server.Options) { o.PublicURL = public })
			code, src := e.create(t, e.acme, `{"datasource":"github","event":"push"}`)
			want := "https://hooks.example.com/in/wh/" + src.APIToken + "/" + src.Token
			if code != 201 || src.HookURL != want {
				t.Fatalf("create: %d hookUrl %q, want %q", code, src.HookURL, want)
			}
			code, _, body := e.call(t, e.acme, "GET", "/wh/config/"+src.Token, "", "")
			if code != 200 || !strings.Contains(body, `"hookUrl":"`+want+`"`) {
				t.Errorf("get: %d %s", code, body)
			}
			code, _, body = e.call(t, e.acme, "GET", "/wh/config", "", "")
			if code != 200 || !strings.Contains(body, `"hookUrl":"`+want+`"`) {
				t.Errorf("list: %d %s", code, body)
			}
		})
	}
}

// A relay stream whose key is revoked ends with an error event saying so
// (within RelayKeyCheck), instead of streaming on with a dead key.
func TestRelayEndsWhenItsKeyIsRevoked(t *testing.T) {
	defer func(d time.Duration) { server.RelayKeyCheck = d }(server.RelayKeyCheck)
	server.RelayKeyCheck = 20 * time.Millisecond
	e := startSourceServer(t)
	_, src := e.create(t, e.acme, `{"datasource":"github","event":"push"}`)
	ch, stop := relayStream(t, e, e.acme, src.Token, "")
	defer stop()
	if ev := next(t, ch); ev.Type != "ready" {
		t.Fatalf("ready: %+v", ev)
	}
	ctx := context.Background()
	k, _, err := e.store.APIKeyByHash(ctx, apikey.Hash(e.acme))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.RevokeAPIKey(ctx, k.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	ev := next(t, ch)
	if ev.Type != "error" || !strings.Contains(ev.Data, `"code":"unauthorized"`) || !strings.Contains(ev.Data, "API key revoked") {
		t.Fatalf("after revocation: %+v", ev)
	}
	if _, ok := <-ch; ok {
		t.Fatal("the stream goes on after its error event")
	}
}
