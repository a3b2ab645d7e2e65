package inspect_test

// Browser tests: the inspector's page in a real headless Chromium
// (internal/browsertest), against an inspector and a listener started in
// process over one local store, as `hookctl webhook listen --inspect` wires
// them. They skip (recorded for .ci/run) without chromium; every page fails
// its test on a JavaScript exception, a console error or a CSP violation.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/browsertest"
	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/inspect"
	"github.com/hookctl/hookctl/internal/iostreams"
	"github.com/hookctl/hookctl/internal/listener"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/store"
)

// q quotes a string for the page's JavaScript.
var q = browsertest.Quote

// browserEnv is an inspector beside a listener that verifies with the
// standard-scheme webhook config cfg, over a store in dataDir, and a page.
type browserEnv struct {
	dataDir   string
	be        *backend.Local
	srv       *inspect.Server
	listenURL string
	cfg       *model.WebhookConfig
	page      *browsertest.Page
}

func newBrowserEnv(t *testing.T) *browserEnv {
	t.Helper()
	chromium := browsertest.Path(t) // skip before starting anything
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)

	e := &browserEnv{dataDir: t.TempDir()}
	s, err := store.Open(ctx, e.dataDir)
	if err != nil {
		t.Fatal(err)
	}
	e.be = backend.NewLocal(s, nil)
	t.Cleanup(func() { e.be.Close() })
	e.cfg, err = e.be.CreateWebhookConfig(ctx, backend.CreateWebhookConfigParams{
		URL: "http://127.0.0.1:9/hooks", Scheme: "standard", Description: "browser test"})
	if err != nil {
		t.Fatal(err)
	}

	// Changes made elsewhere (the CLI) show within a poll: 100ms here.
	e.srv, err = inspect.New(inspect.Options{Backend: e.be, Addr: "127.0.0.1:0", Mode: "listen", PollInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.srv.Close(); e.srv.Wait() })

	l, err := listener.New(listener.Config{
		Scheme:   "standard",
		Secrets:  []signature.Secret{{Value: e.cfg.Secret}},
		Recorder: e.be,
		OnEvent: func(ev listener.Event) {
			if ev.Kind == listener.KindRequest {
				e.srv.Publish(ev.Request)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.listenURL = "http://" + ln.Addr().String()
	served := make(chan struct{})
	go func() { defer close(served); l.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); l.Close(); <-served })

	e.page = browsertest.New(t, &browsertest.Options{ExecPath: chromium})
	return e
}

// open loads the inspector with its token and waits for the first render.
func (e *browserEnv) open(t *testing.T) {
	t.Helper()
	e.page.Navigate(e.srv.URL())
	e.page.WaitReady()
}

// post sends body to the listener with headers and returns the listener's
// status.
func (e *browserEnv) post(t *testing.T, body []byte, headers http.Header) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.listenURL+"/hooks", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = headers.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// signed returns the standard-scheme headers of body signed with secret.
func signed(t *testing.T, secret string, body []byte) http.Header {
	t.Helper()
	h, err := signature.Sign("standard", []signature.Secret{{Value: secret}}, body, signature.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// latestID is the id of the most recent recorded request.
func (e *browserEnv) latestID(t *testing.T) string {
	t.Helper()
	reqs, err := e.be.ListRequests(context.Background(), backend.ListRequestsParams{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) == 0 {
		t.Fatal("no request recorded")
	}
	return reqs[0].ID
}

func rowSel(id string) string { return `[data-testid=request-row][data-id="` + id + `"]` }

// openRequest clicks the request's row and waits until its detail shows a
// body containing marker (a text unique to that request: the pane is
// reused from one request to the next).
func (e *browserEnv) openRequest(t *testing.T, id, marker string) {
	t.Helper()
	p := e.page
	p.WaitVisible(rowSel(id))
	p.Click(rowSel(id))
	p.WaitVisible(`[data-testid=request-detail][data-id="` + id + `"]`)
	p.WaitTrue(`(document.querySelector('[data-testid=request-detail] [data-testid=body-text]')||{}).textContent.includes(`+q(marker)+`)`,
		"the body of "+id)
}

// 1. The page loads: first render, the views the contract promises, and
// (checked when the test ends) no console error, exception or CSP violation.
func TestBrowserPageLoads(t *testing.T) {
	e := newBrowserEnv(t)
	e.open(t)
	p := e.page
	for _, sel := range []string{
		"[data-testid=request-list]", "[data-testid=search]", "[data-testid=filter-event]",
		"[data-testid=filter-verify]", "[data-testid=filter-status]",
		"[data-testid=tab-requests]", "[data-testid=tab-deliveries]", "[data-testid=tab-instances]", "[data-testid=tab-configs]",
	} {
		if p.Count(sel) == 0 {
			t.Errorf("the page has no %s", sel)
		}
	}
	// The event stream is connected.
	p.WaitTrue(`document.querySelector('[data-testid=live]').textContent.trim() === 'live'`, "the live indicator")
	// The token left the address bar (it is in a cookie now).
	if loc := browsertest.Eval[string](p, `location.href`); strings.Contains(loc, "token=") {
		t.Errorf("the page's address still holds the token: %s", loc)
	}
	// Every tab renders without errors.
	for _, tab := range []string{"deliveries", "instances", "configs", "requests"} {
		p.Click("[data-testid=tab-" + tab + "]")
	}
	p.CheckConsole()
}

// 2. A request POSTed to the listener appears in the open page without a
// reload (the live stream).
func TestBrowserLiveRequestAppears(t *testing.T) {
	e := newBrowserEnv(t)
	e.open(t)
	p := e.page
	browsertest.Eval[bool](p, `(window.__noReload = 1, true)`)
	p.WaitTrue(`document.querySelector('[data-testid=live]').textContent.trim() === 'live'`, "the event stream")
	body := []byte(`{"type":"device.enrolled","data":{"device":{"id":"dvc_live_1"}}}`)
	if st := e.post(t, body, signed(t, e.cfg.Secret, body)); st != http.StatusOK {
		t.Fatalf("listener answered %d", st)
	}
	id := e.latestID(t)
	p.WaitVisible(rowSel(id))
	if browsertest.Eval[int](p, `window.__noReload`) != 1 {
		t.Fatal("the page reloaded to show the request")
	}
	if got := p.Text(rowSel(id) + " [data-testid=verify-badge]"); !strings.Contains(got, "✓") {
		t.Errorf("badge of a well-signed request = %q, want ✓", got)
	}
	// And a second one, on top of the first.
	body2 := []byte(`{"type":"device.locked","data":{"device":{"id":"dvc_live_2"}}}`)
	e.post(t, body2, signed(t, e.cfg.Secret, body2))
	id2 := e.latestID(t)
	p.WaitVisible(rowSel(id2))
	if n := p.Count("[data-testid=request-row]"); n != 2 {
		t.Errorf("%d rows, want 2", n)
	}
}

// 2b. The live list is bounded: past data-max-rows live requests the DOM
// holds at most that many rows, the newest first, and "load more" brings
// back those that left it; a selected row stays (the list stops taking new
// requests, counted in the notice, rather than trim it away).
func TestBrowserLiveListBounded(t *testing.T) {
	e := newBrowserEnv(t)
	e.open(t)
	p := e.page
	p.WaitTrue(`document.querySelector('[data-testid=live]').textContent.trim() === 'live'`, "the event stream")
	max := browsertest.Eval[int](p, `+document.querySelector('[data-testid=request-list]').dataset.maxRows`)
	if max <= 0 {
		t.Fatalf("request-list data-max-rows = %d", max)
	}
	postN := func(n int) {
		t.Helper()
		var wg sync.WaitGroup
		next := make(chan int)
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					body := []byte(`{"type":"device.enrolled","n":` + itoa(i) + `}`)
					req, _ := http.NewRequest(http.MethodPost, e.listenURL+"/hooks", bytes.NewReader(body))
					req.Header = signed(t, e.cfg.Secret, body)
					req.Header.Set("Content-Type", "application/json")
					if resp, err := http.DefaultClient.Do(req); err == nil {
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
					}
				}
			}()
		}
		for i := 0; i < n; i++ {
			next <- i
		}
		close(next)
		wg.Wait()
	}
	const rows = `[...document.querySelectorAll('[data-testid=request-row]')]`
	firstIs := func(id string) string {
		return `(document.querySelector('[data-testid=request-row]')||{dataset:{}}).dataset.id === ` + q(id)
	}

	postN(max + 50)
	newest := e.latestID(t)
	p.WaitTrue(firstIs(newest), "the newest request first")
	if n := p.Count("[data-testid=request-row]"); n > max || n == 0 {
		t.Fatalf("%d rows after %d live requests, want 1..%d", n, max+50, max)
	}
	// What left the DOM is reachable: load more continues after the last row.
	p.WaitVisible("[data-testid=load-more]")
	before := p.Count("[data-testid=request-row]")
	p.Click("[data-testid=load-more]")
	p.WaitTrue(rows+`.length > `+itoa(before), "more rows after load more")
	if dup := browsertest.Eval[int](p, `(function(){const ids = `+rows+`.map((r) => r.dataset.id); return ids.length - new Set(ids).size})()`); dup != 0 {
		t.Errorf("%d duplicate rows after load more", dup)
	}

	// Back to the top page; select the third row.
	p.SetValue("[data-testid=filter-status]", "2xx") // a filter change reloads the first page
	p.WaitTrue(rows+`.length > 0 && `+firstIs(newest), "the reloaded list")
	chosen := browsertest.Eval[string](p, rows+`[2].dataset.id`)
	p.Click(rowSel(chosen))
	p.WaitVisible(`[data-testid=request-detail][data-id="` + chosen + `"]`)
	selected := `(document.querySelector('[data-testid=request-row].selected')||{dataset:{}}).dataset.id === ` + q(chosen)
	postN(3)
	newest = e.latestID(t)
	p.WaitTrue(firstIs(newest), "new requests above the selected one")
	if !browsertest.Eval[bool](p, selected) {
		t.Fatalf("the selected row is no longer %s after live requests", chosen)
	}
	postN(max + 10)
	p.WaitTrue(`!document.querySelector('[data-testid=new-notice]').hidden`, "the notice of requests not shown")
	if !browsertest.Eval[bool](p, selected) {
		t.Errorf("the selected row %s was trimmed away", chosen)
	}
	if n := p.Count("[data-testid=request-row]"); n > max {
		t.Errorf("%d rows, want at most %d", n, max)
	}
}

// 3. A request with a wrong signature shows ✗, the reason in the badge's
// title, and the diagnosis in its detail.
func TestBrowserVerificationReason(t *testing.T) {
	e := newBrowserEnv(t)
	body := []byte(`{"type":"device.enrolled","data":{"device":{"id":"dvc_bad_sig"}}}`)
	// Signed over the body, sent with a trailing newline: the diagnosis
	// names the changed body.
	h := signed(t, e.cfg.Secret, body)
	sent := append(append([]byte(nil), body...), '\n')
	e.post(t, sent, h)
	id := e.latestID(t)
	rec, err := e.be.GetRequest(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Verification == nil || rec.Verification.OK || rec.Verification.Message == "" {
		t.Fatalf("recorded verification = %+v, want a failure with a message", rec.Verification)
	}
	want := rec.Verification.Message

	e.open(t)
	p := e.page
	badge := rowSel(id) + " [data-testid=verify-badge]"
	p.WaitVisible(badge)
	if got := p.Text(badge); !strings.Contains(got, "✗") {
		t.Errorf("badge = %q, want ✗", got)
	}
	if title := p.Attr(badge, "title"); strings.TrimSpace(title) == "" {
		t.Error("the ✗ badge has no reason in its title")
	}
	e.openRequest(t, id, "dvc_bad_sig")
	p.WaitTrue(`(document.querySelector('[data-testid=request-detail] [data-testid=verify-reason]')||{}).textContent`, "the verification reason")
	reason := p.Text("[data-testid=request-detail] [data-testid=verify-reason]")
	if !strings.Contains(reason, "✗") && !strings.Contains(strings.ToLower(reason), "fail") && !strings.Contains(strings.ToLower(reason), "not verif") {
		t.Errorf("verify-reason %q does not say the request failed", reason)
	}
	if !strings.Contains(norm(reason), norm(want)) {
		t.Errorf("verify-reason = %q\nwant the diagnosis %q", reason, want)
	}
	// The signature, a credential header, is redacted until "show credentials".
	sig := h.Get("Webhook-Signature")
	headers := "[data-testid=request-detail] [data-testid=headers]"
	if got := p.Text(headers); !strings.Contains(got, "Webhook-Signature") || strings.Contains(got, sig) {
		t.Errorf("headers before show-secret = %q, want Webhook-Signature redacted", got)
	}
	p.Click("[data-testid=request-detail] [data-testid=show-secret]")
	p.WaitTrue(`(document.querySelector('`+headers+`')||{}).textContent.includes(`+strconv.Quote(sig)+`)`, "the signature in full after show-secret")
}

// norm folds white space, for text compared across the page's layout.
func norm(s string) string { return strings.Join(strings.Fields(s), " ") }

// 4. Edit and replay, re-signed with the config: the edited body reaches a
// receiver, which verifies the signature with the config's secret; the
// page shows the receiver's status inline.
func TestBrowserEditReplayResign(t *testing.T) {
	e := newBrowserEnv(t)
	type got struct {
		body []byte
		res  signature.Result
	}
	var mu sync.Mutex
	var received []got
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		res := signature.Verify("standard", []signature.Secret{{Value: e.cfg.Secret}}, r.Header, b, signature.Options{})
		mu.Lock()
		received = append(received, got{b, res})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		w.Write([]byte(`{"received":true}`))
	}))
	defer recv.Close()

	// Sent unsigned: only the replay's signature can verify.
	body := []byte(`{"type":"device.enrolled","data":{"device":{"id":"dvc_replay","os":"android"}}}`)
	e.post(t, body, nil)
	id := e.latestID(t)

	e.open(t)
	p := e.page
	e.openRequest(t, id, "dvc_replay")
	p.Click("[data-testid=request-detail] [data-testid=edit-replay]")
	p.WaitVisible("[data-testid=replay-dialog]")
	p.WaitVisible("[data-testid=replay-dialog] [data-testid=replay-body]")
	if got := browsertest.Eval[string](p, `document.querySelector('[data-testid=replay-dialog] [data-testid=replay-body]').value`); !strings.Contains(got, "dvc_replay") {
		t.Errorf("the editor holds %q, want the request's body", got)
	}
	edited := `{"type":"device.enrolled","data":{"device":{"id":"dvc_replay","os":"ios"}}}`
	p.SetValue("[data-testid=replay-dialog] [data-testid=replay-url]", recv.URL+"/replayed")
	p.SetValue("[data-testid=replay-dialog] [data-testid=replay-body]", edited)
	p.WaitPresent(`[data-testid=replay-dialog] [data-testid=resign-config] option[value="` + e.cfg.ID + `"]`)
	p.SetValue("[data-testid=replay-dialog] [data-testid=resign-config]", e.cfg.ID)
	p.Click("[data-testid=replay-dialog] [data-testid=replay-send]")
	p.WaitTrue(`(document.querySelector('[data-testid=replay-result] [data-testid=replay-status]')||{}).textContent === '202'`, "the replay's status (202) inline")
	if ans := p.Text("[data-testid=replay-result] [data-testid=replay-answer]"); !strings.Contains(ans, `"received":true`) {
		t.Errorf("replay-answer = %q, want the receiver's body", ans)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(received) != 1 {
		t.Fatalf("the receiver got %d requests, want 1", len(received))
	}
	r := received[0]
	if !r.res.OK {
		t.Errorf("the replay does not verify with the config's secret: %v", r.res.Err)
	}
	var v struct {
		Data struct {
			Device struct{ OS string }
		}
	}
	if err := json.Unmarshal(r.body, &v); err != nil || v.Data.Device.OS != "ios" {
		t.Errorf("the receiver got %s, want the edited body", r.body)
	}
}

