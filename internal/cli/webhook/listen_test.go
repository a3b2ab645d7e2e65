package webhook

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/cmdtest"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/model"
)

func TestListenFlags(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		check   func(t *testing.T, o *ListenOptions)
		wantErr string
	}{
		{name: "defaults", line: "", check: func(t *testing.T, o *ListenOptions) {
			if o.Host != "127.0.0.1" || o.Port != 8080 || o.Path != "/" || o.Format != "pretty" || o.MaxBody != 5<<20 ||
				o.ResponseStatus != 200 || o.ForwardTimeout != 30*time.Second || o.NoRecord {
				t.Errorf("got %+v", o)
			}
		}},
		{name: "everything", line: "--host 0.0.0.0 --port 0 --path hooks --secret a --secret b --scheme stripe --reject-invalid " +
			"--forward-to http://x/1 --forward-to https://y/2 --forward-header 'X-A: 1' --forward-timeout 2s --insecure " +
			"--events 'device.*,user.signed_in' --filter 'data.os==\"android\"' --format json --max-body 512KiB --require-json " +
			"--ts-field created --response-status 202 --exit-after 3 --timeout 1m --ready-file r --no-record",
			check: func(t *testing.T, o *ListenOptions) {
				if o.Host != "0.0.0.0" || o.Port != 0 || o.Path != "/hooks" || len(o.Secrets) != 2 || o.Scheme != "stripe" || !o.RejectInvalid ||
					len(o.ForwardTo) != 2 || o.ForwardHeaders.Get("X-A") != "1" || o.ForwardTimeout != 2*time.Second || !o.Insecure ||
					strings.Join(o.Events, "|") != "device.*|user.signed_in" || o.Filter != `data.os=="android"` || o.Format != "json" ||
					o.MaxBody != 512<<10 || !o.RequireJSON || o.TSField != "created" || o.ResponseStatus != 202 || o.ExitAfter != 3 ||
					o.Timeout != time.Minute || o.ReadyFile != "r" || !o.NoRecord {
					t.Errorf("got %+v", o)
				}
			}},
		{name: "bad format", line: "--format yaml", wantErr: "invalid --format"},
		{name: "bad port", line: "--port 70000", wantErr: "invalid --port"},
		{name: "bad forward", line: "--forward-to ftp://x", wantErr: "invalid --forward-to"},
		{name: "bad header", line: "--forward-header nocolon", wantErr: "invalid header"},
		{name: "bad size", line: "--max-body lots", wantErr: "invalid size"},
		{name: "bad scheme", line: "--scheme nope --secret s", wantErr: "nope"},
		{name: "scheme without secret", line: "--scheme github", wantErr: "needs a secret"},
		{name: "bad status", line: "--response-status 42", wantErr: "invalid --response-status"},
		{name: "negative exit-after", line: "--exit-after -1", wantErr: "must not be negative"},
		{name: "positional", line: "extra", wantErr: "too many arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, ok := cmdtest.ParseFlags(t, cmdtest.New(t, false), NewCmdListen, tt.line, tt.wantErr); ok {
				tt.check(t, got)
			}
		})
	}
}

