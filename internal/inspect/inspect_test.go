package inspect

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/store"
)

// env is an inspector over a fresh local store, on 127.0.0.1:0.
type env struct {
	t    *testing.T
	be   *backend.Local
	srv  *Server
	base string // http://127.0.0.1:port
}

func newEnv(t *testing.T, mod ...func(*Options)) *env {
	t.Helper()
	s, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	be := backend.NewLocal(s, nil)
	t.Cleanup(func() { be.Close() })
	opts := Options{Backend: be, Addr: "127.0.0.1:0", PollInterval: 20 * time.Millisecond, FlushInterval: 10 * time.Millisecond}
	for _, m := range mod {
		m(&opts)
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		srv.Close()
		if err := srv.Wait(); err != nil {
			t.Error(err)
		}
	})
	return &env{t: t, be: be, srv: srv, base: "http://" + srv.Addr()}
}

// do sends a request with the token header (and the CSRF header on
// anything but GET) unless noAuth; it returns the status and body.
func (e *env) do(method, path, body string, hdr ...string) (int, http.Header, string) {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.base+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set(TokenHeader, e.srv.Token())
	if method != http.MethodGet {
		req.Header.Set(CSRFHeader, "1")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	if h := req.Header.Get("Host"); h != "" {
		req.Host = h
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func (e *env) must(method, path, body string, want int) string {
	e.t.Helper()
	code, _, out := e.do(method, path, body)
	if code != want {
		e.t.Fatalf("%s %s: %d %s, want %d", method, path, code, out, want)
	}
	return out
}

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func (e *env) record(reqs ...*model.ReceivedRequest) {
	e.t.Helper()
	if err := e.be.RecordRequests(context.Background(), reqs...); err != nil {
		e.t.Fatal(err)
	}
}

func rec(id string, at time.Time, event, body string) *model.ReceivedRequest {
	return &model.ReceivedRequest{ID: id, ReceivedAt: at, Method: "POST", Host: "127.0.0.1:8080", Path: "/hooks",
		Headers: http.Header{"Content-Type": {"application/json"}}, Body: []byte(body), EventType: event, Status: 200}
}

func TestAuth(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name       string
		method     string
		path       string
		hdr        []string
		want       int
		wantInBody string
	}{
		{"no token", "GET", "/api/requests", []string{TokenHeader, ""}, 401, "missing or wrong inspector token"},
		{"wrong token", "GET", "/api/requests", []string{TokenHeader, "nope"}, 401, "missing or wrong inspector token"},
		{"wrong bearer", "GET", "/api/requests", []string{TokenHeader, "", "Authorization", "Bearer nope"}, 401, "token"},
		{"page without token", "GET", "/", []string{TokenHeader, ""}, 401, "open the URL hookctl printed"},
		{"asset without token", "GET", "/assets/js/app.js", []string{TokenHeader, ""}, 401, "token"},
		{"events without token", "GET", "/api/events", []string{TokenHeader, ""}, 401, "token"},
		{"bearer", "GET", "/api/requests", []string{TokenHeader, "", "Authorization", "Bearer " + e.srv.Token()}, 200, `"data":[]`},
		{"rebinding Host", "GET", "/api/requests", []string{"Host", "evil.example:" + port(e)}, 421, "refused"},
		{"other port", "GET", "/api/requests", []string{"Host", "127.0.0.1:1"}, 421, "refused"},
		{"localhost", "GET", "/api/requests", []string{"Host", "localhost:" + port(e)}, 200, "data"},
		{"cross-site fetch", "GET", "/api/requests", []string{"Sec-Fetch-Site", "cross-site"}, 403, "cross-site"},
		{"same-site fetch (another localhost port)", "GET", "/api/requests", []string{"Sec-Fetch-Site", "same-site"}, 403, "cross-site"},
		{"same-origin fetch", "GET", "/api/requests", []string{"Sec-Fetch-Site", "same-origin"}, 200, "data"},
		{"other origin", "POST", "/api/configs", []string{"Origin", "http://evil.example"}, 403, "another origin"},
		{"POST without CSRF header", "POST", "/api/configs", []string{CSRFHeader, ""}, 403, CSRFHeader},
		{"POST with a wrong CSRF header", "POST", "/api/configs", []string{CSRFHeader, "yes"}, 403, "forbidden"},
		{"unknown call", "GET", "/api/nope", nil, 404, "not_found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, h, body := e.do(tc.method, tc.path, `{"url":"http://127.0.0.1:1/x"}`[:map[bool]int{true: 28, false: 0}[tc.method == "POST"]], tc.hdr...)
			if code != tc.want || !strings.Contains(body, tc.wantInBody) {
				t.Errorf("%d %q, want %d with %q", code, body, tc.want, tc.wantInBody)
			}
			if h.Get("Content-Security-Policy") == "" || h.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("security headers missing: %v", h)
			}
		})
	}
	// Nothing was created by the refused POSTs.
	if got := gjson.Get(e.must("GET", "/api/configs", "", 200), "data.#").Int(); got != 0 {
		t.Errorf("%d configs created by refused calls", got)
	}

	// The URL's token sets an HttpOnly, SameSite=Strict cookie and sends
	// the browser on without the token; the cookie then opens everything.
	code, h, _ := e.do("GET", "/?token="+e.srv.Token(), "", TokenHeader, "")
	if code != http.StatusSeeOther || h.Get("Location") != "/" {
		t.Fatalf("login: %d %v", code, h)
	}
	c := h.Get("Set-Cookie")
	if !strings.Contains(c, "HttpOnly") || !strings.Contains(c, "SameSite=Strict") || !strings.Contains(c, e.srv.Token()) {
		t.Errorf("cookie %q", c)
	}
	cookie := strings.SplitN(c, ";", 2)[0]
	code, h, page := e.do("GET", "/", "", TokenHeader, "", "Cookie", cookie)
	if code != 200 || !strings.Contains(page, `<script type="module" src="/assets/js/app.js">`) || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Errorf("page with cookie: %d %s", code, page)
	}
	if code, _, _ := e.do("GET", "/?token=wrong", "", TokenHeader, ""); code != 401 {
		t.Errorf("login with a wrong token: %d", code)
	}
	if code, _, _ := e.do("GET", "/api/info", "", TokenHeader, "", "Cookie", "hookctl_inspect_"+port(e)+"=wrong"); code != 401 {
		t.Errorf("wrong cookie: %d", code)
	}
}

