package validate

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/shlex"
	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/cmdtest"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/rules"
	"github.com/hookctl/hookctl/internal/signature"
)

func runCmd(t *testing.T, cmd *cobra.Command, line string) error {
	t.Helper()
	args, err := shlex.Split(line)
	if err != nil {
		t.Fatal(err)
	}
	cmd.SetArgs(args)
	cmd.SetOut(&strings.Builder{})
	cmd.SetErr(&strings.Builder{})
	cmd.SetFlagErrorFunc(cmdutil.FlagErrorFunc)
	_, err = cmd.ExecuteC()
	return err
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestServeFlags(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "rules.yaml", testRules)
	broken := writeFile(t, dir, "broken.yaml", "config_types:\n  motion-control:\n    - path: speed.max\n      tpye: number\n")
	tests := []struct {
		name    string
		line    string
		check   func(t *testing.T, o *ServeOptions)
		wantErr string
	}{
		{name: "defaults", line: "--rules " + good + " --config whc_1", check: func(t *testing.T, o *ServeOptions) {
			if o.Host != "127.0.0.1" || o.Port != 8080 || o.Path != "/" || o.Format != formatPretty || o.AutoDeploy || o.ExitAfter != 0 ||
				o.Timeout != 0 || o.ConfigID != "whc_1" || o.Tunnel.Enabled || o.Rules == nil {
				t.Errorf("got %+v", o)
			}
			if got := o.Rules.ConfigTypes(); len(got) != 1 || got[0] != "motion-control" {
				t.Errorf("rules for %v", got)
			}
		}},
		{name: "everything", line: "--rules " + good + " --secret whsec_a --secret whsec_b --scheme standard --host 0.0.0.0 --port 0 --path hooks " +
			"--auto-deploy --ready-file r --exit-after 2 --timeout 1m --format json --tunnel --domain x.ngrok.app",
			check: func(t *testing.T, o *ServeOptions) {
				if o.Host != "0.0.0.0" || o.Port != 0 || o.Path != "/hooks" || len(o.Secrets) != 2 || o.Scheme != "standard" || !o.AutoDeploy ||
					o.ReadyFile != "r" || o.ExitAfter != 2 || o.Timeout != time.Minute || o.Format != formatJSON || !o.Tunnel.Enabled || o.Tunnel.Domain != "x.ngrok.app" {
					t.Errorf("got %+v", o)
				}
			}},
		{name: "json from -o json", line: "--rules " + good + " --config whc_1 -o json", check: func(t *testing.T, o *ServeOptions) {
			if o.Format != formatJSON {
				t.Errorf("format %q", o.Format)
			}
		}},
		{name: "malformed rules", line: "--rules " + broken + " --config whc_1", wantErr: broken + `:4: unknown check "tpye"`},
		{name: "missing rules file", line: "--rules " + filepath.Join(dir, "nope.yaml") + " --config whc_1", wantErr: "read rules file"},
		{name: "no rules", line: "--config whc_1", wantErr: "--rules is required"},
		{name: "no secret", line: "--rules " + good, wantErr: "pass --config"},
		{name: "secret and config", line: "--rules " + good + " --config whc_1 --secret s", wantErr: "either --secret or --config"},
		{name: "bad scheme", line: "--rules " + good + " --secret s --scheme nope", wantErr: `unknown scheme "nope"`},
		{name: "bad format", line: "--rules " + good + " --secret s --format raw", wantErr: "invalid --format"},
		{name: "bad port", line: "--rules " + good + " --secret s --port 70000", wantErr: "invalid --port"},
		{name: "negative exit-after", line: "--rules " + good + " --secret s --exit-after -1", wantErr: "must not be negative"},
		{name: "domain without tunnel", line: "--rules " + good + " --secret s --domain x.ngrok.app", wantErr: "need --tunnel"},
		{name: "positional", line: "--rules " + good + " --secret s extra", wantErr: "too many arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := cmdtest.New(t, false)
			root := &cobra.Command{Use: "hookctl"}
			root.PersistentFlags().StringVarP(&env.Factory.Globals.Output, "output", "o", cmdutil.FormatText, "")
			var got *ServeOptions
			cmd := NewCmdServe(env.Factory, func(_ context.Context, o *ServeOptions) error { got = o; return nil })
			root.AddCommand(cmd)
			err := runCmd(t, root, "serve "+tt.line)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, apperr.ErrUsage) {
					t.Fatalf("err = %v, want usage error containing %q", err, tt.wantErr)
				}
				if tt.name == "malformed rules" {
					var pe *rules.ParseError
					if !errors.As(err, &pe) || pe.Line != 4 {
						t.Errorf("ParseError = %+v", pe)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, got)
		})
	}
}

