package configinstance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/iostreams"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/prompt"
	"github.com/hookctl/hookctl/internal/store"
)

type testEnv struct {
	f        *cmdutil.Factory
	be       *backend.Local
	in       *bytes.Buffer
	out, err *bytes.Buffer
}

// newTestEnv builds a factory over a temp store; tty marks the streams as
// terminals, p answers the prompts.
func newTestEnv(t *testing.T, tty bool, p prompt.Prompter) *testEnv {
	t.Helper()
	s, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	be := backend.NewLocal(s, nil)
	t.Cleanup(func() { be.Close() })
	ios, in, out, errOut := iostreams.Test()
	ios.SetTTY(tty)
	f := &cmdutil.Factory{
		IOStreams:  ios,
		Prompter:   func() prompt.Prompter { return p },
		Backend:    func() (backend.Backend, error) { return be, nil },
		HTTPClient: func() *http.Client { return http.DefaultClient },
		Now:        time.Now,
		Getenv:     func(string) string { return "" },
		Globals:    &cmdutil.Globals{Output: cmdutil.FormatText},
	}
	return &testEnv{f: f, be: be, in: in, out: out, err: errOut}
}

func (e *testEnv) create(t *testing.T, device, path, content string) *model.ConfigInstance {
	t.Helper()
	ci, err := e.be.CreateConfigInstance(context.Background(), backend.CreateConfigInstanceParams{
		ConfigTypeID: "cfg_type_1", DeviceID: device, RelativeFilepath: path, Content: json.RawMessage(content)})
	if err != nil {
		t.Fatal(err)
	}
	return ci
}