// 5. Approve one config instance and reject another with two parameter
// errors from the page; `hookctl config-instance get ID -o json` (the CLI,
// in process, over the same data directory) agrees.
func TestBrowserApproveReject(t *testing.T) {
	e := newBrowserEnv(t)
	ctx := context.Background()
	create := func(device string) *model.ConfigInstance {
		ci, err := e.be.CreateConfigInstance(ctx, backend.CreateConfigInstanceParams{
			ConfigTypeID: "cfg_type_motion", DeviceID: device, RelativeFilepath: "/motion.json",
			Content: json.RawMessage(`{"max_speed": 9, "lidar": {"enabled": true, "range_m": -3}}`)})
		if err != nil {
			t.Fatal(err)
		}
		return ci
	}
	a, b, c := create("dvc_approve"), create("dvc_reject"), create("dvc_cli")

	e.open(t)
	p := e.page
	p.Click("[data-testid=tab-instances]")
	row := func(id string) string { return `[data-testid=instance-row][data-id="` + id + `"]` }
	p.WaitVisible(row(a.ID))
	p.WaitVisible(row(b.ID))

	// Approve a.
	e.selectInstance(t, a.ID)
	p.SetValue("[data-testid=instance-message]", "Looks good on the lab robot")
	p.Click("[data-testid=approve]")
	p.WaitTrue(`(document.querySelector(`+q(row(a.ID))+`)||{dataset:{}}).dataset.status === 'approved'`, "a approved")

	// Reject b with two parameter errors (and one added then removed).
	e.selectInstance(t, b.ID)
	p.SetValue("[data-testid=instance-message]", "Two values are out of range")
	for i := 0; i < 3; i++ {
		p.Click("[data-testid=add-param-error]")
		p.WaitTrue(`document.querySelectorAll('[data-testid=param-error-row]').length === `+itoa(i+1), "a parameter error row")
	}
	fill := func(i int, path, msg string) {
		t.Helper()
		browsertest.Eval[bool](p, `(function(){const r=document.querySelectorAll('[data-testid=param-error-row]')[`+itoa(i)+`];
function set(e,v){e.focus();e.value=v;e.dispatchEvent(new Event('input',{bubbles:true}));e.dispatchEvent(new Event('change',{bubbles:true}))}
set(r.querySelector('[data-testid=param-path]'),`+q(path)+`);set(r.querySelector('[data-testid=param-message]'),`+q(msg)+`);return true})()`)
	}
	fill(0, "max_speed", "must be at most 3")
	fill(1, "will.be.removed", "removed")
	fill(2, "lidar.range_m", "must be positive")
	browsertest.Eval[bool](p, `(document.querySelectorAll('[data-testid=param-error-row]')[1].querySelector('[data-testid=remove-param-error]').click(), true)`)
	p.WaitTrue(`document.querySelectorAll('[data-testid=param-error-row]').length === 2`, "the removed row gone")
	p.Click("[data-testid=reject]")
	p.WaitTrue(`(document.querySelector(`+q(row(b.ID))+`)||{dataset:{}}).dataset.status === 'rejected'`, "b rejected")

	// The CLI agrees.
	ga := cliGetInstance(t, e.dataDir, a.ID)
	if ga.Status != model.ConfigInstanceApproved {
		t.Errorf("CLI: %s has status %q, want approved", a.ID, ga.Status)
	}
	if ga.Message != "Looks good on the lab robot" {
		t.Errorf("CLI: approval message %q", ga.Message)
	}
	gb := cliGetInstance(t, e.dataDir, b.ID)
	if gb.Status != model.ConfigInstanceRejected {
		t.Errorf("CLI: %s has status %q, want rejected", b.ID, gb.Status)
	}
	if gb.Message != "Two values are out of range" {
		t.Errorf("CLI: rejection message %q", gb.Message)
	}
	want := []model.ParameterError{
		{ParameterPath: []string{"max_speed"}, Message: "must be at most 3"},
		{ParameterPath: []string{"lidar", "range_m"}, Message: "must be positive"},
	}
	if g, w := mustJSON(gb.Errors), mustJSON(want); g != w {
		t.Errorf("CLI: parameter errors\n got %s\nwant %s", g, w)
	}

	// And the other way: what the CLI decides shows in the open page.
	e.selectInstance(t, c.ID)
	runCLI(t, e.dataDir, "config-instance", "approve", c.ID, "--message", "approved from the CLI")
	p.WaitTrue(`(document.querySelector(`+q(row(c.ID))+`)||{dataset:{}}).dataset.status === 'approved'`, "the CLI's approval in the list")
	p.WaitTrue(`(function(){const d=document.querySelector('[data-testid=instance-detail]');return d.dataset.id === `+q(c.ID)+` && d.dataset.status === 'approved'})()`,
		"the CLI's approval in the open detail")
}