func port(e *env) string {
	_, p, _ := net.SplitHostPort(e.srv.Addr())
	return p
}

func TestURLAndAddr(t *testing.T) {
	e := newEnv(t)
	if u := e.srv.URL(); !strings.HasPrefix(u, "http://127.0.0.1:") || !strings.Contains(u, "/?token="+e.srv.Token()) || len(e.srv.Token()) < 30 {
		t.Errorf("URL %q", u)
	}
	for _, bad := range []string{"nope:port", "1.2.3.4:70000", "a:b:c", "nonsense"} {
		if _, err := New(Options{Backend: e.be, Addr: bad}); err == nil || !strings.Contains(err.Error(), "invalid inspector address") {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if _, err := New(Options{Backend: e.be, Addr: "nonsense"}); err == nil || !strings.Contains(err.Error(), "use HOST:PORT or a port") {
		t.Errorf("a word for an address: %v", err)
	}
	if !IsLoopback("127.0.0.1:4040") || !IsLoopback("localhost:1") || !IsLoopback(":4040") || IsLoopback("0.0.0.0:4040") {
		t.Error("IsLoopback")
	}
	// A taken port: the next free one with NextFreePort, else an error.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	taken := ln.Addr().String()
	s, _ := New(Options{Backend: e.be, Addr: taken})
	if err := s.Listen(t.Context()); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("taken port: %v", err)
	}
	s, _ = New(Options{Backend: e.be, Addr: taken, NextFreePort: true})
	if err := s.Listen(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Addr() == taken {
		t.Errorf("bound %s, which is taken", s.Addr())
	}
}

func TestRequestsPagingSearchFilters(t *testing.T) {
	e := newEnv(t)
	var reqs []*model.ReceivedRequest
	for i := range 250 {
		r := rec(fmt.Sprintf("req_%04d", i), t0.Add(time.Duration(i)*time.Second), "device.enrolled", fmt.Sprintf(`{"n":%d}`, i))
		if i%50 == 7 {
			r.EventType = "user.signed_in"
			r.Headers.Set("X-Trace", "needle-in-header")
		}
		if i%10 == 3 {
			r.Verification = &model.Verification{Scheme: "github", Message: "signature does not match", Cause: "mismatch"}
			r.Status = 401
		} else if i%10 == 4 {
			r.Verification = &model.Verification{OK: true, Scheme: "github"}
		}
		reqs = append(reqs, r)
	}
	reqs[123].Body = []byte(`{"serial":"SN-XYZ-123"}`)
	e.record(reqs...)

	// Pages of 100, newest first, with has_more and the cursor.
	var all []string
	after := ""
	for pages := 0; ; pages++ {
		out := e.must("GET", "/api/requests?limit=100&starting_after="+after, "", 200)
		ids := gjson.Get(out, "data.#.id").Array()
		for _, id := range ids {
			all = append(all, id.Str)
		}
		if !gjson.Get(out, "has_more").Bool() {
			if pages != 2 || len(ids) != 50 {
				t.Errorf("last page %d with %d", pages, len(ids))
			}
			break
		}
		after = ids[len(ids)-1].Str
	}
	if len(all) != 250 || all[0] != "req_0249" || all[249] != "req_0000" {
		t.Fatalf("paged %d: %v…", len(all), all[:3])
	}
	out := e.must("GET", "/api/requests?limit=1", "", 200)
	if gjson.Get(out, "data.0.headers").Exists() || gjson.Get(out, "data.0.body").Exists() {
		t.Errorf("a row carries headers or body: %s", out)
	}

	count := func(q string) int {
		return int(gjson.Get(e.must("GET", "/api/requests?limit=500&"+q, "", 200), "data.#").Int())
	}
	for q, want := range map[string]int{
		"search=sn-xyz":             1,
		"search=NEEDLE-in":          5,
		"search=%22n%22%3A249":      1, // "n":249
		"event=user.signed_in":      5,
		"event=device.*":            245,
		"verification=failed":       25,
		"verification=verified":     25,
		"verification=unchecked":    200,
		"status=4xx":                25,
		"status=401":                25,
		"status=2xx&verification=f": -1,
	} {
		if want < 0 {
			continue
		}
		if got := count(q); got != want {
			t.Errorf("%s: %d, want %d", q, got, want)
		}
	}
	reason := gjson.Get(e.must("GET", "/api/requests?verification=failed&limit=1", "", 200), "data.0.reason").Str
	if reason != "not verified (github): signature does not match [mismatch]" {
		t.Errorf("reason %q", reason)
	}
	for _, q := range []string{"status=6xx", "verification=maybe", "limit=0", "limit=501"} {
		if code, _, body := e.do("GET", "/api/requests?"+q, ""); code != 400 || !strings.Contains(body, `"code":"bad_request"`) {
			t.Errorf("%s: %d %s", q, code, body)
		}
	}
}

// Received text is returned as JSON strings with <, > and & escaped, as
// application/json; the page shell never contains received data.
func TestXSSInert(t *testing.T) {
	e := newEnv(t)
	evil := `<script>alert(1)</script>"><img src=x onerror=alert(2)>`
	r := rec("req_evil", t0, `<img src=x onerror=alert(3)>`, `{"x":"`+strings.ReplaceAll(evil, `"`, `\"`)+`"}`)
	r.Path = "/<script>alert(4)</script>"
	r.Headers.Set("X-Evil", evil)
	r.Verification = &model.Verification{Scheme: "standard", Message: evil}
	e.record(r)
	for _, path := range []string{"/api/requests", "/api/requests/req_evil", "/api/requests?search=%3Cscript%3E"} {
		code, h, body := e.do("GET", path, "")
		if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "application/json") || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("%s: %d %v", path, code, h)
		}
		if strings.ContainsAny(body, "<>") {
			t.Errorf("%s: raw < or > in JSON: %s", path, body)
		}
		if !strings.Contains(body, `\u003cscript\u003e`) {
			t.Errorf("%s: the payload is not there, escaped: %s", path, body)
		}
	}
	// The decoded values are the exact text (the page sets it as text).
	out := e.must("GET", "/api/requests/req_evil", "", 200)
	if gjson.Get(out, "request.headers.X-Evil.0").Str != evil || gjson.Get(out, "request.path").Str != r.Path {
		t.Errorf("values changed: %s", out)
	}
	_, h, page := e.do("GET", "/", "")
	if strings.Contains(page, "alert") || strings.Contains(page, "req_evil") {
		t.Error("received data in the HTML shell")
	}
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") || strings.Contains(csp, "http") {
		t.Errorf("CSP allows too much: %q", csp)
	}
	// The shell holds no inline script or style, and nothing from elsewhere.
	for _, bad := range []string{"<script>", "style=", "onclick", "http://", "https://", "//cdn"} {
		if strings.Contains(page, bad) {
			t.Errorf("index.html contains %q", bad)
		}
	}
	// The scripts never write HTML.
	for p, a := range loadAssets() {
		if strings.HasSuffix(p, ".js") && (strings.Contains(string(a.body), "innerHTML") || strings.Contains(string(a.body), "insertAdjacentHTML") ||
			strings.Contains(string(a.body), "document.write") || strings.Contains(string(a.body), "outerHTML")) {
			t.Errorf("%s writes HTML", p)
		}
	}
}

