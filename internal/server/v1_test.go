package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hookctl/hookctl/internal/dispatch"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/server/servertest"
	"github.com/hookctl/hookctl/internal/testserver"
)

// The statuses and error codes of the config-instance, delivery, event and
// request endpoints, over a real server with its outbox.
func TestV1Statuses(t *testing.T) {
	in, err := servertest.Start(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	rs, err := testserver.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	call := func(method, path, body string) (int, string) {
		t.Helper()
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, _ := http.NewRequest(method, in.URL+path, rd)
		req.Header.Set("X-API-Key", in.Key)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := call("POST", "/v1/config_instances", `{"config_type_id":"t","device_id":"d","content":{"a":1}}`)
	if code != 201 || !strings.Contains(body, `"object":"config_instance"`) {
		t.Fatalf("create: %d %s", code, body)
	}
	id := body[strings.Index(body, `"id":"`)+6:]
	id = id[:strings.Index(id, `"`)]

	for _, tc := range []struct {
		method, path, body string
		code               int
		want               string
	}{
		{"POST", "/v1/config_instances", `{"config_type_id":"t","device_id":"d"}`, 422, `"code":"invalid"`},
		{"POST", "/v1/config_instances", `{"config_type_id":"t","device_id":"d","content":{},"bogus":1}`, 400, `unknown field \"bogus\"`},
		{"GET", "/v1/config_instances?status=nope", "", 400, `unknown status`},
		{"GET", "/v1/config_instances?device_id=d", "", 200, `"device_id":"d"`},
		{"GET", "/v1/config_instances/cfg_inst_nope", "", 404, `"code":"not_found"`},
		{"POST", "/v1/config_instances/" + id + "/approve", `{}`, 400, `needs a message`},
		{"POST", "/v1/config_instances/" + id + "/reject", `{"message":"no"}`, 400, `at least one parameter error`},
		{"POST", "/v1/config_instances/" + id + "/deploy?dry_run=false", "", 409, `"code":"conflict"`},
		{"POST", "/v1/config_instances/" + id + "/deploy?dry_run=maybe", "", 400, `use true or false`},
		{"POST", "/v1/config_instances/cfg_inst_nope/approve", `{"message":"ok"}`, 404, `no config instance`},
		{"POST", "/v1/config_instances/" + id + "/approve", `{"message":"ok"}`, 200, `"status":"approved"`},
		{"POST", "/v1/config_instances/" + id + "/approve", `{"message":"ok"}`, 409, `only a validating instance`},
		{"POST", "/v1/config_instances/" + id + "/deploy?dry_run=true", "", 200, `"remove":[]`},
		{"POST", "/v1/config_instances/" + id + "/deploy", "", 200, `"status":"deployed"`},
		{"GET", "/v1/deliveries?state=bogus", "", 400, `state=\"bogus\": use one of`},
		{"GET", "/v1/deliveries?since=yesterday", "", 400, `RFC 3339`},
		{"GET", "/v1/deliveries?colour=red", "", 400, `unknown query parameter \"colour\"`},
		{"GET", "/v1/deliveries", "", 200, `{"total":0,"succeeded":0,"failed":0,"data":[],"has_more":false}`},
		{"GET", "/v1/deliveries/dlv_nope", "", 404, `no delivery dlv_nope`},
		{"GET", "/v1/deliveries/dlv_nope?wait=1s&attempts=-1", "", 400, `attempts=\"-1\": use the number of attempts already seen`},
		{"GET", "/v1/deliveries/dlv_nope?wait=1s&attempts=two", "", 400, `attempts=\"two\"`},
		{"GET", "/v1/deliveries/dlv_nope?wait=10ms&attempts=0", "", 404, `no delivery dlv_nope`},
		{"POST", "/v1/deliveries/dlv_nope/resend", "", 404, `no delivery dlv_nope`},
		// Caps and durations that do not fit.
		{"POST", "/v1/events", `{"type":"ping","to":"` + rs.URL + `","retries":1000000000}`, 422, `retries 1000000000 is above this server's limit of 10 (hookctl serve --max-retries raises it)`},
		{"POST", "/v1/events", `{"type":"ping","to":"` + rs.URL + `","timeout":"1000h"}`, 422, `timeout 1000h0m0s is above this server's limit of 30s (hookctl serve --max-timeout raises it)`},
		{"POST", "/v1/events", `{"type":"ping","to":"` + rs.URL + `","retry_delay":7200}`, 422, `--max-retry-delay`},
		{"POST", "/v1/events", `{"type":"ping","to":"` + rs.URL + `","timeout":1e300}`, 400, `duration of 1e+300 seconds is too large`},
		{"POST", "/v1/events", `{"type":"ping","to":"` + rs.URL + `","timeout":"1e300h"}`, 400, `at most 2562047h`},
		{"POST", "/v1/deliveries/dlv_nope/resend", `{"retries":11}`, 422, `--max-retries`},
		{"GET", "/v1/deliveries/dlv_nope?wait=Inf", "", 400, `too large`},
		{"GET", "/v1/deliveries/dlv_nope?wait=NaN", "", 400, `too large`},
		{"GET", "/v1/deliveries?limit=0", "", 400, `limit=\"0\": use 1 to 1000, and page on with starting_after`},
		{"GET", "/v1/deliveries?limit=1001", "", 400, `use 1 to 1000`},
		{"GET", "/v1/deliveries?starting_after=dlv_nope", "", 404, `no delivery dlv_nope to list after`},
		{"GET", "/v1/requests?limit=0", "", 400, `use 1 to 1000`},
		{"POST", "/v1/events", `{"type":"no.such.event","to":"` + rs.URL + `"}`, 404, `"code":"not_found"`},
		{"POST", "/v1/events", `{"type":"ping","to":"ftp://x"}`, 400, `must start with http`},
		{"POST", "/v1/events", `{"type":"ping"}`, 404, `no enabled webhook config is subscribed to ping`},
		{"POST", "/v1/events", `{"payload":{"x":1},"to":"` + rs.URL + `"}`, 400, `cannot tell the event type`},
		{"POST", "/v1/events?wait=10s", `{"type":"ping","to":"` + rs.URL + `/ok","secret":"s3cret"}`, 200, `"state":"succeeded"`},
		{"POST", "/v1/events?wait=10s", `{"payload":{"type":"custom.thing","n":1},"set":["n=2"],"to":"` + rs.URL + `/echo"}`, 200, `"response_body":"{\"type\":\"custom.thing\",\"n\":2}"`},
		{"GET", "/v1/requests?failed=maybe", "", 400, `use true or false`},
		{"GET", "/v1/requests", "", 200, `{"data":[],"has_more":false}`},
		{"GET", "/v1/requests/req_nope", "", 404, `no received request`},
	} {
		code, body := call(tc.method, tc.path, tc.body)
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("%s %s %s: %d %s\nwant %d containing %s", tc.method, tc.path, tc.body, code, body, tc.code, tc.want)
		}
	}
	code, body = call("GET", "/metrics", "")
	for _, want := range []string{`hookctl_delivery_attempts_total{outcome="succeeded"} 2`, "hookctl_delivery_queue_depth 0", "hookctl_delivery_attempt_duration_seconds_count 2"} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("metrics: want %q in\n%s", want, body)
		}
	}
}