func (e *testEnv) get(t *testing.T, id string) *model.ConfigInstance {
	t.Helper()
	ci, err := e.be.GetConfigInstance(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return ci
}

func execute(cmd *cobra.Command, args ...string) error {
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	return cmd.ExecuteContext(context.Background())
}

// TestFlagParsing checks every verb's flags and argument rules through runF.
func TestFlagParsing(t *testing.T) {
	tests := []struct {
		name    string
		tty     bool
		args    []string
		build   func(f *cmdutil.Factory, got *any) *cobra.Command
		want    any
		wantErr string
	}{
		{
			name: "create", args: []string{"--config-type", "T", "--device", "D", "--file", "c.json", "--path", "/v1/x.json", "--schema", "S"},
			build: func(f *cmdutil.Factory, got *any) *cobra.Command {
				return NewCmdCreate(f, func(_ context.Context, o *CreateOptions) error {
					*got = [5]string{o.Params.ConfigTypeID, o.Params.DeviceID, o.File, o.Params.RelativeFilepath, o.Params.ConfigSchemaID}
					return nil
				})
			},
			want: [5]string{"T", "D", "c.json", "/v1/x.json", "S"},
		},
		{
			name: "create without file", args: []string{"--config-type", "T", "--device", "D"},
			build: func(f *cmdutil.Factory, got *any) *cobra.Command {
				return NewCmdCreate(f, func(context.Context, *CreateOptions) error { return nil })
			},
			wantErr: "--file is required",
		},
		{
			name: "list filters", args: []string{"--status", "deployed", "--device", "D"},
			build: func(f *cmdutil.Factory, got *any) *cobra.Command {
				return NewCmdList(f, func(_ context.Context, o *ListOptions) error { *got = o.Params; return nil })
			},
			want: backend.ListConfigInstancesParams{Status: "deployed", DeviceID: "D"},
		},
		{
			name: "list bad status", args: []string{"--status", "done"},
			build: func(f *cmdutil.Factory, got *any) *cobra.Command {
				return NewCmdList(f, func(context.Context, *ListOptions) error { return nil })
			},
			wantErr: `invalid --status "done"`,
		},
		{
			name: "get needs id", args: nil,
			build: func(f *cmdutil.Factory, got *any) *cobra.Command {
				return NewCmdGet(f, func(context.Context, *GetOptions) error { return nil })
			},
			wantErr: "missing config instance ID",
		},
		{
			name: "approve", args: []string{"cfg_inst_1", "--message", "fine"},
			build: func(f *cmdutil.Factory, got *any) *cobra.Command {
				return NewCmdApprove(f, func(_ context.Context, o *ApproveOptions) error { *got = [2]string{o.ID, o.Message}; return nil })
			},
			want: [2]string{"cfg_inst_1", "fine"},
		},
		{
			name: "approve without message piped", args: []string{"cfg_inst_1"},
			build: func(f *cmdutil.Factory, got *any) *cobra.Command {
				return NewCmdApprove(f, func(context.Context, *ApproveOptions) error { return nil })
			},
			wantErr: "pass --message (no terminal to ask on)",
		},
		{
			name: "approve without message on a terminal", tty: true, args: []string{"cfg_inst_1"},
			build: func(f *cmdutil.Factory, got *any) *cobra.Command {
				return NewCmdApprove(f, func(_ context.Context, o *ApproveOptions) error { *got = [2]string{o.ID, o.Message}; return nil })
			},
			want: [2]string{"cfg_inst_1", ""},
		},
		{
			name: "reject", args: []string{"cfg_inst_1", "-m", "no", "--error", "a.b=too big", "-e", `x\.y.0=bad = wrong`},
			build: func(f *cmdutil.Factory, got *any) *cobra.Command {
				return NewCmdReject(f, func(_ context.Context, o *RejectOptions) error { *got = o.Errors; return nil })
			},
			want: []model.ParameterError{{ParameterPath: []string{"a", "b"}, Message: "too big"}, {ParameterPath: []string{"x.y", "0"}, Message: "bad = wrong"}},
		},
		{
			name: "reject bad error flag", args: []string{"cfg_inst_1", "-m", "no", "--error", "a.b"},
			build: func(f *cmdutil.Factory, got *any) *cobra.Command {
				return NewCmdReject(f, func(context.Context, *RejectOptions) error { return nil })
			},
			wantErr: `invalid --error "a.b"`,
		},
		{
			name: "reject without errors piped", args: []string{"cfg_inst_1", "-m", "no"},
			build: func(f *cmdutil.Factory, got *any) *cobra.Command {
				return NewCmdReject(f, func(context.Context, *RejectOptions) error { return nil })
			},
			wantErr: "pass --error 'path=message'",
		},
		{
			name: "reject without anything piped", args: []string{"cfg_inst_1"},
			build: func(f *cmdutil.Factory, got *any) *cobra.Command {
				return NewCmdReject(f, func(context.Context, *RejectOptions) error { return nil })
			},
			wantErr: "pass --message and --error",
		},
		{
			name: "deploy dry run", args: []string{"cfg_inst_1", "--dry-run"},
			build: func(f *cmdutil.Factory, got *any) *cobra.Command {
				return NewCmdDeploy(f, func(_ context.Context, o *DeployOptions) error { *got = [2]any{o.ID, o.DryRun}; return nil })
			},
			want: [2]any{"cfg_inst_1", true},
		},
		{
			name: "review with id", tty: true, args: []string{"cfg_inst_1"},
			build: func(f *cmdutil.Factory, got *any) *cobra.Command {
				return NewCmdReview(f, func(_ context.Context, o *ReviewOptions) error { *got = o.ID; return nil })
			},
			want: "cfg_inst_1",
		},
		{
			name: "review without terminal", args: nil,
			build: func(f *cmdutil.Factory, got *any) *cobra.Command {
				return NewCmdReview(f, func(context.Context, *ReviewOptions) error { return nil })
			},
			wantErr: "needs a terminal",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t, tt.tty, &prompt.Fake{})
			var got any
			err := execute(tt.build(env.f, &got), tt.args...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, apperr.ErrUsage) {
					t.Fatalf("err = %v, want usage error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestPaths(t *testing.T) {
	for _, tt := range []struct {
		path string
		want []string
	}{
		{"a", []string{"a"}},
		{"a.b", []string{"a", "b"}},
		{"wheels.0.size", []string{"wheels", "0", "size"}},
		{`a\.b.c`, []string{"a.b", "c"}},
	} {
		if got := model.SplitParameterPath(tt.path); !slices.Equal(got, tt.want) {
			t.Errorf("SplitParameterPath(%q) = %q, want %q", tt.path, got, tt.want)
		}
		if got := model.JoinParameterPath(tt.want); got != tt.path {
			t.Errorf("JoinParameterPath(%q) = %q, want %q", tt.want, got, tt.path)
		}
	}
	got := ContentPaths([]byte(`{"speed":1,"limits":{"max":2,"a.b":3},"wheels":["f",{"size":4}]}`))
	want := []string{"speed", "limits", "limits.max", `limits.a\.b`, "wheels", "wheels.0", "wheels.1", "wheels.1.size"}
	if !slices.Equal(got, want) {
		t.Errorf("ContentPaths = %q, want %q", got, want)
	}
}

// answers is a scripted prompter: each question is answered by the first
// matching rule, in order; a rule is used once.
type answer struct {
	match  string // substring of the question
	choose string // for Select: the option to pick (substring)
	text   string // for Input
	yes    bool   // for Confirm
	err    error  // returned instead (e.g. Ctrl-C)
}

func scripted(t *testing.T, script []answer) *prompt.Fake {
	t.Helper()
	next := func(q string) answer {
		t.Helper()
		if len(script) == 0 {
			t.Fatalf("unexpected question %q", q)
		}
		a := script[0]
		if !strings.Contains(q, a.match) {
			t.Fatalf("question %q, want one matching %q", q, a.match)
		}
		script = script[1:]
		return a
	}
	t.Cleanup(func() {
		if len(script) > 0 {
			t.Errorf("questions not asked: %+v", script)
		}
	})
	return &prompt.Fake{
		SelectFunc: func(q string, options []string, _ int) (int, error) {
			a := next(q)
			if a.err != nil {
				return 0, a.err
			}
			for i, o := range options {
				if strings.Contains(o, a.choose) {
					return i, nil
				}
			}
			t.Fatalf("no option %q in %q", a.choose, options)
			return 0, nil
		},
		InputFunc: func(q, _ string) (string, error) { a := next(q); return a.text, a.err },
		ConfirmFunc: func(q string, _ bool) (bool, error) {
			a := next(q)
			return a.yes, a.err
		},
	}
}

var ctrlC = apperr.New(apperr.ErrInterrupted, "interrupted")

func TestReview(t *testing.T) {
	const content = `{"speed":5,"limits":{"max":10}}`
	tests := []struct {
		name    string
		id      bool // pass the id instead of picking
		script  []answer
		wantErr error
		status  string // stored status of the reviewed instance afterwards
		check   func(t *testing.T, env *testEnv, ci, old *model.ConfigInstance)
	}{
		{
			name: "approve and deploy",
			script: []answer{
				{match: "Which config instance?", choose: "/v1/m.json"},
				{match: "Decision", choose: DecisionApprove},
				{match: "Approval message", text: ""}, // blank: asked again
				{match: "Approval message", text: "Speed is fine"},
				{match: "It replaces", yes: true},
				{match: "Decision for", choose: DecisionQuit}, // the next one (dvc_2)
			},
			status: model.ConfigInstanceDeployed,
			check: func(t *testing.T, env *testEnv, ci, old *model.ConfigInstance) {
				if got := env.get(t, ci.ID); got.Message != "Speed is fine" {
					t.Errorf("message = %q", got.Message)
				}
				if got := env.get(t, old.ID); got.Status != model.ConfigInstanceRemoved {
					t.Errorf("old status = %q", got.Status)
				}
				out := env.out.String()
				for _, want := range []string{"Changes against " + old.ID, `-   "speed": 3,`, `+   "speed": 5,`, "Deployed " + ci.ID, "Removed " + old.ID} {
					if !strings.Contains(out, want) {
						t.Errorf("output lacks %q:\n%s", want, out)
					}
				}
			},
		},
		{
			name: "approve, do not deploy", id: true,
			script: []answer{
				{match: "Decision", choose: DecisionApprove},
				{match: "Approval message", text: "ok"},
				{match: "Deploy", yes: false},
				{match: "Decision for", choose: DecisionQuit}, // the next one (dvc_2)
			},
			status: model.ConfigInstanceApproved,
		},
		{
			// The decision (approve + message) was complete and is kept;
			// only the optional deploy is abandoned.
			name: "ctrl-c at the deploy question", id: true,
			script: []answer{
				{match: "Decision", choose: DecisionApprove},
				{match: "Approval message", text: "ok"},
				{match: "Deploy", err: ctrlC},
			},
			wantErr: apperr.ErrInterrupted, status: model.ConfigInstanceApproved,
			check: func(t *testing.T, env *testEnv, ci, old *model.ConfigInstance) {
				if got := env.get(t, old.ID); got.Status != model.ConfigInstanceDeployed {
					t.Errorf("old status = %q, want still deployed", got.Status)
				}
				if !strings.Contains(env.err.String(), "stays approved and not deployed") {
					t.Errorf("stderr = %q", env.err.String())
				}
			},
		},
		{
			name: "reject with two errors", id: true,
			script: []answer{
				{match: "Decision", choose: DecisionReject},
				{match: "Rejection message", text: "Unsafe"},
				{match: "Which parameter", choose: "speed"},
				{match: "What is wrong with speed?", text: "at most 3"},
				{match: "Another parameter", choose: optionOther},
				{match: "Parameter path", text: "limits.min"},
				{match: "What is wrong with limits.min?", text: "missing"},
				{match: "Another parameter", choose: optionDone},
				{match: "Decision for", choose: DecisionQuit}, // the next one (dvc_2)
			},
			status: model.ConfigInstanceRejected,
			check: func(t *testing.T, env *testEnv, ci, _ *model.ConfigInstance) {
				got := env.get(t, ci.ID)
				want := []model.ParameterError{{ParameterPath: []string{"speed"}, Message: "at most 3"}, {ParameterPath: []string{"limits", "min"}, Message: "missing"}}
				if got.Message != "Unsafe" || !reflect.DeepEqual(got.Errors, want) {
					t.Errorf("rejection = %q %+v", got.Message, got.Errors)
				}
			},
		},
		{
			name: "skip", id: true,
			script: []answer{{match: "Decision", choose: DecisionSkip}, {match: "Decision for", choose: DecisionQuit}},
			status: model.ConfigInstanceValidating,
		},
		{
			name: "ctrl-c at the decision", id: true,
			script:  []answer{{match: "Decision", err: ctrlC}},
			wantErr: apperr.ErrInterrupted, status: model.ConfigInstanceValidating,
		},
		{
			name: "ctrl-c at the approval message", id: true,
			script:  []answer{{match: "Decision", choose: DecisionApprove}, {match: "Approval message", err: ctrlC}},
			wantErr: apperr.ErrInterrupted, status: model.ConfigInstanceValidating,
		},
		{
			name: "ctrl-c in the middle of the errors", id: true,
			script: []answer{
				{match: "Decision", choose: DecisionReject},
				{match: "Rejection message", text: "Unsafe"},
				{match: "Which parameter", choose: "limits.max"},
				{match: "What is wrong", text: "too high"},
				{match: "Another parameter", err: ctrlC},
			},
			wantErr: apperr.ErrInterrupted, status: model.ConfigInstanceValidating,
		},
		{
			name:    "ctrl-c at the pick",
			script:  []answer{{match: "Which config instance?", err: ctrlC}},
			wantErr: apperr.ErrInterrupted, status: model.ConfigInstanceValidating,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := scripted(t, tt.script)
			env := newTestEnv(t, true, fake)
			ctx := context.Background()
			// Deployed now on dvc_1 at /v1/m.json, and two validating instances.
			old := env.create(t, "dvc_1", "/v1/m.json", `{"speed":3,"limits":{"max":10}}`)
			if _, err := env.be.ApproveConfigInstance(ctx, old.ID, backend.ApproveConfigInstanceRequest{Message: "ok"}); err != nil {
				t.Fatal(err)
			}
			if _, err := env.be.DeployConfigInstance(ctx, old.ID, false); err != nil {
				t.Fatal(err)
			}
			env.create(t, "dvc_2", "/other.json", `{}`)
			ci := env.create(t, "dvc_1", "/v1/m.json", content)
			before := env.get(t, ci.ID)

			args := []string{}
			if tt.id {
				args = append(args, ci.ID)
			}
			err := execute(NewCmdReview(env.f, nil), args...)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			after := env.get(t, ci.ID)
			if after.Status != tt.status {
				t.Errorf("status = %q, want %q", after.Status, tt.status)
			}
			if tt.status == model.ConfigInstanceValidating && !reflect.DeepEqual(before, after) {
				t.Errorf("instance changed:\n%+v\n%+v", before, after)
			}
			if tt.check != nil {
				tt.check(t, env, ci, old)
			}
		})
	}
}

func TestReviewRefusesDecidedInstance(t *testing.T) {
	env := newTestEnv(t, true, &prompt.Fake{})
	ci := env.create(t, "dvc_1", "/a.json", `{}`)
	if _, err := env.be.ApproveConfigInstance(context.Background(), ci.ID, backend.ApproveConfigInstanceRequest{Message: "ok"}); err != nil {
		t.Fatal(err)
	}
	err := execute(NewCmdReview(env.f, nil), ci.ID)
	if !errors.Is(err, apperr.ErrConflict) || !strings.Contains(err.Error(), "is approved: only a validating instance can be reviewed") {
		t.Errorf("err = %v", err)
	}
}

func TestReviewNothingToDo(t *testing.T) {
	env := newTestEnv(t, true, &prompt.Fake{})
	if err := execute(NewCmdReview(env.f, nil)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(env.err.String(), "Nothing to review") {
		t.Errorf("stderr = %q", env.err.String())
	}
}

// TestReviewGoesOn: after each decision review offers the next validating
// instance, until none remains or the person quits; a skipped one is not
// offered again in the same run.
func TestReviewGoesOn(t *testing.T) {
	tests := []struct {
		name   string
		script func(a, b, c *model.ConfigInstance) []answer
		want   [3]string // statuses of a, b, c afterwards
		stderr []string
	}{
		{
			name: "two decisions, then the last one by itself, until none remains",
			script: func(a, b, c *model.ConfigInstance) []answer {
				return []answer{
					{match: "Which config instance? (3 validating)", choose: a.ID},
					{match: "Decision for " + a.ID, choose: DecisionApprove},
					{match: "Approval message", text: "fine"},
					{match: "Deploy " + a.ID, yes: false},
					{match: "Which config instance next? (2 more validating)", choose: b.ID},
					{match: "Decision for " + b.ID, choose: DecisionReject},
					{match: "Rejection message", text: "no"},
					{match: "Which parameter", choose: "y"},
					{match: "What is wrong with y?", text: "too big"},
					{match: "Another parameter", choose: optionDone},
					{match: "Decision for " + c.ID, choose: DecisionSkip}, // the only one left: no pick
				}
			},
			want:   [3]string{model.ConfigInstanceApproved, model.ConfigInstanceRejected, model.ConfigInstanceValidating},
			stderr: []string{"No other config instance is validating.", "Reviewed 3 config instances: 1 approved, 1 rejected, 1 skipped."},
		},
		{
			name: "quit at the pick of the next one",
			script: func(a, b, c *model.ConfigInstance) []answer {
				return []answer{
					{match: "Which config instance?", choose: b.ID},
					{match: "Decision for " + b.ID, choose: DecisionReject},
					{match: "Rejection message", text: "no"},
					{match: "Which parameter", choose: "y"},
					{match: "What is wrong with y?", text: "too big"},
					{match: "Another parameter", choose: optionDone},
					{match: "Which config instance next?", choose: DecisionQuit},
				}
			},
			want:   [3]string{model.ConfigInstanceValidating, model.ConfigInstanceRejected, model.ConfigInstanceValidating},
			stderr: []string{"Reviewed 1 config instance: 0 approved, 1 rejected, 0 skipped."},
		},
		{
			name: "quit at a decision; a named instance first",
			script: func(a, b, c *model.ConfigInstance) []answer {
				return []answer{
					{match: "Decision for " + c.ID, choose: DecisionSkip},
					{match: "Which config instance next? (2 more validating)", choose: a.ID},
					{match: "Decision for " + a.ID, choose: DecisionQuit},
				}
			},
			want:   [3]string{model.ConfigInstanceValidating, model.ConfigInstanceValidating, model.ConfigInstanceValidating},
			stderr: []string{"Quit: ", "Reviewed 1 config instance: 0 approved, 0 rejected, 1 skipped."},
		},
		{
			name: "ctrl-c at the second instance keeps the first decision",
			script: func(a, b, c *model.ConfigInstance) []answer {
				return []answer{
					{match: "Which config instance?", choose: a.ID},
					{match: "Decision for " + a.ID, choose: DecisionApprove},
					{match: "Approval message", text: "fine"},
					{match: "Deploy", yes: false},
					{match: "Which config instance next?", err: ctrlC},
				}
			},
			want: [3]string{model.ConfigInstanceApproved, model.ConfigInstanceValidating, model.ConfigInstanceValidating},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newTestEnv(t, true, nil)
			a := env.create(t, "dvc_1", "/a.json", `{"x":1}`)
			b := env.create(t, "dvc_2", "/b.json", `{"y":2}`)
			c := env.create(t, "dvc_3", "/c.json", `{"z":3}`)
			fake := scripted(t, tt.script(a, b, c))
			env.f.Prompter = func() prompt.Prompter { return fake }
			var args []string
			if strings.Contains(tt.name, "named") {
				args = []string{c.ID}
			}
			err := execute(NewCmdReview(env.f, nil), args...)
			if strings.Contains(tt.name, "ctrl-c") {
				if !errors.Is(err, apperr.ErrInterrupted) {
					t.Fatalf("err = %v, want interrupted", err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			for i, ci := range []*model.ConfigInstance{a, b, c} {
				if got := env.get(t, ci.ID).Status; got != tt.want[i] {
					t.Errorf("%s: status %q, want %q", ci.DeviceID, got, tt.want[i])
				}
			}
			for _, want := range tt.stderr {
				if !strings.Contains(env.err.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, env.err.String())
				}
			}
		})
	}
}

func TestApproveAndRejectPrompt(t *testing.T) {
	env := newTestEnv(t, true, scripted(t, []answer{
		{match: "Approval message", text: "fine"},
		{match: "Rejection message", text: "bad"},
		{match: "Which parameter", choose: "speed"},
		{match: "What is wrong with speed?", text: "too fast"},
		{match: "Another parameter", choose: optionDone},
	}))
	a := env.create(t, "dvc_1", "/a.json", `{"speed":1}`)
	b := env.create(t, "dvc_1", "/b.json", `{"speed":1}`)
	if err := execute(NewCmdApprove(env.f, nil), a.ID); err != nil {
		t.Fatal(err)
	}
	if err := execute(NewCmdReject(env.f, nil), b.ID); err != nil {
		t.Fatal(err)
	}
	if got := env.get(t, a.ID); got.Status != model.ConfigInstanceApproved || got.Message != "fine" {
		t.Errorf("a = %+v", got)
	}
	if got := env.get(t, b.ID); got.Status != model.ConfigInstanceRejected || len(got.Errors) != 1 {
		t.Errorf("b = %+v", got)
	}
}

func TestCreateRunStdinAndJSON(t *testing.T) {
	env := newTestEnv(t, false, &prompt.Fake{})
	env.in.WriteString(`{"a": [1, 2]}`)
	env.f.Globals.Output = cmdutil.FormatJSON
	if err := execute(NewCmdCreate(env.f, nil), "--config-type", "T", "--device", "D", "--file", "-"); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(env.out.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, env.out)
	}
	if got["object"] != "config_instance" || got["status"] != "validating" || got["relative_filepath"] != "/T.json" {
		t.Errorf("json = %v", got)
	}
}
