package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/hookctl/hookctl/internal/apperr"
)

// Load is load with the directories as arguments, for the tests (commands
// call LoadUser).
func Load(dirs ...string) (*Catalog, error) { return load(dirs) }

// builtinCases lists every builtin event with where its provider puts the
// type ("" = only in a header) and a path to an id that must change per build.
var builtinCases = []struct {
	typ, provider, scheme string
	typePath              string
	idPath                string
}{
	{"config_instance.target_status.validated", "miru", "standard", "type", "data.config_instance.id"},
	{"device.enrolled", "scalefusion", "hmac-sha256", "event", "data.devices.0.id"},
	{"device.activated", "scalefusion", "hmac-sha256", "event", "data.devices.0.id"},
	{"device.unenrolled", "scalefusion", "hmac-sha256", "event", "data.devices.0.id"},
	{"device.deleted", "scalefusion", "hmac-sha256", "event", "data.devices.0.id"},
	{"device.unlocked", "scalefusion", "hmac-sha256", "event", "data.devices.0.id"},
	{"device.locked", "scalefusion", "hmac-sha256", "event", "data.devices.0.id"},
	{"device.lost", "scalefusion", "hmac-sha256", "event", "data.devices.0.id"},
	{"device.found", "scalefusion", "hmac-sha256", "event", "data.devices.0.id"},
	{"user.signed_in", "scalefusion", "hmac-sha256", "event", "data.devices.0.id"},
	{"user.signed_out", "scalefusion", "hmac-sha256", "event", "data.devices.0.id"},
	{"device.shutdown", "scalefusion", "hmac-sha256", "event", "data.devices.0.id"},
	{"device.reboot", "scalefusion", "hmac-sha256", "event", "data.devices.0.id"},
	{"device.custom_properties_updated", "scalefusion", "hmac-sha256", "event", "data.devices.0.id"},
	{"device.sim_swap", "scalefusion", "hmac-sha256", "event", "data.devices.0.id"},
	{"webhook_config.test", "ricloud", "ricloud", "", "id"},
	{"ping", "github", "github", "", "hook.id"},
	{"push", "github", "github", "", "after"},
	{"payment_intent.succeeded", "stripe", "stripe", "type", "id"},
	{"checkout.session.completed", "stripe", "stripe", "type", "id"},
	{"event_callback", "slack", "slack", "type", "event_id"},
	{"orders/create", "shopify", "shopify", "", "id"},
}

