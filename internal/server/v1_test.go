package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

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
