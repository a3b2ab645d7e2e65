package webhook

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/cmdtest"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/signature"
)

func bufioReader(s string) *bufio.Reader { return bufio.NewReader(strings.NewReader(s)) }

// ListRequestsParamsAll lists everything.
func ListRequestsParamsAll() backend.ListRequestsParams { return backend.ListRequestsParams{} }

func TestReplayFlags(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		wantErr string
	}{
		{name: "plain", line: "req_1"},
		{name: "resign with secret", line: "req_1 --resign --secret s --set a=1 --to http://x/"},
		{name: "edit needs resign", line: "req_1 --edit", wantErr: "add --resign"},
		{name: "set needs resign", line: "req_1 --set a=1", wantErr: "add --resign"},
		{name: "resign needs secret", line: "req_1 --resign", wantErr: "--resign needs a secret"},
		{name: "secret needs resign", line: "req_1 --secret s", wantErr: "add --resign"},
		{name: "bad to", line: "req_1 --to nope", wantErr: "invalid --to"},
		{name: "no id", line: "", wantErr: "missing request ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, ok := cmdtest.ParseFlags(t, cmdtest.New(t, false), NewCmdReplay, tt.line, tt.wantErr); ok && got.ID != "req_1" {
				t.Fatalf("opts %+v", got)
			}
		})
	}
}

func TestRequestsListFlags(t *testing.T) {
	env := cmdtest.New(t, false)
	var got *RequestsListOptions
	cmd := NewCmdRequestsList(env.Factory, func(_ context.Context, o *RequestsListOptions) error { got = o; return nil })
	if err := cmdtest.Exec(t, cmd, "--since 1h --event 'device.*' --failed --limit 5"); err != nil {
		t.Fatal(err)
	}
	p := got.Params
	if !p.Since.Equal(cmdtest.Now.Add(-time.Hour)) || p.Event != "device.*" || !p.Failed || p.Limit != 5 {
		t.Errorf("params %+v", p)
	}
}

// receiver records what it got.
type receiver struct {
	mu     sync.Mutex
	header http.Header
	body   []byte
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.header, r.body = req.Header.Clone(), b
	r.mu.Unlock()
	w.WriteHeader(202)
	io.WriteString(w, `{"received":true}`)
}

// TestReplayResignVerifies: a recorded Standard Webhooks request, edited
// with --set and re-signed, verifies at the target with a fresh timestamp,
// and the old signature headers are gone.
func TestReplayResignVerifies(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	rcv := &receiver{}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	env := cmdtest.New(t, false)
	ctx := context.Background()
	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	body := []byte(`{"type":"device.enrolled","data":{"n":1}}`)
	h, err := signature.Sign("standard", []signature.Secret{{Value: secret}}, body, signature.Options{Now: old, ID: "msg_1", HeaderSet: "svix"})
	if err != nil {
		t.Fatal(err)
	}
	h.Set("Content-Type", "application/json")
	h.Set("X-Hub-Signature-256", "sha256=stale") // another scheme's leftover is dropped too
	rec := &model.ReceivedRequest{ID: "req_test1", ReceivedAt: old, Method: "POST", Path: "/", Headers: h, Body: body,
		Verification: &model.Verification{OK: true, Scheme: "standard"}, Forwards: []model.ForwardResult{{URL: srv.URL + "/orig", Status: 200}}, Status: 200}
	if err := env.Local.RecordRequests(ctx, rec); err != nil {
		t.Fatal(err)
	}
	opts := &ReplayOptions{Factory: env.Factory, ID: "req_test1", Resign: true, Secrets: []string{secret}, Sets: []string{"data.n=2"}, Timeout: 10 * time.Second}
	if err := replayRun(ctx, opts); err != nil {
		t.Fatal(err)
	}
	if string(rcv.body) != `{"type":"device.enrolled","data":{"n":2}}` {
		t.Errorf("body %s", rcv.body)
	}
	if rcv.header.Get("X-Hub-Signature-256") != "" || rcv.header.Get("Svix-Signature") == "" || rcv.header.Get("Svix-Id") != "msg_1" {
		t.Errorf("headers %v", rcv.header)
	}
	res := signature.Verify("standard", []signature.Secret{{Value: secret}}, rcv.header, rcv.body, signature.Options{Now: cmdtest.Now})
	if !res.OK {
		t.Fatalf("replayed signature does not verify: %v", res.Err)
	}
	if !strings.Contains(env.Out.String(), "202 Accepted") || !strings.Contains(env.Out.String(), `"received": true`) {
		t.Errorf("stdout %q", env.Out)
	}

	// --edit goes through the editor hook.
	opts = &ReplayOptions{Factory: env.Factory, ID: "req_test1", Resign: true, Secrets: []string{secret}, Edit: true, Timeout: 10 * time.Second,
		To: srv.URL, EditFile: func(path string) error { return os.WriteFile(path, []byte(`{"edited":true}`), 0o600) }}
	if err := replayRun(ctx, opts); err != nil {
		t.Fatal(err)
	}
	if string(rcv.body) != `{"edited":true}` {
		t.Errorf("edited body %s", rcv.body)
	}
	if !signature.Verify("standard", []signature.Secret{{Value: secret}}, rcv.header, rcv.body, signature.Options{Now: cmdtest.Now}).OK {
		t.Error("edited replay does not verify")
	}
}