// A request that carries the marker of hookctl's deliveries is refused
// (508) before authentication or any work: configs pointing at a hookctl
// API cannot make it fan out into more deliveries to itself.
func TestAPIRefusesDeliveries(t *testing.T) {
	in, err := servertest.Start(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	for _, key := range []string{in.Key, ""} {
		req, _ := http.NewRequest("POST", in.URL+"/v1/events", strings.NewReader(`{"type":"ping"}`))
		req.Header.Set("X-API-Key", key)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(dispatch.LoopHeader, "dlv_1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusLoopDetected || !strings.Contains(string(b), `"code":"loop_detected"`) {
			t.Fatalf("key %q: %d %s", key, resp.StatusCode, b)
		}
	}
	if n := in.Outbox.Len(); n != 0 {
		t.Fatalf("%d deliveries queued by refused requests", n)
	}
}

// Receivers' answers are stored cut at 64 KiB, also when a client imports
// deliveries made elsewhere; the attempt says it was cut.
func TestImportedAnswersAreCut(t *testing.T) {
	in, err := servertest.Start(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	answer := strings.Repeat("é", 40<<10) // 80 KiB of 2-byte runes
	body := `{"data":[{"id":"dlv_big","request_id":"r","url":"https://x.example","state":"succeeded","attempts":[{"attempt":1,"started_at":"2026-12-01T10:00:00Z","status_code":200,"response_body":"` + answer + `"}]}]}`
	for _, c := range []struct{ method, path, body string }{{"POST", "/v1/deliveries", body}, {"GET", "/v1/deliveries/dlv_big", ""}} {
		req, _ := http.NewRequest(c.method, in.URL+c.path, strings.NewReader(c.body))
		req.Header.Set("X-API-Key", in.Key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var d model.Delivery
		if c.method == "GET" {
			if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
				t.Fatal(err)
			}
			a := d.Attempts[0]
			if len(a.ResponseBody) > dispatch.DefaultMaxResponseBody || len(a.ResponseBody) < dispatch.DefaultMaxResponseBody-1 || !a.ResponseTruncated || !utf8.ValidString(a.ResponseBody) {
				t.Fatalf("stored answer: %d bytes, truncated %v", len(a.ResponseBody), a.ResponseTruncated)
			}
		}
		resp.Body.Close()
	}
}

// POST /v1/config_instances answers the instance with the validation
// event's deliveries, queued for the caller's subscribed configs, in its body.
func TestCreateConfigInstanceAnswersValidationDeliveries(t *testing.T) {
	in, err := servertest.Start(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	rs, err := testserver.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	post := func(path, body string) string {
		t.Helper()
		req, _ := http.NewRequest("POST", in.URL+path, strings.NewReader(body))
		req.Header.Set("X-API-Key", in.Key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 201 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
		}
		return string(b)
	}
	post("/v1/webhook_configs", `{"url":"`+rs.URL+`/validator","events":["config_instance.*"]}`)
	var ci model.ConfigInstance
	if err := json.Unmarshal([]byte(post("/v1/config_instances", `{"config_type_id":"t","device_id":"d","content":{"a":1}}`)), &ci); err != nil {
		t.Fatal(err)
	}
	v := ci.ValidationDeliveries
	if len(v) != 1 || v[0].URL != rs.URL+"/validator" || v[0].Delivery == nil || !strings.HasPrefix(v[0].Delivery.ID, "dlv_") ||
		v[0].Delivery.EventType != model.EventConfigInstanceValidated || v[0].Delivery.EventID != ci.ID {
		t.Fatalf("validation deliveries in the answer: %+v", v)
	}
}