func TestBuiltinEvents(t *testing.T) {
	c := Builtin()
	if got, want := len(c.List("")), len(builtinCases); got != want {
		t.Errorf("List(\"\") has %d events, the test table %d", got, want)
	}
	for _, tc := range builtinCases {
		t.Run(tc.typ, func(t *testing.T) {
			e, err := c.Get(tc.typ)
			if err != nil {
				t.Fatal(err)
			}
			if e.Provider != tc.provider || e.Scheme != tc.scheme || e.Source != SourceBuiltin || e.Description == "" {
				t.Errorf("metadata = %q %q %q %q", e.Provider, e.Scheme, e.Source, e.Description)
			}
			if !slices.Contains(Schemes, e.Scheme) {
				t.Errorf("scheme %q not in %v", e.Scheme, Schemes)
			}
			b1, h1, err := e.BuildRequest(BuildOptions{})
			if err != nil {
				t.Fatal(err)
			}
			b2, err := e.Build(BuildOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range [][]byte{b1, b2} {
				if !json.Valid(b) {
					t.Fatalf("invalid JSON: %s", b)
				}
				var compact bytes.Buffer
				_ = json.Compact(&compact, b)
				if !bytes.Equal(compact.Bytes(), b) {
					t.Errorf("body is not compact")
				}
				if bytes.Contains(b, []byte("{{")) {
					t.Errorf("placeholder left in %s", b)
				}
			}
			for k, v := range h1 {
				if strings.Contains(strings.Join(v, ""), "{{") {
					t.Errorf("placeholder left in header %s: %v", k, v)
				}
			}
			id1, id2 := gjson.GetBytes(b1, tc.idPath), gjson.GetBytes(b2, tc.idPath)
			if !id1.Exists() || id1.Raw == id2.Raw {
				t.Errorf("id at %s not fresh: %s vs %s", tc.idPath, id1.Raw, id2.Raw)
			}
			if tc.typePath != "" {
				if got := gjson.GetBytes(b1, tc.typePath).String(); got != e.Type {
					t.Errorf("payload %s = %q, want %q", tc.typePath, got, e.Type)
				}
			}
			if got := EventType(h1, b1); got != e.Type {
				t.Errorf("EventType(built request) = %q, want %q", got, e.Type)
			}
		})
	}
}

func TestBuiltinsCoverAllOperatingSystems(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range Builtin().List("scalefusion") {
		b, err := e.Build(BuildOptions{})
		if err != nil {
			t.Fatal(err)
		}
		gjson.GetBytes(b, "data.devices.#.os").ForEach(func(_, v gjson.Result) bool {
			seen[v.String()] = true
			return true
		})
	}
	for _, os := range []string{"android", "ios", "macos", "windows", "linux"} {
		if !seen[os] {
			t.Errorf("no scalefusion event with os %q (have %v)", os, seen)
		}
	}
}

// providersExample is the config-instance event from providers.md.
const providersExample = `{"object":"event","timestamp":"2021-01-01T00:00:00Z","type":"config_instance.target_status.validated",
 "data":{"config_instance":{"object":"config_instance","id":"cfg_inst_123","target_status":"validated",
 "activity_status":"validating","error_status":"none","status":"validating",
 "relative_filepath":"/v1/motion-control.json","created_at":"2021-01-01T00:00:00Z",
 "updated_at":"2021-01-01T00:00:00Z","device_id":"dvc_123","config_schema_id":"cfg_sch_123",
 "config_type_id":"cfg_type_123"}}}`

func TestConfigInstanceShape(t *testing.T) {
	e, err := Builtin().Get("config_instance.target_status.validated")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	b, err := e.Build(BuildOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	var got, want any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(providersExample), &want); err != nil {
		t.Fatal(err)
	}
	sameShape(t, "$", got, want)
	for path, prefix := range map[string]string{
		"data.config_instance.id":               "cfg_inst_",
		"data.config_instance.device_id":        "dvc_",
		"data.config_instance.config_schema_id": "cfg_sch_",
		"data.config_instance.config_type_id":   "cfg_type_",
	} {
		if v := gjson.GetBytes(b, path).String(); !strings.HasPrefix(v, prefix) || len(v) <= len(prefix) {
			t.Errorf("%s = %q, want prefix %q", path, v, prefix)
		}
	}
	if ts := gjson.GetBytes(b, "timestamp").String(); ts != "2024-05-01T12:00:00Z" {
		t.Errorf("timestamp = %q", ts)
	}
	for _, path := range []string{"data.config_instance.created_at", "data.config_instance.updated_at"} {
		if _, err := time.Parse(time.RFC3339, gjson.GetBytes(b, path).String()); err != nil {
			t.Errorf("%s: %v", path, err)
		}
	}
}

// sameShape checks that got has exactly the keys of want at every level and
// values of the same JSON kind.
func sameShape(t *testing.T, at string, got, want any) {
	t.Helper()
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			t.Errorf("%s: got %T, want object", at, got)
			return
		}
		for k := range w {
			if _, ok := g[k]; !ok {
				t.Errorf("%s: missing key %q", at, k)
			}
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				t.Errorf("%s: extra key %q", at, k)
				continue
			}
			sameShape(t, at+"."+k, g[k], w[k])
		}
	default:
		if got == nil && want != nil || got != nil && want == nil {
			t.Errorf("%s: got %v, want %v", at, got, want)
			return
		}
		if want != nil && typeName(got) != typeName(want) {
			t.Errorf("%s: got %T, want %T", at, got, want)
		}
	}
}

func typeName(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "array"
	}
	return "other"
}

func TestListAndProviders(t *testing.T) {
	c := Builtin()
	all := c.List("")
	if !slices.IsSortedFunc(all, func(a, b Event) int {
		if a.Provider != b.Provider {
			return strings.Compare(a.Provider, b.Provider)
		}
		return strings.Compare(a.Type, b.Type)
	}) {
		t.Error("List is not sorted by provider then type")
	}
	if got := len(c.List("scalefusion")); got != 14 {
		t.Errorf("scalefusion has %d events, want 14", got)
	}
	if got := c.List("nope"); len(got) != 0 {
		t.Errorf("List(nope) = %v", got)
	}
	want := []string{"github", "miru", "ricloud", "scalefusion", "shopify", "slack", "stripe"}
	if got := c.Providers(); !slices.Equal(got, want) {
		t.Errorf("Providers() = %v, want %v", got, want)
	}
}

