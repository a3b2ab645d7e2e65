package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	keys "github.com/hookctl/hookctl/internal/apikey"
	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/cmdtest"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/ids"
	"github.com/hookctl/hookctl/internal/iostreams"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/server/servertest"
	"github.com/hookctl/hookctl/internal/store"
)

// TestCompletionCommand runs `hookctl completion …` through Run, as a user would.
func TestCompletionCommand(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string // substring of stdout
		wantErr  string // substring of stderr
	}{
		{name: "bash", args: []string{"completion", "bash"}, wantCode: ExitOK, wantOut: "# bash completion V2 for hookctl"},
		{name: "zsh", args: []string{"completion", "zsh"}, wantCode: ExitOK, wantOut: "#compdef hookctl"},
		{name: "fish", args: []string{"completion", "fish"}, wantCode: ExitOK, wantOut: "complete -c hookctl"},
		{name: "powershell", args: []string{"completion", "powershell"}, wantCode: ExitOK, wantOut: "Register-ArgumentCompleter"},
		{name: "no descriptions", args: []string{"completion", "fish", "--no-descriptions"}, wantCode: ExitOK, wantOut: "__hookctl_perform_completion"},
		{name: "bare shows help", args: []string{"completion"}, wantCode: ExitOK, wantOut: "hookctl completion bash > ~/.local/share/bash-completion/completions/hookctl"},
		{name: "unknown shell", args: []string{"completion", "bogus"}, wantCode: ExitUsage, wantErr: `unknown shell "bogus": choose one of bash, zsh, fish, powershell`},
		{name: "extra argument", args: []string{"completion", "bash", "extra"}, wantCode: ExitUsage, wantErr: "too many arguments"},
		{name: "unknown flag", args: []string{"completion", "zsh", "--nope"}, wantCode: ExitUsage, wantErr: "unknown flag: --nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			code := Run(context.Background(), tt.args, ios, func(string) string { return "" })
			if code != tt.wantCode {
				t.Fatalf("exit code = %d, want %d; stderr: %s", code, tt.wantCode, errOut)
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("stdout does not contain %q:\n%s", tt.wantOut, out)
			}
			if !strings.Contains(errOut.String(), tt.wantErr) {
				t.Errorf("stderr does not contain %q:\n%s", tt.wantErr, errOut)
			}
		})
	}
}

// TestCompletionUnknownShellIsUsageError checks the error kind, not only the code.
func TestCompletionUnknownShellIsUsageError(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	root := NewCmdRoot(inertFactory())
	root.SetArgs([]string{"completion", "bogus"})
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)
	err := root.Execute()
	if !errors.Is(err, apperr.ErrUsage) {
		t.Fatalf("err = %v, want an apperr.ErrUsage", err)
	}
	if ExitCode(err) != ExitUsage {
		t.Fatalf("ExitCode = %d, want %d", ExitCode(err), ExitUsage)
	}
	if err := GenCompletion(root, "bogus", true, &bytes.Buffer{}); !errors.Is(err, apperr.ErrUsage) {
		t.Fatalf("GenCompletion(bogus) = %v, want an apperr.ErrUsage", err)
	}
}

// TestCompletionInTree: the command exists in the tree NewCmdRoot returns
// (cobra's default one would only appear during Execute).
func TestCompletionInTree(t *testing.T) {
	root := NewCmdRoot(inertFactory())
	cmd, _, err := root.Find([]string{"completion"})
	if err != nil || cmd.Name() != "completion" {
		t.Fatalf("completion command not found: %v", err)
	}
	var shells []string
	for _, c := range cmd.Commands() {
		shells = append(shells, c.Name())
		if c.Long == "" || c.Example == "" {
			t.Errorf("completion %s needs a Long and an Example", c.Name())
		}
	}
	sort.Strings(shells)
	if got := strings.Join(shells, " "); got != "bash fish powershell zsh" {
		t.Errorf("shells = %s", got)
	}
	if cmd.Long == "" || cmd.Example == "" {
		t.Error("completion needs a Long and an Example")
	}
}

