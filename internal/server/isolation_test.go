package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/hookctl/hookctl/internal/apikey"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/server/servertest"
)

// tenantEnv is a real server (store, outbox) with the keys of two tenants:
// acme owns resources of every kind, globex attacks them.
type tenantEnv struct {
	t          *testing.T
	url        string
	acme, glob string
	hits       func(path string) int // requests the receiver got per path
	rcv        string                // the receiver's URL
}

func (e *tenantEnv) call(key, method, path, body string) (int, string) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, b.String()
}

// must calls and fails the test unless the status is want; it returns the body.
func (e *tenantEnv) must(key, method, path, body string, want int) string {
	e.t.Helper()
	code, out := e.call(key, method, path, body)
	if code != want {
		e.t.Fatalf("%s %s: %d %s, want %d", method, path, code, out, want)
	}
	return out
}

// sameAsUnknown checks that globex calling path on acme's id gets exactly
// the answer of an id that does not exist: 404 and the same message.
func (e *tenantEnv) sameAsUnknown(method, path, body, acmeID, unknownID string) {
	e.t.Helper()
	code, got := e.call(e.glob, method, path, body)
	ucode, unknown := e.call(e.glob, method, strings.Replace(path, acmeID, unknownID, 1), body)
	if code != http.StatusNotFound || ucode != http.StatusNotFound {
		e.t.Fatalf("%s %s as another tenant: %d %s (unknown id: %d %s), want 404 for both", method, path, code, got, ucode, unknown)
	}
	if strings.ReplaceAll(unknown, unknownID, acmeID) != got {
		e.t.Fatalf("%s %s: another tenant's id answers\n%s\nbut an unknown id answers\n%s", method, path, got, unknown)
	}
}

func (e *tenantEnv) notIn(body string, secrets ...string) {
	e.t.Helper()
	for _, s := range secrets {
		if strings.Contains(body, s) {
			e.t.Fatalf("another tenant sees %q in\n%s", s, body)
		}
	}
}