// selectInstance opens an instance's review (clicking its row) unless its
// controls are already there.
func (e *browserEnv) selectInstance(t *testing.T, id string) {
	t.Helper()
	p := e.page
	p.Click(`[data-testid=instance-row][data-id="` + id + `"]`)
	p.WaitVisible(`[data-testid=instance-detail][data-id="` + id + `"]`)
	p.WaitVisible("[data-testid=approve]")
	p.WaitVisible("[data-testid=reject]")
	p.WaitVisible("[data-testid=instance-message]")
}

// runCLI runs hookctl with args in process (cli.Run, as main does) over
// dataDir and returns its stdout; a non-zero exit fails the test.
func runCLI(t *testing.T, dataDir string, args ...string) []byte {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	env := map[string]string{"HOOKCTL_DATA_DIR": dataDir, "NO_COLOR": "1"}
	if code := cli.Run(context.Background(), args, ios, func(k string) string { return env[k] }); code != 0 {
		t.Fatalf("hookctl %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	return out.Bytes()
}

// cliGetInstance runs `hookctl config-instance get ID -o json` over dataDir
// and decodes its output.
func cliGetInstance(t *testing.T, dataDir, id string) model.ConfigInstance {
	t.Helper()
	out := runCLI(t, dataDir, "config-instance", "get", id, "-o", "json")
	var ci model.ConfigInstance
	if err := json.Unmarshal(out, &ci); err != nil {
		t.Fatalf("hookctl config-instance get %s -o json: %v\n%s", id, err, out)
	}
	return ci
}

// 6. Received text is shown as text: a payload and a header carrying
// markup run nothing (window.__xss stays undefined) and appear verbatim.
func TestBrowserHostileContentIsInert(t *testing.T) {
	e := newBrowserEnv(t)
	const script = `<script>window.__xss=1</script>`
	const img = `"><img src=x onerror="window.__xss=2">`
	h := http.Header{}
	h.Set("X-Evil", script+img)
	// A JSON payload with the markup in strings (escaped quotes and all) …
	jsonBody := `{"type":"device.enrolled","note":"` + script + `","html":"\"><img src=x onerror=\"window.__xss=2\">"}`
	e.post(t, []byte(jsonBody), h)
	jsonID := e.latestID(t)
	// … and a body that is the markup itself, sent as HTML.
	h2 := h.Clone()
	h2.Set("Content-Type", "text/html")
	e.post(t, []byte(img+script), h2)
	htmlID := e.latestID(t)

	e.open(t)
	p := e.page
	detail := "[data-testid=request-detail]"
	e.openRequest(t, htmlID, "onerror")
	if got := p.Text(detail + " [data-testid=body-text]"); !strings.Contains(got, img+script) {
		t.Errorf("body-text = %q, want %q as text", got, img+script)
	}
	p.WaitTrue(`(document.querySelector('[data-testid=request-detail] [data-testid=headers]')||{}).textContent.includes('X-Evil')`, "the headers")
	if hdrs := p.Text(detail + " [data-testid=headers]"); !strings.Contains(hdrs, script+img) {
		t.Errorf("headers = %q, want %q as text", hdrs, script+img)
	}
	e.openRequest(t, jsonID, "note")
	got := p.Text(detail + " [data-testid=body-text]")
	if !strings.Contains(got, script) || !strings.Contains(got, `<img src=x onerror=`) {
		t.Errorf("body-text = %q, want %q and the img tag as text", got, script)
	}
	// Whatever the page made of them: no script, no image, no handler.
	for _, sel := range []string{"body script", `img[src="x"]`, "[onerror]"} {
		if n := p.Count(sel); n != 0 {
			t.Errorf("the page has %d elements %s", n, sel)
		}
	}
	if v := browsertest.Eval[string](p, `typeof window.__xss`); v != "undefined" {
		t.Errorf("window.__xss is %s: received markup ran", v)
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