func TestGetUnknown(t *testing.T) {
	c := Builtin()
	tests := []struct {
		in, suggestion string
	}{
		{"devce.enrolled", "device.enrolled"},
		{"Device.Locked", "device.locked"},
		{"enrolled", "device.enrolled"},
		{"payment_intent.succeded", "payment_intent.succeeded"},
		{"order/create", "orders/create"},
		{"pong", "ping"},
		{"totally.different.thing", ""},
		{"", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			_, err := c.Get(tc.in)
			if !errors.Is(err, apperr.ErrNotFound) {
				t.Fatalf("err = %v, want ErrNotFound", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, `unknown event type "`+tc.in+`"`) || !strings.Contains(msg, `run "hookctl events list"`) {
				t.Errorf("message = %q", msg)
			}
			if tc.suggestion == "" {
				if strings.Contains(msg, "did you mean") {
					t.Errorf("unexpected suggestion in %q", msg)
				}
			} else if !strings.Contains(msg, `did you mean "`+tc.suggestion+`"?`) {
				t.Errorf("message %q lacks suggestion %q", msg, tc.suggestion)
			}
		})
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadUserTemplates(t *testing.T) {
	dir := t.TempDir()
	override := writeFile(t, dir, "push.json", `{"type":"push","provider":"github","scheme":"github",
		"description":"my push","headers":{"X-GitHub-Event":"push"},"payload":{"ref":"refs/heads/dev","after":"{{sha}}"}}`)
	extra := writeFile(t, dir, "acme/invoice.paid.json", `{"type":"invoice.paid","provider":"acme","scheme":"hmac-sha256",
		"payload":{"type":"invoice.paid","id":"{{id:inv_}}","amount":"{{int:100-200}}","at":"{{unix}}"}}`)
	writeFile(t, dir, "README.txt", "not a template")

	c, err := Load(dir, filepath.Join(dir, "does-not-exist"))
	if err != nil {
		t.Fatal(err)
	}
	push, err := c.Get("push")
	if err != nil {
		t.Fatal(err)
	}
	if push.Description != "my push" || push.Source != override {
		t.Errorf("push not overridden: %+v", push)
	}
	inv, err := c.Get("invoice.paid")
	if err != nil {
		t.Fatal(err)
	}
	if inv.Source != extra {
		t.Errorf("Source = %q, want %q", inv.Source, extra)
	}
	b, err := inv.Build(BuildOptions{Now: time.Unix(1700000000, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if r := gjson.GetBytes(b, "amount"); r.Type != gjson.Number || r.Int() < 100 || r.Int() > 200 {
		t.Errorf("amount = %s", r.Raw)
	}
	if r := gjson.GetBytes(b, "at"); r.Raw != "1700000000" {
		t.Errorf("at = %s", r.Raw)
	}
	if _, err := c.Get("device.enrolled"); err != nil {
		t.Errorf("builtins lost: %v", err)
	}
	if !slices.Contains(c.Providers(), "acme") {
		t.Errorf("Providers() = %v", c.Providers())
	}
	// The builtin catalog is not changed by Load.
	if e, _ := Builtin().Get("push"); e.Source != SourceBuiltin {
		t.Errorf("Builtin() changed: %+v", e)
	}

	// A later dir wins.
	dir2 := t.TempDir()
	writeFile(t, dir2, "p.json", `{"type":"push","provider":"github","description":"second","payload":{}}`)
	c, err = Load(dir, dir2)
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := c.Get("push"); e.Description != "second" {
		t.Errorf("later dir did not win: %+v", e)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name, file string
		want       []string
	}{
		{"syntax", "{\n  \"type\": \"x\",\n  \"provider\": \"acme\"\n  \"payload\": {}\n}", []string{"bad.json", "invalid JSON", "line 4", "offset"}},
		{"truncated", `{"type":"x","provider":"acme","payload":{`, []string{"bad.json", "line 1", "unexpected end"}},
		{"wrong type", `{"type":42,"provider":"acme","payload":{}}`, []string{"bad.json", `"type"`, "line 1"}},
		{"unknown field", `{"type":"x","provider":"acme","payload":{},"paylod":{}}`, []string{"bad.json", "paylod"}},
		{"no type", `{"provider":"acme","payload":{}}`, []string{"bad.json", `"type" is required`}},
		{"no payload", `{"type":"x","provider":"acme"}`, []string{"bad.json", `"payload" is required`}},
		{"bad scheme", `{"type":"x","provider":"acme","scheme":"rot13","payload":{}}`, []string{"bad.json", `unknown scheme "rot13"`}},
		{"bad placeholder", `{"type":"x","provider":"acme","payload":{"id":"{{nope}}"}}`, []string{"bad.json", "unknown placeholder {{nope}}"}},
		{"bad int", `{"type":"x","provider":"acme","payload":{"n":"{{int:9-1}}"}}`, []string{"bad.json", "MIN-MAX"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, "bad.json", tc.file)
			_, err := Load(dir)
			if !errors.Is(err, apperr.ErrUsage) {
				t.Fatalf("err = %v, want ErrUsage", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}

	t.Run("duplicate in one dir", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, dir, "a.json", `{"type":"x","provider":"acme","payload":{}}`)
		writeFile(t, dir, "b.json", `{"type":"x","provider":"acme","payload":{}}`)
		if _, err := Load(dir); !errors.Is(err, apperr.ErrUsage) || !strings.Contains(err.Error(), "both") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestBuildPlaceholders(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 30, 45, 123456789, time.UTC)
	e := Event{Type: "t", Provider: "p", Payload: json.RawMessage(`{
		"uuid": "{{uuid}}",
		"id": "{{id:evt_}}",
		"sha": "{{sha}}",
		"hex": "{{hex:8}}",
		"digits": "{{digits:15}}",
		"alnum": "{{alnum:11}}",
		"int": "{{int:5-5}}",
		"now": "{{now}}",
		"past": "{{now:-90s}}",
		"nowms": "{{nowms}}",
		"unix": "{{unix}}",
		"unix_later": "{{unix:1h}}",
		"unixms": "{{unixms}}",
		"inline": "ts={{unix}}.000100",
		"same": ["{{sha#a}}", "{{sha#a}}", "x/{{sha#a}}"],
		"diff": ["{{sha}}", "{{sha}}"],
		"untouched": "{ {not a placeholder}} {{UPPER}}",
		"html": "<a href=\"x\">&</a> {{uuid}}",
		"{{key}}": "keys are never expanded"
	}`)}
	b, err := e.Build(BuildOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	get := func(p string) gjson.Result { return gjson.GetBytes(b, p) }
	checks := []struct {
		path string
		ok   func(gjson.Result) bool
	}{
		{"uuid", func(r gjson.Result) bool { return len(r.Str) == 36 && r.Str[14] == '4' }},
		{"id", func(r gjson.Result) bool { return strings.HasPrefix(r.Str, "evt_") && len(r.Str) == 28 }},
		{"sha", func(r gjson.Result) bool { return len(r.Str) == 40 && strings.Trim(r.Str, hexDigit) == "" }},
		{"hex", func(r gjson.Result) bool { return len(r.Str) == 8 }},
		{"digits", func(r gjson.Result) bool { return len(r.Str) == 15 && r.Type == gjson.String && r.Str[0] != '0' }},
		{"alnum", func(r gjson.Result) bool { return len(r.Str) == 11 && strings.Trim(r.Str, upperAlnum) == "" }},
		{"int", func(r gjson.Result) bool { return r.Type == gjson.Number && r.Raw == "5" }},
		{"now", func(r gjson.Result) bool { return r.Str == "2024-05-01T12:30:45Z" }},
		{"past", func(r gjson.Result) bool { return r.Str == "2024-05-01T12:29:15Z" }},
		{"nowms", func(r gjson.Result) bool { return r.Str == "2024-05-01T12:30:45.123Z" }},
		{"unix", func(r gjson.Result) bool { return r.Type == gjson.Number && r.Int() == now.Unix() }},
		{"unix_later", func(r gjson.Result) bool { return r.Int() == now.Unix()+3600 }},
		{"unixms", func(r gjson.Result) bool { return r.Type == gjson.Number && r.Int() == now.UnixMilli() }},
		{"inline", func(r gjson.Result) bool { return r.Str == "ts=1714566645.000100" }},
		{"untouched", func(r gjson.Result) bool { return r.Str == "{ {not a placeholder}} {{UPPER}}" }},
		{"html", func(r gjson.Result) bool { return strings.HasPrefix(r.Str, `<a href="x">&</a> `) }},
		{"{{key}}", func(r gjson.Result) bool { return r.Exists() }},
	}
	for _, c := range checks {
		if r := get(c.path); !c.ok(r) {
			t.Errorf("%s = %s", c.path, r.Raw)
		}
	}
	if bytes.Contains(b, []byte(`\u003c`)) {
		t.Errorf("HTML escaped: %s", b)
	}
	same := get("same").Array()
	if same[0].Str != same[1].Str || same[2].Str != "x/"+same[0].Str {
		t.Errorf("labelled placeholders differ: %s", get("same").Raw)
	}
	if diff := get("diff").Array(); diff[0].Str == diff[1].Str {
		t.Errorf("unlabelled placeholders equal: %s", get("diff").Raw)
	}
}

func TestBuildRequestSharesLabels(t *testing.T) {
	e := Event{Type: "t", Provider: "p",
		Headers: map[string]string{"X-Delivery": "{{uuid#d}}", "Content-Type": "application/json; charset=utf-8"},
		Payload: json.RawMessage(`{"delivery":"{{uuid#d}}"}`)}
	b, h, err := e.BuildRequest(BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := gjson.GetBytes(b, "delivery").Str; got == "" || got != h.Get("X-Delivery") {
		t.Errorf("body %q, header %q", got, h.Get("X-Delivery"))
	}
	if h.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q", h.Get("Content-Type"))
	}
	_, h, _ = Event{Payload: json.RawMessage(`{}`)}.BuildRequest(BuildOptions{})
	if h.Get("Content-Type") != "application/json" {
		t.Errorf("default Content-Type = %q", h.Get("Content-Type"))
	}
}

func TestBuildErrors(t *testing.T) {
	for _, p := range []string{`{"a":"{{nope}}"}`, `{"a":"{{hex:0}}"}`, `{"a":"{{now:yesterday}}"}`, `{"a":`, `{"a":"{{sha:1}}"}`} {
		if _, err := (Event{Payload: json.RawMessage(p)}).Build(BuildOptions{}); err == nil {
			t.Errorf("Build(%s) succeeded", p)
		}
	}
	failing := iotestErrReader{}
	if _, err := (Event{Payload: json.RawMessage(`{"a":"{{uuid}}"}`)}).Build(BuildOptions{Rand: failing}); err == nil {
		t.Error("Build with a failing Rand succeeded")
	}
}

type iotestErrReader struct{}

func (iotestErrReader) Read([]byte) (int, error) { return 0, errors.New("no entropy") }

func TestApply(t *testing.T) {
	body := `{"type":"push","data":{"object":{"amount":2000,"currency":"usd"}},"commits":[{"id":"a"},{"id":"b"}]}`
	tests := []struct {
		name string
		sets []string
		path string
		want string // Raw JSON at path
	}{
		{"number", []string{"data.object.amount=4200"}, "data.object.amount", "4200"},
		{"float", []string{"data.object.amount=12.5"}, "data.object.amount", "12.5"},
		{"bare string", []string{"data.object.currency=eur"}, "data.object.currency", `"eur"`},
		{"quoted string", []string{`data.object.currency="42"`}, "data.object.currency", `"42"`},
		{"string with equals", []string{"note=a=b"}, "note", `"a=b"`},
		{"empty string", []string{"note="}, "note", `""`},
		{"bool", []string{"livemode=true"}, "livemode", "true"},
		{"null", []string{"data.object.currency=null"}, "data.object.currency", "null"},
		{"object", []string{`data.object.metadata={"order": 7, "x": [1, 2]}`}, "data.object.metadata", `{"order":7,"x":[1,2]}`},
		{"array", []string{"tags=[1,2]"}, "tags", "[1,2]"},
		{"new nested path", []string{"a.b.c=1"}, "a.b.c", "1"},
		{"array index", []string{"commits.1.id=zzz"}, "commits.1.id", `"zzz"`},
		{"append", []string{"commits.-1={\"id\":\"c\"}"}, "commits.2.id", `"c"`},
		{"in order", []string{"x=1", "x=2"}, "x", "2"},
		{"not JSON stays string", []string{"msg={oops"}, "msg", `"{oops"`},
		{"spaces in path trimmed", []string{" type =ping"}, "type", `"ping"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := Apply([]byte(body), tc.sets)
			if err != nil {
				t.Fatal(err)
			}
			if !json.Valid(out) {
				t.Fatalf("invalid JSON: %s", out)
			}
			if got := gjson.GetBytes(out, tc.path).Raw; got != tc.want {
				t.Errorf("%s = %s, want %s (body %s)", tc.path, got, tc.want, out)
			}
		})
	}

	bad := []struct {
		name string
		body string
		sets []string
		want string
	}{
		{"no equals", body, []string{"data.object.amount"}, "want PATH=VALUE"},
		{"empty path", body, []string{"=5"}, "want PATH=VALUE"},
		{"blank path", body, []string{"  =5"}, "want PATH=VALUE"},
		{"invalid body", `{"a":`, []string{"a=1"}, "not valid JSON"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Apply([]byte(tc.body), tc.sets)
			if !errors.Is(err, apperr.ErrUsage) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("err = %v", err)
			}
		})
	}
	if out, err := Apply([]byte(body), nil); err != nil || string(out) != body {
		t.Errorf("Apply(nil) = %s, %v", out, err)
	}
}

func TestEventType(t *testing.T) {
	h := func(kv ...string) http.Header {
		hdr := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			hdr.Set(kv[i], kv[i+1])
		}
		return hdr
	}
	tests := []struct {
		name    string
		headers http.Header
		body    string
		want    string
	}{
		{"github header wins over body action", h("X-GitHub-Event", "pull_request"), `{"action":"opened"}`, "pull_request"},
		{"shopify topic", h("X-Shopify-Topic", "orders/create"), `{"id":1}`, "orders/create"},
		{"x-event-type", h("X-Event-Type", "invoice.paid"), `{}`, "invoice.paid"},
		{"gitlab", h("X-Gitlab-Event", "Push Hook"), `{"object_kind":"push"}`, "Push Hook"},
		{"stripe type", nil, `{"id":"evt_1","object":"event","type":"payment_intent.succeeded"}`, "payment_intent.succeeded"},
		{"miru type", nil, `{"object":"event","type":"config_instance.target_status.validated","data":{}}`, "config_instance.target_status.validated"},
		{"slack type", nil, `{"type":"event_callback","event":{"type":"app_mention"}}`, "event_callback"},
		{"slack url verification", nil, `{"type":"url_verification","challenge":"x"}`, "url_verification"},
		{"scalefusion event", h("X-SF-Signature", "abc"), `{"event":"device.enrolled","data":{"devices":[]}}`, "device.enrolled"},
		{"ricloud type.action with header", h("Ricloud-Signature", "t=1,s=x"), `{"type":"webhook_config","action":"test"}`, "webhook_config.test"},
		{"ricloud type.action without header", nil, `{"id":"u","type":"webhook_config","action":"test"}`, "webhook_config.test"},
		{"event_type", nil, `{"event_type":"order.paid"}`, "order.paid"},
		{"action", nil, `{"action":"created"}`, "created"},
		{"topic", nil, `{"topic":"orders/paid"}`, "orders/paid"},
		{"event object skipped", nil, `{"event":{"x":1},"topic":"t"}`, "t"},
		{"empty type skipped", nil, `{"type":"","event":"e"}`, "e"},
		{"nothing", nil, `{"id":1}`, ""},
		{"not JSON", nil, `a=b&c=d`, ""},
		{"array body", nil, `[{"type":"x"}]`, ""},
		{"empty", nil, ``, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.headers == nil {
				tc.headers = http.Header{}
			}
			if got := EventType(tc.headers, []byte(tc.body)); got != tc.want {
				t.Errorf("EventType = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestGetReturnsCopies(t *testing.T) {
	c := Builtin()
	e, _ := c.Get("push")
	e.Headers["X-GitHub-Event"] = "changed"
	e.Payload[0] = '['
	again, _ := c.Get("push")
	if again.Headers["X-GitHub-Event"] != "push" || again.Payload[0] != '{' {
		t.Error("Get returned memory shared with the catalog")
	}
}

// The builtin events are parsed once; a Load with user templates must not
// leak into later catalogues.
func TestLoadDoesNotChangeTheSharedBuiltins(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "ping.json"), []byte(`{"type":"ping","provider":"mine","scheme":"github","payload":{"zen":"mine"}}`), 0o600)
	c, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := c.Get("ping"); e.Provider != "mine" {
		t.Fatalf("user template not loaded: %+v", e)
	}
	if e, _ := Builtin().Get("ping"); e.Provider != "github" || e.Source != SourceBuiltin {
		t.Fatalf("builtin ping changed by Load: %+v", e)
	}
}