func TestRequestDetail(t *testing.T) {
	e := newEnv(t)
	r := rec("req_d1", t0, "device.enrolled", "{\"a\":\"it's\"}")
	r.Query = "x=1"
	r.Headers.Set("Connection", "keep-alive")
	r.Forwards = []model.ForwardResult{{URL: "http://127.0.0.1:3000/hooks", Status: 502, LatencyMS: 1.5}}
	bin := rec("req_bin", t0.Add(time.Second), "", "")
	bin.Body = []byte{0xff, 0x00, 'a', '\''}
	e.record(r, bin)
	out := e.must("GET", "/api/requests/req_d1", "", 200)
	if got := gjson.Get(out, "curl").Str; got != "curl -sS -X POST http://127.0.0.1:3000/hooks \\\n  -H 'Content-Type: application/json' \\\n  --data-binary '{\"a\":\"it'\\''s\"}'" {
		t.Errorf("curl = %s", got)
	}
	if got := gjson.Get(out, "raw").Str; !strings.HasPrefix(got, "POST /hooks?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n") {
		t.Errorf("raw = %q", got)
	}
	if gjson.Get(out, "target").Str != "http://127.0.0.1:3000/hooks" || gjson.Get(out, "request.payload.a").Str != "it's" {
		t.Errorf("detail %s", out)
	}
	out = e.must("GET", "/api/requests/req_bin", "", 200)
	if got := gjson.Get(out, "curl").Str; got != `printf '\377\000a\047' | curl -sS -X POST http://127.0.0.1:8080/hooks \`+"\n  -H 'Content-Type: application/json' \\\n  --data-binary @-" {
		t.Errorf("binary curl = %s", got)
	}
	code, h, raw := e.do("GET", "/api/requests/req_bin/raw", "")
	if code != 200 || !strings.HasSuffix(raw, "\r\n\r\n\xff\x00a'") || !strings.Contains(h.Get("Content-Disposition"), `filename="req_bin.http"`) {
		t.Errorf("raw download: %d %q %v", code, raw, h)
	}
	if code, _, body := e.do("GET", "/api/requests/req_nope", ""); code != 404 || !strings.Contains(body, "no received request req_nope") {
		t.Errorf("unknown: %d %s", code, body)
	}
}

// Credential headers of a received request, a delivery and a webhook
// config are redacted in the API's answers (as the CLI and hookctl serve
// show them) unless the page asks for them: ?show_secret=true on a
// request. Curl stays exact: it is copied, not shown.
func TestCredentialHeadersRedacted(t *testing.T) {
	e := newEnv(t)
	r := rec("req_cred", t0, "device.enrolled", "{}")
	r.Headers.Set("Authorization", "Bearer inbound-credential-123456")
	r.Headers.Set("Cookie", "session=cookie-credential-123456")
	e.record(r)
	out := e.must("GET", "/api/requests/req_cred", "", 200)
	shown := gjson.Get(out, "request.headers").Raw + gjson.Get(out, "raw").Str
	if strings.Contains(shown, "inbound-credential") || strings.Contains(shown, "cookie-credential") {
		t.Errorf("credentials shown without show_secret: %s", shown)
	}
	if !strings.Contains(gjson.Get(out, "request.headers.Authorization.0").Str, "Bearer …3456") {
		t.Errorf("redacted header %s", gjson.Get(out, "request.headers").Raw)
	}
	if !strings.Contains(gjson.Get(out, "curl").Str, "Bearer inbound-credential-123456") {
		t.Errorf("curl is not exact: %s", gjson.Get(out, "curl").Str)
	}
	out = e.must("GET", "/api/requests/req_cred?show_secret=true", "", 200)
	if gjson.Get(out, "request.headers.Authorization.0").Str != "Bearer inbound-credential-123456" || !strings.Contains(gjson.Get(out, "raw").Str, "session=cookie-credential-123456") {
		t.Errorf("show_secret: %s", out)
	}
	if _, err := e.be.CreateWebhookConfig(context.Background(), backend.CreateWebhookConfigParams{URL: "http://127.0.0.1:1/x",
		Headers: map[string]string{"Authorization": "Bearer outbound-credential-123456"}}); err != nil {
		t.Fatal(err)
	}
	if out := e.must("GET", "/api/configs", "", 200); strings.Contains(out, "outbound-credential") {
		t.Errorf("config list shows its credential header: %s", out)
	}
}

// receiver records what it got, for replays.
type receiver struct {
	mu     sync.Mutex
	header http.Header
	body   []byte
	n      int
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.header, r.body = req.Header.Clone(), b
	r.n++
	r.mu.Unlock()
	w.WriteHeader(202)
	io.WriteString(w, `{"got":true}`)
}

func TestReplayAndResign(t *testing.T) {
	e := newEnv(t)
	rcv := &receiver{}
	target := httptest.NewServer(rcv)
	defer target.Close()
	ctx := context.Background()
	cfg, err := e.be.CreateWebhookConfig(ctx, backend.CreateWebhookConfigParams{URL: target.URL, Scheme: "standard"})
	if err != nil {
		t.Fatal(err)
	}
	old := t0
	body := []byte(`{"type":"device.enrolled","data":{"n":1}}`)
	h, err := signature.Sign("standard", []signature.Secret{{Value: cfg.Secret}}, body, signature.Options{Now: old, ID: "msg_1"})
	if err != nil {
		t.Fatal(err)
	}
	h.Set("Content-Type", "application/json")
	r := &model.ReceivedRequest{ID: "req_r1", ReceivedAt: old, Method: "POST", Path: "/", Headers: h, Body: body, Status: 200,
		Verification: &model.Verification{OK: true, Scheme: "standard"}, Forwards: []model.ForwardResult{{URL: target.URL + "/orig", Status: 200}}}
	e.record(r)

	// Plain replay: to the forward target, the exact recorded bytes.
	out := e.must("POST", "/api/requests/req_r1/replay", `{}`, 200)
	if gjson.Get(out, "status").Int() != 202 || gjson.Get(out, "url").Str != target.URL+"/orig" || gjson.Get(out, "body").Str != `{"got":true}` ||
		!gjson.Get(out, "latency_ms").Exists() || string(rcv.body) != string(body) || rcv.header.Get("Webhook-Signature") != h.Get("Webhook-Signature") {
		t.Fatalf("replay: %s; got %s %v", out, rcv.body, rcv.header)
	}

	// Edited and re-signed with the config: verifies at the receiver now.
	out = e.must("POST", "/api/requests/req_r1/replay", `{"to":"`+target.URL+`/new","body":"{\"edited\":true}","resign":true,"config_id":"`+cfg.ID+`"}`, 200)
	if !gjson.Get(out, "resigned").Bool() || !gjson.Get(out, "edited").Bool() || string(rcv.body) != `{"edited":true}` || rcv.header.Get("Webhook-Id") != "msg_1" {
		t.Fatalf("edit+resign: %s; got %s %v", out, rcv.body, rcv.header)
	}
	if v := signature.Verify("standard", []signature.Secret{{Value: cfg.Secret}}, rcv.header, rcv.body, signature.Options{}); !v.OK {
		t.Errorf("re-signed replay does not verify: %v", v.Err)
	}
	// With a given secret and another scheme.
	e.must("POST", "/api/requests/req_r1/replay", `{"to":"`+target.URL+`","resign":true,"secret":"s3cret","scheme":"github","set":["data.n=5"]}`, 200)
	if string(rcv.body) != `{"type":"device.enrolled","data":{"n":5}}` ||
		!signature.Verify("github", []signature.Secret{{Value: "s3cret"}}, rcv.header, rcv.body, signature.Options{}).OK {
		t.Errorf("github re-sign: %s %v", rcv.body, rcv.header)
	}
	// Edited without re-signing: sent, with a warning.
	out = e.must("POST", "/api/requests/req_r1/replay", `{"body":"{}"}`, 200)
	if !strings.Contains(gjson.Get(out, "warnings.0").Str, "not re-signed") {
		t.Errorf("warning: %s", out)
	}
	for _, tc := range []struct{ body, want string }{
		{`{"to":"nope"}`, "invalid URL"},
		{`{"config_id":"` + cfg.ID + `"}`, "set resign"},
		{`{"resign":true}`, "needs a secret"},
		{`{"resign":true,"config_id":"whc_nope"}`, "whc_nope"},
		{`{"bogus":1}`, "unknown field"},
	} {
		if code, _, b := e.do("POST", "/api/requests/req_r1/replay", tc.body); code/100 != 4 || !strings.Contains(b, tc.want) {
			t.Errorf("%s: %d %s", tc.body, code, b)
		}
	}
	target.Close()
	if code, _, b := e.do("POST", "/api/requests/req_r1/replay", `{}`); code != 502 || !strings.Contains(b, "replay_failed") {
		t.Errorf("closed target: %d %s", code, b)
	}

	// Checking the signature again with the config: the listener's verdict.
	out = e.must("POST", "/api/requests/req_r1/verify", `{"config_id":"`+cfg.ID+`"}`, 200)
	if !gjson.Get(out, "verification.ok").Bool() || !strings.HasPrefix(gjson.Get(out, "reason").Str, "verified (standard") {
		t.Errorf("verify: %s", out)
	}
	out = e.must("POST", "/api/requests/req_r1/verify", `{"secret":"whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`, 200)
	if gjson.Get(out, "verification.ok").Bool() || !strings.Contains(gjson.Get(out, "reason").Str, "not verified") {
		t.Errorf("verify with another secret: %s", out)
	}
}

func TestConfigInstances(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	mk := func(content string) *model.ConfigInstance {
		ci, err := e.be.CreateConfigInstance(ctx, backend.CreateConfigInstanceParams{ConfigTypeID: "motion", DeviceID: "dvc_1", Content: json.RawMessage(content)})
		if err != nil {
			t.Fatal(err)
		}
		return ci
	}
	a, b, c := mk(`{"speed":1,"mode":"auto"}`), mk(`{"speed":2,"mode":"auto"}`), mk(`{"speed":99}`)

	// Approve needs a message; then deploy; then b's diff is against a.
	if code, _, body := e.do("POST", "/api/instances/"+a.ID+"/approve", `{"message":""}`); code != 400 || !strings.Contains(body, "needs a message") {
		t.Errorf("approve without a message: %d %s", code, body)
	}
	out := e.must("POST", "/api/instances/"+a.ID+"/approve", `{"message":"looks right"}`, 200)
	if gjson.Get(out, "status").Str != "approved" || gjson.Get(out, "message").Str != "looks right" {
		t.Errorf("approve: %s", out)
	}
	out = e.must("POST", "/api/instances/"+a.ID+"/deploy", `{}`, 200)
	if gjson.Get(out, "deploy.status").Str != "deployed" {
		t.Errorf("deploy: %s", out)
	}
	if code, _, body := e.do("POST", "/api/instances/"+a.ID+"/deploy", `{}`); code != 409 || !strings.Contains(body, "deployed already") {
		t.Errorf("deploy twice: %d %s", code, body)
	}
	out = e.must("GET", "/api/instances/"+b.ID, "", 200)
	if gjson.Get(out, "deployed.id").Str != a.ID {
		t.Errorf("deployed: %s", out)
	}
	var diff []string
	for _, l := range gjson.Get(out, "diff").Array() {
		if op := l.Get("op").Str; op != " " {
			diff = append(diff, op+l.Get("line").Str)
		}
	}
	if strings.Join(diff, "|") != `-  "speed": 1,|+  "speed": 2,` {
		t.Errorf("diff %q", diff)
	}

	// Reject with two parameter errors, paths as gjson paths or arrays.
	if code, _, body := e.do("POST", "/api/instances/"+c.ID+"/reject", `{"message":"too fast","errors":[]}`); code != 400 || !strings.Contains(body, "at least one parameter error") {
		t.Errorf("reject without errors: %d %s", code, body)
	}
	if code, _, body := e.do("POST", "/api/instances/"+c.ID+"/reject", `{"message":"too fast","errors":[{"path":"speed","message":""}]}`); code != 400 || !strings.Contains(body, "has no message") {
		t.Errorf("reject with an empty error: %d %s", code, body)
	}
	out = e.must("POST", "/api/instances/"+c.ID+"/reject", `{"message":"too fast","errors":[{"path":"speed","message":"at most 10"},{"parameter_path":["mode"],"message":"required"}]}`, 200)
	if gjson.Get(out, "status").Str != "rejected" || gjson.Get(out, "errors.#").Int() != 2 || gjson.Get(out, "errors.1.parameter_path.0").Str != "mode" {
		t.Errorf("reject: %s", out)
	}
	// The backend (the CLI's view) agrees.
	got, err := e.be.GetConfigInstance(ctx, c.ID)
	if err != nil || got.Status != model.ConfigInstanceRejected || len(got.Errors) != 2 || got.Errors[0].ParameterPath[0] != "speed" {
		t.Errorf("stored: %+v %v", got, err)
	}
	out = e.must("GET", "/api/instances?status=validating", "", 200)
	if ids := gjson.Get(out, "data.#.id").String(); ids != `["`+b.ID+`"]` {
		t.Errorf("validating: %s", ids)
	}
	if code, _, _ := e.do("GET", "/api/instances?status=nope", ""); code != 400 {
		t.Errorf("bad status filter: %d", code)
	}
}

func TestDeliveriesAndConfigs(t *testing.T) {
	var resent []string
	e := newEnv(t, func(o *Options) {
		o.Location = time.UTC
		o.Resend = func(_ context.Context, id, to string) (*backend.SendResult, error) {
			resent = append(resent, id+" "+to)
			return &backend.SendResult{Data: []*model.Delivery{{ID: "dlv_new", State: model.DeliverySucceeded, StatusCode: 200}}}, nil
		}
		o.SendTest = func(_ context.Context, id string) (*model.Delivery, error) {
			return &model.Delivery{ID: "dlv_test", ConfigID: id, State: model.DeliverySucceeded, StatusCode: 204}, nil
		}
	})
	ctx := context.Background()
	var ds []*model.Delivery
	for i := range 30 {
		state, code := model.DeliverySucceeded, 200
		if i%3 == 0 {
			state, code = model.DeliveryFailed, 500
		}
		at := t0.Add(time.Duration(i) * time.Hour)
		ds = append(ds, &model.Delivery{ID: fmt.Sprintf("dlv_%03d", i), RequestID: fmt.Sprintf("rq_%d", i), EventType: "device.enrolled", URL: "http://x/",
			RequestHeaders: map[string]string{}, Payload: []byte(`{"i":1}`), State: state, StatusCode: code, CreatedAt: at, UpdatedAt: at,
			Attempts: []model.DeliveryAttempt{{N: 1, StartedAt: at, StatusCode: code, ResponseBody: "<b>ok</b>"}}})
	}
	if err := e.be.SaveDeliveries(ctx, ds); err != nil {
		t.Fatal(err)
	}
	out := e.must("GET", "/api/deliveries?limit=5", "", 200)
	if gjson.Get(out, "total").Int() != 30 || gjson.Get(out, "failed").Int() != 10 || gjson.Get(out, "succeeded").Int() != 20 ||
		gjson.Get(out, "deliveries.#").Int() != 5 || !gjson.Get(out, "has_more").Bool() {
		t.Errorf("list: %s", out)
	}
	for q, want := range map[string]int64{"status_code=500": 10, "request_id=rq_4": 1, "since=2026-11-24&until=2026-11-24": 16, "until=2026-11-23": 14,
		"since=2026-11-24T00:00:00Z": 16, "event_type=device.*": 30, "state=failed": 10} {
		if got := gjson.Get(e.must("GET", "/api/deliveries?"+q, "", 200), "total").Int(); got != want {
			t.Errorf("%s: total %d, want %d", q, got, want)
		}
	}
	if code, _, _ := e.do("GET", "/api/deliveries?since=yesterday", ""); code != 400 {
		t.Errorf("bad date: %d", code)
	}
	out = e.must("GET", "/api/deliveries/dlv_004", "", 200)
	if gjson.Get(out, "payload.i").Int() != 1 || gjson.Get(out, "attempts.0.response_body").Str != "<b>ok</b>" || strings.Contains(out, "<b>") {
		t.Errorf("delivery: %s", out)
	}
	out = e.must("POST", "/api/deliveries/dlv_004/resend", `{"to":"http://127.0.0.1:9/x"}`, 200)
	if gjson.Get(out, "data.0.id").Str != "dlv_new" || len(resent) != 1 || resent[0] != "dlv_004 http://127.0.0.1:9/x" {
		t.Errorf("resend: %s %v", out, resent)
	}

	// Webhook configs: create (secret once), list without secrets, reveal,
	// rotate, send test.
	out = e.must("POST", "/api/configs", `{"url":"http://127.0.0.1:9/hooks","events":["device.*"],"scheme":"github"}`, 201)
	id, secret := gjson.Get(out, "id").Str, gjson.Get(out, "secret").Str
	if id == "" || secret == "" {
		t.Fatalf("create: %s", out)
	}
	if out := e.must("GET", "/api/configs", "", 200); strings.Contains(out, secret) || gjson.Get(out, "data.0.id").Str != id {
		t.Errorf("list shows the secret: %s", out)
	}
	if got := gjson.Get(e.must("GET", "/api/configs/"+id+"/secret", "", 200), "secret").Str; got != secret {
		t.Errorf("reveal %q", got)
	}
	rotated := gjson.Get(e.must("POST", "/api/configs/"+id+"/rotate", `{"keep_old":"1h"}`, 200), "secret").Str
	if rotated == "" || rotated == secret {
		t.Errorf("rotate: %q", rotated)
	}
	if out := e.must("POST", "/api/configs/"+id+"/test", `{}`, 200); gjson.Get(out, "status_code").Int() != 204 || gjson.Get(out, "config_id").Str != id {
		t.Errorf("test: %s", out)
	}
	if code, _, body := e.do("POST", "/api/configs", `{"url":"nope"}`); code/100 != 4 || !strings.Contains(body, "error") {
		t.Errorf("bad create: %d %s", code, body)
	}
	if code, _, _ := e.do("GET", "/api/configs/whc_nope/secret", ""); code != 404 {
		t.Errorf("unknown config: %d", code)
	}
}

// sse reads one event stream.
type sse struct {
	resp *http.Response
	rd   *bufio.Reader
}

func (e *env) events(t *testing.T) *sse {
	req, _ := http.NewRequestWithContext(t.Context(), "GET", e.base+"/api/events", nil)
	req.Header.Set(TokenHeader, e.srv.Token())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	return &sse{resp: resp, rd: bufio.NewReader(resp.Body)}
}

// next returns the next event's name and data, within 10s.
func (s *sse) next(t *testing.T) (string, string) {
	t.Helper()
	type ev struct{ name, data string }
	ch := make(chan ev, 1)
	go func() {
		var name, data string
		for {
			line, err := s.rd.ReadString('\n')
			if err != nil {
				ch <- ev{"error", err.Error()}
				return
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case strings.HasPrefix(line, "event: "):
				name = line[7:]
			case strings.HasPrefix(line, "data: "):
				data = line[6:]
			case line == "" && name != "":
				ch <- ev{name, data}
				return
			}
		}
	}()
	select {
	case e := <-ch:
		return e.name, e.data
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10s")
		return "", ""
	}
}

func TestEventsStream(t *testing.T) {
	e := newEnv(t)
	e.record(rec("req_before", t0, "device.enrolled", "{}"))
	s := e.events(t)
	if name, _ := s.next(t); name != "ready" {
		t.Fatalf("first event %q", name)
	}
	// Recorded elsewhere (another process, the CLI): the poll finds it.
	e.record(rec("req_later", time.Now(), "device.locked", `{"x":"<script>"}`))
	name, data := s.next(t)
	if name != "requests" || gjson.Get(data, "data.#").Int() != 1 || gjson.Get(data, "data.0.id").Str != "req_later" || gjson.Get(data, "data.0.event_type").Str != "device.locked" {
		t.Fatalf("%s %s", name, data)
	}
	// Published by this process's listener: at once, once.
	live := rec("req_live", time.Now(), "device.enrolled", "{}")
	e.srv.Publish(live)
	e.record(live)
	name, data = s.next(t)
	if name != "requests" || gjson.Get(data, "data.0.id").Str != "req_live" {
		t.Fatalf("%s %s", name, data)
	}
	// A config instance created from the CLI: "changed".
	if _, err := e.be.CreateConfigInstance(context.Background(), backend.CreateConfigInstanceParams{ConfigTypeID: "t", DeviceID: "d", Content: json.RawMessage(`{}`)}); err != nil {
		t.Fatal(err)
	}
	name, data = s.next(t)
	if name != "changed" || !strings.Contains(data, `"instances"`) {
		t.Fatalf("%s %s", name, data)
	}
}

// A burst is batched: fewer messages than requests, each at most maxBatch.
func TestEventsBatched(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.FlushInterval = 100 * time.Millisecond; o.PollInterval = time.Hour })
	s := e.events(t)
	s.next(t)
	for i := range 300 {
		e.srv.Publish(rec(fmt.Sprintf("req_b%03d", i), time.Now(), "x", "{}"))
	}
	name, data := s.next(t)
	if name != "requests" || gjson.Get(data, "data.#").Int() != maxBatch || gjson.Get(data, "dropped").Int() != 100 {
		t.Errorf("%s: %d rows, %d dropped", name, gjson.Get(data, "data.#").Int(), gjson.Get(data, "dropped").Int())
	}
	// A request published but not recorded (listen --no-record) has its detail.
	if out := e.must("GET", "/api/requests/req_b299", "", 200); gjson.Get(out, "request.id").Str != "req_b299" {
		t.Errorf("kept: %s", out)
	}
}