// TestTenantIsolation runs, for every route of the server, globex's
// attempt on acme's resources, and checks after each one that acme's data
// is exactly as it was. A route without a case fails the test, so a new
// endpoint cannot be added without saying how it is isolated.
func TestTenantIsolation(t *testing.T) {
	in, err := servertest.Start(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	ctx := context.Background()
	acme, _, err := apikey.Create(ctx, in.Store, "a", "acme", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	glob, _, err := apikey.Create(ctx, in.Store, "g", "globex", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	counts := map[string]int{}
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		counts[r.URL.Path]++
		mu.Unlock()
		w.Write([]byte(`{"ok":true}`))
	}))
	defer rcv.Close()
	e := &tenantEnv{t: t, url: in.URL, acme: acme, glob: glob, rcv: rcv.URL, hits: func(p string) int {
		mu.Lock()
		defer mu.Unlock()
		return counts[p]
	}}

	// acme's resources, one of every kind.
	cfg := e.must(acme, "POST", "/v1/webhook_configs", `{"url":"`+rcv.URL+`/acme","headers":{"Authorization":"Bearer acme-credential-1234"}}`, 201)
	cfgID, cfgSecret := gjson.Get(cfg, "id").Str, gjson.Get(cfg, "secret").Str
	inst := e.must(acme, "POST", "/v1/config_instances", `{"config_type_id":"ct","device_id":"dev","content":{"a":1}}`, 201)
	instID := gjson.Get(inst, "id").Str
	ev := e.must(acme, "POST", "/v1/events?wait=10s", `{"type":"ping","config_id":"`+cfgID+`"}`, 200)
	dlvID := gjson.Get(ev, "data.0.id").Str
	e.must(acme, "POST", "/v1/deliveries", `{"data":[{"id":"dlv_chosen1","request_id":"r1","url":"https://a.example","state":"succeeded","payload":{"n":1}}]}`, 204)
	e.must(acme, "POST", "/v1/requests", `{"data":[{"id":"req_chosen1","method":"POST","path":"/acme","received_at":"2026-12-01T10:00:00Z","body":"{}"}]}`, 204)
	src := e.must(acme, "POST", "/wh/config", `{"datasource":"github","event":"push"}`, 201)
	srcToken, srcAPI := gjson.Get(src, "token").Str, gjson.Get(src, "apiToken").Str
	e.must("", "POST", "/wh/"+srcAPI+"/"+srcToken, `{"n":1}`, 202)
	hookReqID := gjson.Get(e.must(acme, "GET", "/v1/requests?limit=1", "", 200), "data.0.id").Str
	// The validation event of the instance reaches acme's config: let it
	// finish before taking the snapshot.
	for _, id := range gjson.Get(e.must(acme, "GET", "/v1/deliveries?limit=1000", "", 200), "data.#.id").Array() {
		e.must(acme, "GET", "/v1/deliveries/"+id.Str+"?wait=10s", "", 200)
	}
	if cfgID == "" || instID == "" || dlvID == "" || srcToken == "" || hookReqID == "" {
		t.Fatalf("setup: config %q instance %q delivery %q source %q request %q", cfgID, instID, dlvID, srcToken, hookReqID)
	}
	acmeSecrets := []string{cfgID, cfgSecret, instID, dlvID, "dlv_chosen1", "req_chosen1", hookReqID, srcToken, srcAPI, "acme-credential", rcv.URL}

	snapshot := func() string {
		var b strings.Builder
		for _, p := range []string{
			"/v1/webhook_configs/" + cfgID + "?show_secret=true", "/v1/webhook_configs?show_secret=true",
			"/v1/config_instances/" + instID, "/v1/config_instances",
			"/v1/deliveries/" + dlvID + "?show_secret=true", "/v1/deliveries/dlv_chosen1", "/v1/deliveries?limit=1000",
			"/v1/requests/req_chosen1", "/v1/requests/" + hookReqID, "/v1/requests?limit=1000",
			"/wh/config/" + srcToken, "/wh/config",
		} {
			b.WriteString(e.must(acme, "GET", p, "", 200))
		}
		b.WriteString(strings.Repeat("hit", e.hits("/acme")))
		return b.String()
	}
	before := snapshot()

	const unknownCfg, unknownInst, unknownDlv, unknownReq = "whc_0000000000000000000000000", "cfg_inst_0000000000000000000000000", "dlv_0000000000000000000000000", "req_0000000000000000000000000"
	unknownToken := backend.GenerateToken(backend.SourceTokenPrefix)
	cases := []struct {
		route string
		try   func()
	}{
		{"GET /healthz", func() { e.notIn(e.must(glob, "GET", "/healthz", "", 200), acmeSecrets...) }},
		{"GET /metrics", func() { e.notIn(e.must(glob, "GET", "/metrics", "", 200), acmeSecrets...) }},
		{"POST /v1/webhook_configs", func() {
			// The same URL is free in another tenant (uniqueness is per
			// tenant: a conflict would reveal acme's config).
			own := e.must(glob, "POST", "/v1/webhook_configs", `{"url":"`+rcv.URL+`/acme"}`, 201)
			e.notIn(own, acmeSecrets[:2]...)
			e.must(glob, "POST", "/v1/webhook_configs", `{"url":"`+rcv.URL+`/acme"}`, 409)
			e.must(glob, "DELETE", "/v1/webhook_configs/"+gjson.Get(own, "id").Str, "", 204)
		}},
		{"GET /v1/webhook_configs", func() {
			e.notIn(e.must(glob, "GET", "/v1/webhook_configs?show_secret=true", "", 200), acmeSecrets...)
		}},
		{"GET /v1/webhook_configs/{id}", func() {
			e.sameAsUnknown("GET", "/v1/webhook_configs/"+cfgID+"?show_secret=true", "", cfgID, unknownCfg)
		}},
		{"PATCH /v1/webhook_configs/{id}", func() {
			e.sameAsUnknown("PATCH", "/v1/webhook_configs/"+cfgID, `{"url":"https://evil.example"}`, cfgID, unknownCfg)
		}},
		{"DELETE /v1/webhook_configs/{id}", func() { e.sameAsUnknown("DELETE", "/v1/webhook_configs/"+cfgID, "", cfgID, unknownCfg) }},
		{"POST /v1/webhook_configs/{id}/rotate_secret", func() {
			e.sameAsUnknown("POST", "/v1/webhook_configs/"+cfgID+"/rotate_secret", `{"keep_old":0}`, cfgID, unknownCfg)
		}},
		{"POST /v1/config_instances", func() {
			// globex's instance: its validation event goes to globex's
			// configs only (it has none), never to acme's.
			code, out := e.call(glob, "POST", "/v1/config_instances", `{"config_type_id":"ct","device_id":"dev","content":{"a":1}}`)
			if code != 201 {
				t.Fatalf("create: %d %s", code, out)
			}
			e.notIn(out, acmeSecrets...)
		}},
		{"GET /v1/config_instances", func() { e.notIn(e.must(glob, "GET", "/v1/config_instances", "", 200), acmeSecrets...) }},
		{"GET /v1/config_instances/{id}", func() { e.sameAsUnknown("GET", "/v1/config_instances/"+instID, "", instID, unknownInst) }},
		{"POST /v1/config_instances/{id}/approve", func() {
			e.sameAsUnknown("POST", "/v1/config_instances/"+instID+"/approve", `{"message":"ok"}`, instID, unknownInst)
		}},
		{"POST /v1/config_instances/{id}/reject", func() {
			e.sameAsUnknown("POST", "/v1/config_instances/"+instID+"/reject", `{"message":"no","errors":[{"parameter_path":["a"],"message":"bad"}]}`, instID, unknownInst)
		}},
		{"POST /v1/config_instances/{id}/deploy", func() {
			e.sameAsUnknown("POST", "/v1/config_instances/"+instID+"/deploy?dry_run=false", "", instID, unknownInst)
		}},
		{"GET /v1/deliveries", func() {
			out := e.must(glob, "GET", "/v1/deliveries?limit=1000", "", 200)
			e.notIn(out, acmeSecrets...)
			if gjson.Get(out, "total").Int() != 0 {
				t.Fatalf("globex counts acme's deliveries: %s", out)
			}
		}},
		{"POST /v1/deliveries", func() {
			// The same client-chosen id in another tenant is another
			// delivery: acme's stays as it was.
			e.must(glob, "POST", "/v1/deliveries", `{"data":[{"id":"dlv_chosen1","request_id":"forged","url":"https://evil.example","state":"failed"}]}`, 204)
			out := e.must(glob, "GET", "/v1/deliveries/dlv_chosen1", "", 200)
			if gjson.Get(out, "request_id").Str != "forged" {
				t.Fatalf("globex's own import: %s", out)
			}
		}},
		{"GET /v1/deliveries/{id}", func() {
			e.sameAsUnknown("GET", "/v1/deliveries/"+dlvID+"?show_secret=true", "", dlvID, unknownDlv)
			e.sameAsUnknown("GET", "/v1/deliveries/"+dlvID+"?wait=1s&attempts=0", "", dlvID, unknownDlv)
		}},
		{"POST /v1/deliveries/{id}/resend", func() {
			e.sameAsUnknown("POST", "/v1/deliveries/"+dlvID+"/resend", `{"to":"`+rcv.URL+`/globex"}`, dlvID, unknownDlv)
		}},
		{"POST /v1/events", func() {
			// No config_id: the fan-out reaches globex's configs (none),
			// never acme's, even for an event acme subscribes to.
			code, out := e.call(glob, "POST", "/v1/events?wait=5s", `{"type":"ping"}`)
			if code != 404 || !strings.Contains(out, "no enabled webhook config is subscribed") {
				t.Fatalf("fan-out as globex: %d %s", code, out)
			}
			e.sameAsUnknown("POST", "/v1/events?wait=5s", `{"type":"ping","config_id":"`+cfgID+`"}`, cfgID, unknownCfg)
		}},
		{"GET /v1/requests", func() { e.notIn(e.must(glob, "GET", "/v1/requests?limit=1000", "", 200), acmeSecrets...) }},
		{"POST /v1/requests", func() {
			e.must(glob, "POST", "/v1/requests", `{"data":[{"id":"req_chosen1","method":"PUT","path":"/forged","received_at":"2026-12-01T11:00:00Z"}]}`, 204)
			if out := e.must(glob, "GET", "/v1/requests/req_chosen1", "", 200); gjson.Get(out, "path").Str != "/forged" {
				t.Fatalf("globex's own record: %s", out)
			}
		}},
		{"GET /v1/requests/{id}", func() { e.sameAsUnknown("GET", "/v1/requests/"+hookReqID, "", hookReqID, unknownReq) }},
		{"POST /wh/config", func() {
			out := e.must(glob, "POST", "/wh/config", `{"datasource":"github","event":"push"}`, 201)
			e.notIn(out, acmeSecrets...)
		}},
		{"GET /wh/config", func() { e.notIn(e.must(glob, "GET", "/wh/config", "", 200), acmeSecrets...) }},
		{"GET /wh/config/{token}", func() { e.sameAsUnknown("GET", "/wh/config/"+srcToken, "", srcToken, unknownToken) }},
		{"HEAD /wh/config/{token}", func() {
			if code, _ := e.call(glob, "HEAD", "/wh/config/"+srcToken, ""); code != 404 {
				t.Fatalf("HEAD of acme's source as globex: %d, want 404", code)
			}
		}},
		{"DELETE /wh/config/{token}", func() { e.sameAsUnknown("DELETE", "/wh/config/"+srcToken, "", srcToken, unknownToken) }},
		{"* /wh/{apiToken}/{token}", func() {
			// The tokens are the credentials: globex's api token does not
			// open acme's source.
			own := e.must(glob, "GET", "/wh/config", "", 200)
			globAPI := gjson.Get(own, "data.0.apiToken").Str
			e.sameAsUnknown("POST", "/wh/"+globAPI+"/"+srcToken, `{"n":2}`, srcToken, unknownToken)
		}},
		{"GET /v1/relay/{token}", func() { e.sameAsUnknown("GET", "/v1/relay/"+srcToken, "", srcToken, unknownToken) }},
	}

	var covered []string
	for _, c := range cases {
		covered = append(covered, c.route)
		t.Run(c.route, func(t *testing.T) {
			e.t = t
			c.try()
			if after := snapshot(); after != before {
				t.Fatalf("acme's data changed:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
	e.t = t
	for _, r := range in.Server.Routes() {
		if !slices.Contains(covered, r) {
			t.Errorf("route %s has no cross-tenant case in TestTenantIsolation: add one", r)
		}
	}
	for _, c := range covered {
		if !slices.Contains(in.Server.Routes(), c) {
			t.Errorf("TestTenantIsolation covers %s, which the server does not serve", c)
		}
	}
}