// blockingBackend holds approvals and rejections until release is closed.
type blockingBackend struct {
	backend.Backend
	deciding chan string // receives the id of each decision started
	release  chan struct{}
}

func (b *blockingBackend) ApproveConfigInstance(ctx context.Context, id string, req backend.ApproveConfigInstanceRequest) (*model.ConfigInstance, error) {
	b.deciding <- id
	<-b.release
	return b.Backend.ApproveConfigInstance(ctx, id, req)
}

// server runs serveRun in the background with a local socket on port 0.
type server struct {
	url  string
	done chan error
}

func startServer(t *testing.T, ctx context.Context, env *cmdtest.Env, secret string, edit func(*ServeOptions)) *server {
	t.Helper()
	opts := &ServeOptions{
		Factory: env.Factory, Rules: mustRules(t, testRules), Secrets: []string{secret},
		Host: "127.0.0.1", Port: 0, Path: "/", Format: formatPretty,
	}
	opts.Tunnel.Timeout = time.Second
	if edit != nil {
		edit(opts)
	}
	addrs := make(chan net.Addr, 1)
	opts.Listen = func(ctx context.Context, addr string) (net.Listener, error) {
		var lc net.ListenConfig
		ln, err := lc.Listen(ctx, "tcp", addr)
		if err == nil {
			addrs <- ln.Addr()
		}
		return ln, err
	}
	s := &server{done: make(chan error, 1)}
	go func() { s.done <- serveRun(ctx, opts) }()
	select {
	case a := <-addrs:
		s.url = "http://" + a.String() + "/"
	case err := <-s.done:
		t.Fatalf("serveRun: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not listen")
	}
	return s
}

func (s *server) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-s.done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("serveRun did not return")
		return nil
	}
}

