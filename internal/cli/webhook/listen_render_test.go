package webhook

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/cmdtest"
	"github.com/hookctl/hookctl/internal/iostreams"
	"github.com/hookctl/hookctl/internal/model"
)

// hostile is a received request whose every text field tries to reach the
// terminal: an OSC title, a CSI clear, a C1 CSI, DEL, invalid UTF-8.
func hostileRequest() *model.ReceivedRequest {
	return &model.ReceivedRequest{
		ID:           "req_1",
		ReceivedAt:   time.Date(2026, 11, 23, 21, 54, 47, 0, time.Local),
		Method:       "POST",
		Path:         "/\x1b]0;PWNED\x07",
		Query:        "q=\x1b[2J",
		EventType:    "device.\u009b31m",
		Headers:      http.Header{"X-Evil\x7f": {"v\x1b[5m"}, "Content-Type": {"application/json"}},
		Status:       502,
		Verification: &model.Verification{Scheme: "standard", Message: "bad \x1b[31msig"},
		Forwards: []model.ForwardResult{
			{URL: "http://localhost:3000/\x1b", Error: "dial: \x1b]8;;x\x07", Latency: 1400 * time.Microsecond},
		},
		Body: []byte(`{"a":"raw DEL ` + "\x7f" + ` C1 ` + "\u009b" + `31m","b":"\u001b[31m"}`),
	}
}

func assertNoControls(t *testing.T, what, s string) {
	t.Helper()
	for i, r := range s {
		if r == '\n' || r == '\t' && strings.HasSuffix(what, "(piped table)") {
			continue
		}
		if r < 0x20 || r >= 0x7f && r <= 0x9f {
			t.Fatalf("%s holds control %U at %d: %q", what, r, i, s)
		}
	}
	if !strings.Contains(s, `\x1b`) {
		t.Fatalf("%s does not show the escaped ESC: %q", what, s)
	}
}

func TestRenderRequestBlockEscapes(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	got := renderRequestBlock(ios, hostileRequest(), "ts")
	assertNoControls(t, "block", got)
	for _, want := range []string{
		`POST /\x1b]0;PWNED\x07?q=\x1b[2J`,
		`device.\u009b31m`,
		`signature invalid: bad \x1b[31msig`,
		`http://localhost:3000/\x1b dial: \x1b]8;;x\x07`,
		`"raw DEL \x7f C1 \u009b31m"`,
		`"\u001b[31m"`, // the JSON escape is shown as written
	} {
		if !strings.Contains(got, want) {
			t.Errorf("block lacks %q:\n%s", want, got)
		}
	}
}

func TestPrettyBodyEscapes(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	ios.SetColour(true)
	st := ios.Styles()
	tests := []struct{ name, body, want string }{
		{"json with raw C1", "{\"a\":\"\u009b2J\"}", `\u009b2J`},
		{"text with lone CR", "safe\rEVIL\r\n", `safe\x0dEVIL` + "\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := prettyBody(st, false, []byte(tt.body))
			if !strings.Contains(got, tt.want) || strings.ContainsAny(strings.ReplaceAll(got, "\r\n", ""), "\x1b\r\u009b") {
				t.Errorf("prettyBody = %q, want %q and no controls", got, tt.want)
			}
			// With colour, the only ESC bytes are the style's own SGR codes.
			col := prettyBody(st, true, []byte(tt.body))
			if strings.Contains(strings.ReplaceAll(col, "\x1b[", ""), "\x1b") || strings.Contains(col, "\u009b") {
				t.Errorf("coloured prettyBody = %q holds foreign controls", col)
			}
		})
	}
}