func TestListenJSONFromGlobalOutput(t *testing.T) {
	env := cmdtest.New(t, false)
	env.Factory.Globals.Output = cmdutil.FormatJSON
	var got *ListenOptions
	cmd := NewCmdListen(env.Factory, func(_ context.Context, o *ListenOptions) error { got = o; return nil })
	if err := cmdtest.Exec(t, cmd, ""); err != nil {
		t.Fatal(err)
	}
	if got.Format != "json" {
		t.Errorf("format %q", got.Format)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"5MiB": 5 << 20, "512KiB": 512 << 10, "10MB": 10e6, "100": 100, "1.5 MiB": 3 << 19, "2k": 2048, "100B": 100} {
		got, err := cmdutil.ParseByteSize(in)
		if err != nil || got != want {
			t.Errorf("%s: got %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "-1MiB", "lots"} {
		if _, err := cmdutil.ParseByteSize(in); err == nil {
			t.Errorf("%q: want an error", in)
		}
	}
}

// TestListenRunExitAfter runs the real command on port 0 and sends it a
// request once the ready file appears.
func TestListenRunExitAfter(t *testing.T) {
	env := cmdtest.New(t, false)
	ready := filepath.Join(t.TempDir(), "ready")
	opts := &ListenOptions{Factory: env.Factory, Host: "127.0.0.1", Port: 0, Path: "/", Format: "pretty", MaxBody: 1 << 20,
		ResponseStatus: 200, ForwardTimeout: time.Second, ExitAfter: 1, ReadyFile: ready, Timeout: 20 * time.Second}
	done := make(chan error, 1)
	go func() { done <- listenRun(context.Background(), opts) }()
	url := waitReady(t, ready, done)
	resp, err := http.Post(url, "application/json", strings.NewReader(`{"type":"device.enrolled"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("listen did not exit after 1 request")
	}
	if !strings.Contains(env.Out.String(), "device.enrolled") || !strings.Contains(env.ErrOut.String(), "Ready! Listening on "+url) {
		t.Errorf("stdout:\n%s\nstderr:\n%s", env.Out, env.ErrOut)
	}
	reqs, err := env.Local.ListRequests(context.Background(), ListRequestsParamsAll())
	if err != nil || len(reqs) != 1 || reqs[0].EventType != "device.enrolled" {
		t.Fatalf("recorded %+v, %v", reqs, err)
	}
}

// waitReady polls the ready file (a ready signal, not a sleep for an effect).
func waitReady(t *testing.T, path string, done <-chan error) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
			return strings.TrimSpace(string(b))
		}
		select {
		case err := <-done:
			t.Fatalf("listen ended before ready: %v", err)
		case <-time.After(5 * time.Millisecond):
		}
	}
	t.Fatal("ready file never appeared")
	return ""
}

func TestPrettyBody(t *testing.T) {
	env := cmdtest.New(t, false)
	st := env.Factory.IOStreams.Styles()
	if got := prettyBody(st, false, []byte(`{"a":[1,2],"b":{"c":null}}`)); !strings.Contains(got, "\"b\": {\n    \"c\": null") {
		t.Errorf("json: %q", got)
	}
	if got := prettyBody(st, false, []byte{0, 1, 2, 0xff}); got != "(4 B binary)\n" {
		t.Errorf("binary: %q", got)
	}
	if got := prettyBody(st, false, []byte("a=1&b=2")); got != "a=1&b=2\n" {
		t.Errorf("text: %q", got)
	}
	env.Factory.IOStreams.SetColour(true)
	st = env.Factory.IOStreams.Styles()
	if got := prettyBody(st, true, []byte(`{"a":"x"}`)); !strings.Contains(got, "\x1b[") || !strings.Contains(got, `"a"`) {
		t.Errorf("colour: %q", got)
	}
}

func TestWriteRawRequest(t *testing.T) {
	var b strings.Builder
	r := &model.ReceivedRequest{Method: "POST", Host: "h:1", Path: "/p", Query: "a=1",
		Headers: http.Header{"X-B": {"2"}, "Content-Type": {"application/json"}}, Body: []byte("{}\n")}
	if err := WriteRawRequest(&b, r); err != nil {
		t.Fatal(err)
	}
	want := "POST /p?a=1 HTTP/1.1\r\nHost: h:1\r\nContent-Type: application/json\r\nX-B: 2\r\nContent-Length: 3\r\n\r\n{}\n"
	if b.String() != want {
		t.Errorf("got %q\nwant %q", b.String(), want)
	}
	// It parses back as the same request.
	req, err := http.ReadRequest(bufioReader(b.String()))
	if err != nil || req.Header.Get("X-B") != "2" || req.ContentLength != 3 || req.URL.RawQuery != "a=1" {
		t.Fatalf("%v %+v", err, req)
	}
}

// Relay mode takes its requests from the server's stream: it opens no
// socket, so a busy default port (8080) cannot stop it.
func TestListenRelayOpensNoSocket(t *testing.T) {
	env := cmdtest.New(t, false)
	dir := t.TempDir()
	env.Factory.Getenv = func(k string) string {
		switch k {
		case "HOOKCTL_API_KEY":
			return "hk_" + strings.Repeat("a", 52)
		case "HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "HOOKCTL_DATA_DIR":
			return dir
		}
		return ""
	}
	env.Factory.HTTPClient = func() *http.Client { return &http.Client{} }
	opts := &ListenOptions{Factory: env.Factory, Host: "127.0.0.1", Port: 8080, Path: "/", Format: "pretty", MaxBody: 1 << 20,
		ResponseStatus: 200, ForwardTimeout: time.Second, NoRecord: true, Timeout: 100 * time.Millisecond,
		Relay: "http://127.0.0.1:1", Source: "hks_test", SinceID: -1,
		Listen: func(context.Context, string) (net.Listener, error) {
			t.Error("relay mode opened a socket")
			return nil, errors.New("no socket in relay mode")
		}}
	if err := listenRun(context.Background(), opts); err != nil {
		t.Fatalf("listen --relay: %v\n%s", err, env.ErrOut)
	}
}