func post(t *testing.T, url, secret string, body []byte) (int, string) {
	t.Helper()
	h, err := signature.Sign("standard", []signature.Secret{{Value: secret}}, body, signature.Options{})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// The sender is answered while the decision is still in progress; the
// server exits after --exit-after decisions.
func TestServeAnswersBeforeDeciding(t *testing.T) {
	env := cmdtest.New(t, false)
	be := &blockingBackend{Backend: env.Local, deciding: make(chan string, 1), release: make(chan struct{})}
	env.Factory.Backend = func() (backend.Backend, error) { return be, nil }
	ci := createInstance(t, env.Local, "motion-control", "dvc_1", "", `{"speed":{"max":5},"mode":"auto"}`)
	s := startServer(t, context.Background(), env, testSecret, func(o *ServeOptions) { o.ExitAfter = 1 })

	status, body := post(t, s.url, testSecret, model.ValidatedEvent(ci, time.Now()))
	if status != http.StatusOK || strings.TrimSpace(body) != `{"message":"ok"}` {
		t.Fatalf("answer %d %s", status, body)
	}
	select {
	case id := <-be.deciding:
		if id != ci.ID {
			t.Fatalf("deciding %s", id)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no decision started")
	}
	close(be.release)
	if err := s.wait(t); err != nil {
		t.Fatal(err)
	}
	if got := get(t, env.Local, ci.ID); got.Status != model.ConfigInstanceApproved {
		t.Errorf("status %s", got.Status)
	}
	out := env.Out.String()
	if !strings.HasPrefix(out, "✓ "+ci.ID+" approved (motion-control, dvc_1): all 2 rules for motion-control passed") {
		t.Errorf("stdout %q", out)
	}
	if e := env.ErrOut.String(); !strings.Contains(e, "Ready! Listening on "+s.url) || !strings.Contains(e, "Stopped validating: 1 approved, 0 rejected.") {
		t.Errorf("stderr %q", e)
	}
}

// Ctrl-C stops accepting webhooks but finishes the decision in progress.
func TestServeShutdownFinishesDecisions(t *testing.T) {
	env := cmdtest.New(t, false)
	be := &blockingBackend{Backend: env.Local, deciding: make(chan string, 1), release: make(chan struct{})}
	env.Factory.Backend = func() (backend.Backend, error) { return be, nil }
	ci := createInstance(t, env.Local, "motion-control", "dvc_1", "", `{"speed":{"max":5},"mode":"auto"}`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := startServer(t, ctx, env, testSecret, func(o *ServeOptions) { o.Format = formatJSON })

	if status, body := post(t, s.url, testSecret, model.ValidatedEvent(ci, time.Now())); status != http.StatusOK {
		t.Fatalf("answer %d %s", status, body)
	}
	<-be.deciding
	cancel()
	select {
	case err := <-s.done:
		t.Fatalf("serveRun returned (%v) with a decision in progress", err)
	default:
	}
	close(be.release)
	if err := s.wait(t); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled (exit 130)", err)
	}
	if got := get(t, env.Local, ci.ID); got.Status != model.ConfigInstanceApproved {
		t.Errorf("status %s", got.Status)
	}
	if out := env.Out.String(); !strings.HasPrefix(out, `{"time":`) || !strings.Contains(out, `"decision":"approved","config_instance_id":"`+ci.ID+`"`) {
		t.Errorf("stdout %q", out)
	}
}

// A bad signature is answered 401 and decides nothing.
func TestServeRejectsBadSignatures(t *testing.T) {
	env := cmdtest.New(t, false)
	ci := createInstance(t, env.Local, "motion-control", "dvc_1", "", `{"speed":{"max":5},"mode":"auto"}`)
	s := startServer(t, context.Background(), env, testSecret, func(o *ServeOptions) { o.Timeout = 50 * time.Millisecond })
	status, body := post(t, s.url, "whsec_"+strings.Repeat("A", 32), model.ValidatedEvent(ci, time.Now()))
	if status != http.StatusUnauthorized || !strings.Contains(body, "invalid signature") {
		t.Fatalf("answer %d %s", status, body)
	}
	if err := s.wait(t); err != nil {
		t.Fatal(err)
	}
	if got := get(t, env.Local, ci.ID); got.Status != model.ConfigInstanceValidating {
		t.Errorf("status %s", got.Status)
	}
	if out := env.Out.String(); out != "" {
		t.Errorf("stdout %q", out)
	}
	if e := env.ErrOut.String(); !strings.Contains(e, "POST / answered 401, nothing decided: invalid signature") ||
		!strings.Contains(e, "1 request refused") {
		t.Errorf("stderr %q", e)
	}
}

func TestServeTimeoutExpectation(t *testing.T) {
	env := cmdtest.New(t, false)
	s := startServer(t, context.Background(), env, testSecret, func(o *ServeOptions) { o.ExitAfter = 1; o.Timeout = 20 * time.Millisecond })
	err := s.wait(t)
	if !errors.Is(err, apperr.ErrExpectation) || err.Error() != "made 0 of 1 decisions within 20ms (--timeout)" {
		t.Fatalf("err = %v", err)
	}
}

func TestServeWarnsAboutTheConfig(t *testing.T) {
	env := cmdtest.New(t, false)
	c, err := env.Local.CreateWebhookConfig(context.Background(), backend.CreateWebhookConfigParams{URL: "http://127.0.0.1:9/", Events: []string{"device.*"}})
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t, context.Background(), env, "", func(o *ServeOptions) {
		o.Secrets, o.ConfigID, o.Timeout = nil, c.ID, 10*time.Millisecond
	})
	if err := s.wait(t); err != nil {
		t.Fatal(err)
	}
	if e := env.ErrOut.String(); !strings.Contains(e, c.ID+" is not subscribed to config_instance.target_status.validated") ||
		!strings.Contains(e, "Verifying  standard, 1 secret of "+c.ID) {
		t.Errorf("stderr %q", e)
	}
}