func TestPageWeight(t *testing.T) {
	raw, gz, files := PageWeight()
	t.Logf("page: %d files, %d bytes, %d gzip'd: %v", len(files), raw, gz, files)
	if gz > 40<<10 {
		t.Errorf("the page is %d bytes gzip'd: keep it under 40 KiB", gz)
	}
	e := newEnv(t)
	_, h, _ := e.do("GET", "/assets/js/app.js", "", "Accept-Encoding", "gzip")
	if h.Get("Content-Encoding") != "gzip" || !strings.HasPrefix(h.Get("Content-Type"), "text/javascript") {
		t.Errorf("app.js headers %v", h)
	}
}

// Host headers: this server's address or a loopback one, with its port; a
// Host without a port means 80.
func TestHostAllowed(t *testing.T) {
	s := &Server{host: "127.0.0.1", port: "80"}
	for host, want := range map[string]bool{
		"127.0.0.1": true, "localhost": true, "127.0.0.1:80": true, "[::1]": true, "[::1]:80": true,
		"evil.example": false, "127.0.0.1:81": false, "": false, "localhost:8o": false,
	} {
		if got := s.hostAllowed(host); got != want {
			t.Errorf("port 80, Host %q: %v, want %v", host, got, want)
		}
	}
	s = &Server{host: "127.0.0.1", port: "4040"}
	if s.hostAllowed("127.0.0.1") || !s.hostAllowed("localhost:4040") {
		t.Error("port 4040: a Host without a port (80) was allowed, or localhost:4040 refused")
	}
}