// completeLine runs `hookctl __complete args…` on a tree bound to f, as the
// shell scripts do, and returns the candidates (the directive line apart)
// and the directive.
func completeLine(t *testing.T, f *cmdutil.Factory, args ...string) (cands []string, directive string) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := NewCmdRoot(f)
	root.SetArgs(append([]string{cobra.ShellCompRequestCmd}, args...))
	root.SetOut(&out)
	root.SetErr(&errOut)
	if err := root.Execute(); err != nil {
		t.Fatalf("__complete %q: %v", args, err)
	}
	// cobra's own debugging line apart, nothing on stderr (no error text).
	if rest := regexp.MustCompile(`(?m)^Completion ended with directive: .*\n`).ReplaceAllString(errOut.String(), ""); rest != "" {
		t.Errorf("__complete %q wrote to stderr: %q", args, rest)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	return lines[:len(lines)-1], lines[len(lines)-1]
}

const noFileComp = ":4" // cobra.ShellCompDirectiveNoFileComp

// seedStore fills env's store with two configs, a delivery, a received
// request and a config instance; it returns their ids.
func seedStore(t *testing.T, env *cmdtest.Env) (whcA, whcB, dlv, req, ci string) {
	t.Helper()
	ctx := context.Background()
	a, err := env.Local.CreateWebhookConfig(ctx, backend.CreateWebhookConfigParams{URL: "https://a.example/hooks", Description: "staging\tapp"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := env.Local.CreateWebhookConfig(ctx, backend.CreateWebhookConfigParams{URL: "https://b.example/hooks", Disabled: true})
	if err != nil {
		t.Fatal(err)
	}
	at := cmdtest.Now
	d := &model.Delivery{ID: ids.New(ids.Delivery), RequestID: "msg_1", EventType: "device.enrolled", URL: a.URL, ConfigID: a.ID,
		RequestHeaders: map[string]string{}, Payload: []byte(`{}`), State: model.DeliveryFailed, StatusCode: 503, AttemptCount: 1,
		CreatedAt: at, UpdatedAt: at, Attempts: []model.DeliveryAttempt{{N: 1, StartedAt: at, StatusCode: 503}}}
	if err := env.Local.SaveDeliveries(ctx, []*model.Delivery{d}); err != nil {
		t.Fatal(err)
	}
	r := &model.ReceivedRequest{ID: ids.New(ids.Request), ReceivedAt: at, Method: "POST", Path: "/hooks", Headers: http.Header{},
		Body: []byte(`{}`), EventType: "device.locked", Status: 200}
	if err := env.Local.RecordRequests(ctx, r); err != nil {
		t.Fatal(err)
	}
	inst, err := env.Local.CreateConfigInstance(ctx, backend.CreateConfigInstanceParams{ConfigTypeID: "cfg_type_motion", DeviceID: "dev_42",
		Content: json.RawMessage(`{"max_speed": 2}`)})
	if err != nil {
		t.Fatal(err)
	}
	return a.ID, b.ID, d.ID, r.ID, inst.ID
}

// TestCompleteIDs: every argument and flag that takes an id completes the
// ids of the local store, with descriptions, filtered by what was typed.
func TestCompleteIDs(t *testing.T) {
	env := cmdtest.New(t, false)
	whcA, whcB, dlv, req, ci := seedStore(t, env)
	keyDir := t.TempDir()
	s, err := store.Open(context.Background(), keyDir)
	if err != nil {
		t.Fatal(err)
	}
	_, key, err := keys.Create(context.Background(), s, "ci", keys.DefaultTenant, cmdtest.Now)
	s.Close()
	if err != nil {
		t.Fatal(err)
	}

	configs := []string{whcA + "\thttps://a.example/hooks · staging app", whcB + "\thttps://b.example/hooks · disabled"}
	tests := []struct {
		name string
		args []string
		want []string // exactly these candidates, in order
	}{
		{"wc get", []string{"webhook-config", "get", ""}, configs},
		{"wc get by alias", []string{"wc", "get", ""}, configs},
		{"wc update", []string{"webhook-config", "update", ""}, configs},
		{"wc delete", []string{"webhook-config", "delete", ""}, configs},
		{"wc rotate-secret", []string{"webhook-config", "rotate-secret", ""}, configs},
		{"filtered by prefix", []string{"webhook-config", "get", whcB[:len(whcB)-1]}, configs[1:]},
		{"no match", []string{"webhook-config", "get", "whc_zzz"}, nil},
		{"not a second argument", []string{"webhook-config", "get", whcA, ""}, nil},
		{"send --config", []string{"webhook", "send", "--config", ""}, configs},
		{"send --config=", []string{"webhook", "send", "--config=" + whcA[:len(whcA)-1]}, configs[:1]},
		{"listen --config", []string{"webhook", "listen", "--config", ""}, configs},
		{"sign --config", []string{"webhook", "sign", "--config", ""}, configs},
		{"verify --config", []string{"webhook", "verify", "--config", ""}, configs},
		{"replay --config", []string{"webhook", "replay", req, "--config", ""}, configs},
		{"deliveries list --config", []string{"webhook", "deliveries", "list", "--config", ""}, configs},
		{"validate serve --config", []string{"validate", "serve", "--config", ""}, configs},
		{"deliveries show", []string{"webhook", "deliveries", "show", ""}, []string{dlv + "\tdevice.enrolled · failed 503 · https://a.example/hooks"}},
		{"deliveries resend", []string{"webhook", "deliveries", "resend", "dlv_"}, []string{dlv + "\tdevice.enrolled · failed 503 · https://a.example/hooks"}},
		{"requests show", []string{"webhook", "requests", "show", ""}, []string{req + "\tPOST /hooks · device.locked · 200"}},
		{"replay", []string{"webhook", "replay", "req_"}, []string{req + "\tPOST /hooks · device.locked · 200"}},
		{"ci get", []string{"config-instance", "get", ""}, []string{ci + "\tvalidating · cfg_type_motion · dev_42"}},
		{"ci approve", []string{"config-instance", "approve", ""}, []string{ci + "\tvalidating · cfg_type_motion · dev_42"}},
		{"ci reject", []string{"config-instance", "reject", ""}, []string{ci + "\tvalidating · cfg_type_motion · dev_42"}},
		{"ci deploy", []string{"config-instance", "deploy", ""}, []string{ci + "\tvalidating · cfg_type_motion · dev_42"}},
		{"ci review", []string{"config-instance", "review", "cfg_inst_"}, []string{ci + "\tvalidating · cfg_type_motion · dev_42"}},
		{"api-key revoke", []string{"api-key", "revoke", "--data-dir", keyDir, ""}, []string{key.ID + "\tci"}},
		{"sources need a server: nothing", []string{"source", "get", ""}, nil},
		{"listen --source without a server: nothing", []string{"webhook", "listen", "--source", ""}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, directive := completeLine(t, env.Factory, tt.args...)
			if directive != noFileComp {
				t.Errorf("directive = %s, want %s (no file names)", directive, noFileComp)
			}
			want := slices.Clone(tt.want)
			slices.Sort(got) // the shells sort
			slices.Sort(want)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("candidates:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// TestCompleteIDsRemote: in remote mode the server lists; when it cannot
// be reached nothing is offered and nothing printed.
func TestCompleteIDsRemote(t *testing.T) {
	ctx := context.Background()
	in, err := servertest.Start(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	remote := in.Remote()
	t.Cleanup(func() { remote.Close(); in.Close() })
	c, err := remote.CreateWebhookConfig(ctx, backend.CreateWebhookConfigParams{URL: "https://remote.example/hooks"})
	if err != nil {
		t.Fatal(err)
	}
	src, err := remote.UpsertSource(ctx, backend.UpsertSourceParams{Datasource: "github", Event: "push"})
	if err != nil {
		t.Fatal(err)
	}
	env := cmdtest.New(t, false)
	env.UseRemote(remote)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"webhook-config", "get", ""}, c.ID + "\thttps://remote.example/hooks"},
		{[]string{"webhook", "send", "--config", "whc_"}, c.ID + "\thttps://remote.example/hooks"},
		{[]string{"source", "get", ""}, src.Token + "\tgithub push"},
		{[]string{"source", "delete", "hks_"}, src.Token + "\tgithub push"},
		{[]string{"webhook", "listen", "--source", ""}, src.Token + "\tgithub push"},
	} {
		got, _ := completeLine(t, env.Factory, tt.args...)
		if strings.Join(got, "\n") != tt.want {
			t.Errorf("%q: %q, want %q", tt.args, got, tt.want)
		}
	}

	// A server that is gone, a backend that does not open: nothing, quietly.
	down, err := backend.NewRemote("http://127.0.0.1:1", "hk_test", &http.Client{})
	if err != nil {
		t.Fatal(err)
	}
	env.UseRemote(down)
	broken := cmdtest.New(t, false)
	broken.Factory.Backend = func() (backend.Backend, error) { return nil, errors.New("cannot open") }
	for _, f := range []*cmdutil.Factory{env.Factory, broken.Factory} {
		for _, args := range [][]string{{"webhook-config", "get", ""}, {"webhook", "deliveries", "show", ""}, {"webhook", "requests", "show", ""},
			{"config-instance", "get", ""}, {"source", "get", ""}, {"webhook", "send", "--config", ""}} {
			got, directive := completeLine(t, f, args...)
			if len(got) > 0 || directive != noFileComp {
				t.Errorf("%q on a failing backend: %q %s, want nothing", args, got, directive)
			}
		}
	}
}

// TestCompleteEventTypes: event types complete wherever one is taken, from
// the catalogue (user templates included); pattern flags also offer
// "group.*" and a comma-separated list completes its last element.
func TestCompleteEventTypes(t *testing.T) {
	env := cmdtest.New(t, false)
	tmpl := t.TempDir()
	if err := os.WriteFile(filepath.Join(tmpl, "zz.json"), []byte(`{"type":"zz.custom","provider":"me","description":"Mine","payload":{}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		want    []string // among the candidates
		notWant []string
	}{
		{"send TYPE", []string{"webhook", "send", "device.enr"}, []string{"device.enrolled\tA device finished enrollment and received its device profile"}, []string{"device.*"}},
		{"send TYPE with --template-dir", []string{"webhook", "send", "--template-dir", tmpl, "zz"}, []string{"zz.custom\tMine"}, nil},
		{"send second argument", []string{"webhook", "send", "device.enrolled", "dev"}, nil, []string{"device.enrolled"}},
		{"events show", []string{"events", "show", "device.lo"}, []string{"device.locked", "device.lost"}, nil},
		{"wc create --event", []string{"webhook-config", "create", "--event", "device."}, []string{"device.*\tevery device event", "device.enrolled"}, nil},
		{"wc create --event *", []string{"webhook-config", "create", "--event", ""}, []string{"*\tevery event type"}, nil},
		{"wc update --add-event", []string{"webhook-config", "update", "x", "--add-event", "device.enr"}, []string{"device.enrolled"}, nil},
		{"wc update --remove-event", []string{"webhook-config", "update", "x", "--remove-event", "device.enr"}, []string{"device.enrolled"}, nil},
		{"wc list --event: a type", []string{"webhook-config", "list", "--event", "device."}, []string{"device.enrolled"}, []string{"device.*"}},
		{"deliveries list --event", []string{"webhook", "deliveries", "list", "--event", "device.enr"}, []string{"device.enrolled"}, nil},
		{"requests list --event", []string{"webhook", "requests", "list", "--event", "device.enr"}, []string{"device.enrolled"}, nil},
		{"listen --events list", []string{"webhook", "listen", "--events", "device.enrolled,device.unen"}, []string{"device.enrolled,device.unenrolled"}, []string{"device.enrolled,device.enrolled"}},
		{"source create --event is no catalogue type", []string{"source", "create", "--event", "device."}, nil, []string{"device.enrolled"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, directive := completeLine(t, env.Factory, tt.args...)
			if directive != noFileComp && !strings.HasPrefix(tt.name, "source create") {
				t.Errorf("directive = %s", directive)
			}
			names := map[string]bool{}
			for _, g := range got {
				names[g] = true
				name, _, _ := strings.Cut(g, "\t")
				names[name] = true
			}
			for _, w := range tt.want {
				if !names[w] {
					t.Errorf("missing %q in:\n%s", w, strings.Join(got, "\n"))
				}
			}
			for _, w := range tt.notWant {
				if names[w] {
					t.Errorf("unexpected %q in:\n%s", w, strings.Join(got, "\n"))
				}
			}
		})
	}
}

// TestEveryIDTakerCompletes: a command whose argument is an id or an event
// type, or that has a --config/--source/--event… flag, completes it; the
// table in complete.go names only commands that exist.
func TestEveryIDTakerCompletes(t *testing.T) {
	root := NewCmdRoot(inertFactory())
	seen := map[string]bool{}
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		path := relPath(c)
		seen[path] = true
		if fields := strings.Fields(c.Use); len(fields) > 1 {
			arg := strings.Trim(fields[1], "[]")
			if (arg == "ID" || arg == "TOKEN" || arg == "TYPE") && c.ValidArgsFunction == nil {
				t.Errorf("%q takes %s but does not complete it", path, arg)
			}
		}
		for name := range flagCompletions {
			if c.LocalNonPersistentFlags().Lookup(name) == nil {
				continue
			}
			if fn, ok := flagExceptions[path+" --"+name]; ok && fn == nil {
				continue
			}
			if _, ok := c.GetFlagCompletionFunc(name); !ok {
				t.Errorf("%q --%s does not complete", path, name)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	for path := range argCompletions {
		if !seen[path] {
			t.Errorf("argCompletions names %q: no such command", path)
		}
	}
	for key := range flagExceptions {
		if path, _, _ := strings.Cut(key, " --"); !seen[path] {
			t.Errorf("flagExceptions names %q: no such command", key)
		}
	}
}

// TestSuggestions: a mistyped command or subcommand is a usage error with
// cobra's "Did you mean this?", also when flags follow it.
func TestSuggestions(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr []string
		notErr  string
	}{
		{"root", []string{"webhok-config", "list"}, []string{`unknown command "webhok-config" for "hookctl"`, "Did you mean this?\n\twebhook-config\n"}, ""},
		{"subcommand", []string{"webhook", "lisen"}, []string{`unknown command "lisen" for "hookctl webhook"`, "Did you mean this?\n\tlisten\n"}, ""},
		{"nested group", []string{"webhook", "deliveries", "shwo", "dlv_1"}, []string{`unknown command "shwo" for "hookctl webhook deliveries"`, "\tshow\n"}, ""},
		{"with flags after it", []string{"wc", "creat", "--url", "https://example.com/h"}, []string{`unknown command "creat" for "hookctl webhook-config"`, "Did you mean this?\n\tcreate\n"}, "unknown flag"},
		{"root with flags after it", []string{"webhok-config", "create", "--url", "https://example.com/h"}, []string{"\twebhook-config\n"}, "unknown flag"},
		{"nothing close", []string{"webhook", "zzzzzz"}, []string{`unknown command "zzzzzz" for "hookctl webhook" (run "hookctl webhook --help")`}, "Did you mean"},
		{"an unknown flag of a group stays one", []string{"webhook-config", "--bogus"}, []string{"unknown flag: --bogus"}, "unknown command"},
		{"an unknown flag of a command stays one", []string{"webhook-config", "list", "--bogus"}, []string{"unknown flag: --bogus"}, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, errOut := iostreams.Test()
			code := Run(context.Background(), tt.args, ios, func(string) string { return "" })
			if code != ExitUsage {
				t.Errorf("exit code = %d, want %d", code, ExitUsage)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(errOut.String(), w) {
					t.Errorf("stderr does not contain %q:\n%s", w, errOut)
				}
			}
			if tt.notErr != "" && strings.Contains(errOut.String(), tt.notErr) {
				t.Errorf("stderr contains %q:\n%s", tt.notErr, errOut)
			}
		})
	}
}