func TestRenderCompactLine(t *testing.T) {
	at := time.Date(2026, 11, 23, 21, 54, 47, 0, time.Local)
	base := func() *model.ReceivedRequest {
		return &model.ReceivedRequest{ID: "req_1", ReceivedAt: at, Method: "POST", Path: "/webhooks", EventType: "device.enrolled", Status: 200}
	}
	tests := []struct {
		name string
		edit func(r *model.ReceivedRequest)
		want string
	}{
		{"unverified, answered", func(r *model.ReceivedRequest) {},
			"21:54:47 • device.enrolled POST /webhooks ← 200 req_1\n"},
		{"verified and forwarded", func(r *model.ReceivedRequest) {
			r.Verification = &model.Verification{OK: true, Scheme: "standard"}
			r.Forwards = []model.ForwardResult{{URL: "http://x", Status: 200, Latency: 1400 * time.Microsecond}}
		}, "21:54:47 ✓ device.enrolled POST /webhooks → 200 1.4ms req_1\n"},
		{"two routes, one failing", func(r *model.ReceivedRequest) {
			r.Forwards = []model.ForwardResult{
				{URL: "http://x", Route: "device.*", Status: 503, Latency: 2 * time.Millisecond},
				{URL: "http://y", Error: "connection refused", Latency: 300 * time.Microsecond},
			}
		}, "21:54:47 • device.enrolled POST /webhooks → [device.*] 503 2.0ms, error: connection refused 300µs req_1\n"},
		{"rejected", func(r *model.ReceivedRequest) {
			r.Verification = &model.Verification{Scheme: "standard", Message: "no match"}
			r.Status, r.Rejected = 401, "invalid_signature"
		}, "21:54:47 ✗ device.enrolled POST /webhooks ← 401 rejected: invalid signature req_1\n"},
		{"filtered, unknown event, query", func(r *model.ReceivedRequest) {
			r.EventType, r.Filtered, r.Query = "", true, "a=1"
		}, "21:54:47 • - POST /webhooks?a=1 ← 200 filtered req_1\n"},
		{"hostile text escaped", func(r *model.ReceivedRequest) {
			r.Path, r.EventType = "/\x1b]0;PWNED\x07", "x\u009b"
		}, `21:54:47 • x\u009b POST /\x1b]0;PWNED\x07 ← 200 req_1` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			r := base()
			tt.edit(r)
			if got := renderCompactLine(ios, r); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
	t.Run("colour only when enabled", func(t *testing.T) {
		ios, _, _, _ := iostreams.Test()
		ios.SetColour(true)
		got := renderCompactLine(ios, base())
		if !strings.Contains(got, "\x1b[") {
			t.Errorf("coloured line %q has no styles", got)
		}
	})
}

func TestListenFormatCompactFlag(t *testing.T) {
	if o, ok := cmdtest.ParseFlags(t, cmdtest.New(t, false), NewCmdListen, "--format compact", ""); ok && o.Format != listenCompact {
		t.Errorf("Format = %q", o.Format)
	}
	cmdtest.ParseFlags(t, cmdtest.New(t, false), NewCmdListen, "--format yaml", "use pretty, compact, json or raw")
}

func TestRequestsShowAndListEscape(t *testing.T) {
	env := cmdtest.New(t, false)
	req := hostileRequest()
	req.ReceivedAt = cmdtest.Now
	if err := env.Local.RecordRequests(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if err := requestsShowRun(context.Background(), &RequestsShowOptions{Factory: env.Factory, ID: req.ID}); err != nil {
		t.Fatal(err)
	}
	out := env.Out.String()
	assertNoControls(t, "requests show", out)
	for _, want := range []string{`POST /\x1b]0;PWNED\x07?q=\x1b[2J`, `X-Evil\x7f: v\x1b[5m`, `device.\u009b31m`} {
		if !strings.Contains(out, want) {
			t.Errorf("requests show lacks %q:\n%s", want, out)
		}
	}
	env.Out.Reset()
	if err := requestsListRun(context.Background(), &RequestsListOptions{Factory: env.Factory}); err != nil {
		t.Fatal(err)
	}
	assertNoControls(t, "requests list (piped table)", env.Out.String())

	// JSON stays exact: the decoded path is the original.
	env.Out.Reset()
	env.Factory.Globals.Output = "json"
	if err := requestsShowRun(context.Background(), &RequestsShowOptions{Factory: env.Factory, ID: req.ID}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(env.Out.String(), `"path": "/\u001b]0;PWNED\u0007"`) {
		t.Errorf("JSON path not exact:\n%s", env.Out.String())
	}
}

func TestDeliveryShowEscapes(t *testing.T) {
	env := cmdtest.New(t, false)
	d := &model.Delivery{
		ID: "dlv_1", EventType: "evt\x1b", URL: "http://x/\x1b]0;T\x07", RequestID: "r", State: model.DeliveryFailed,
		RequestHeaders: map[string]string{"X-A": "\x1b[2J"}, Payload: []byte(`{"a":"` + "\u009b" + `"}`),
		Attempts:  []model.DeliveryAttempt{{N: 1, StatusCode: 500, Error: "boom\x1b[31m", ResponseBody: "line1\n\x1b]0;PWNED\x07"}},
		CreatedAt: cmdtest.Now,
	}
	if err := printDelivery(env.Factory, d); err != nil {
		t.Fatal(err)
	}
	out := env.Out.String()
	assertNoControls(t, "deliveries show", out)
	for _, want := range []string{`URL         http://x/\x1b]0;T\x07`, `X-A: \x1b[2J`, `"a": "\u009b"`, `error: boom\x1b[31m`, `  | \x1b]0;PWNED\x07`} {
		if !strings.Contains(out, want) {
			t.Errorf("deliveries show lacks %q:\n%s", want, out)
		}
	}
}
