package webhookconfig

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/cmdtest"
	"github.com/hookctl/hookctl/internal/model"
)

func TestCreateFlags(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		want    backend.CreateWebhookConfigParams
		wantErr string
	}{
		{name: "url only", line: "--url https://e.x/h",
			want: backend.CreateWebhookConfigParams{URL: "https://e.x/h", Scheme: "standard"}},
		{name: "everything", line: "--url https://e.x/h --event a.* --event b --description d --scheme github --secret s --header 'X-A: 1' --disabled",
			want: backend.CreateWebhookConfigParams{URL: "https://e.x/h", Events: []string{"a.*", "b"}, Description: "d", Scheme: "github",
				Secret: "s", Headers: map[string]string{"X-A": "1"}, Disabled: true}},
		{name: "bad header", line: "--url https://e.x --header nocolon", wantErr: "invalid header"},
		{name: "positional", line: "https://e.x", wantErr: "too many arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := cmdtest.ParseFlags(t, cmdtest.New(t, false), NewCmdCreate, tt.line, tt.wantErr)
			if !ok {
				return
			}
			gj, _ := json.Marshal(got.Params)
			wj, _ := json.Marshal(tt.want)
			if string(gj) != string(wj) {
				t.Errorf("params = %s, want %s", gj, wj)
			}
		})
	}
}

func TestUpdateFlags(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		check   func(t *testing.T, p backend.UpdateWebhookConfigParams)
		wantErr string
	}{
		{name: "url", line: "whc_1 --url https://e.x/2", check: func(t *testing.T, p backend.UpdateWebhookConfigParams) {
			if p.URL == nil || *p.URL != "https://e.x/2" || p.Enabled != nil || p.Description != nil {
				t.Errorf("got %+v", p)
			}
		}},
		{name: "empty description clears", line: "whc_1 --description ''", check: func(t *testing.T, p backend.UpdateWebhookConfigParams) {
			if p.Description == nil || *p.Description != "" {
				t.Errorf("got %+v", p)
			}
		}},
		{name: "disable", line: "whc_1 --disable", check: func(t *testing.T, p backend.UpdateWebhookConfigParams) {
			if p.Enabled == nil || *p.Enabled {
				t.Errorf("got %+v", p)
			}
		}},
		{name: "enable and disable", line: "whc_1 --enable --disable", wantErr: "cannot be used together"},
		{name: "nothing", line: "whc_1", wantErr: "nothing to update"},
		{name: "no id", line: "--disable", wantErr: "missing webhook config ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := cmdtest.New(t, false)
			var got *UpdateOptions
			cmd := NewCmdUpdate(env.Factory, func(_ context.Context, o *UpdateOptions) error { got = o; return nil })
			err := cmdtest.Exec(t, cmd, tt.line)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, got.Params)
		})
	}
}

func TestCreateRunOutput(t *testing.T) {
	tests := []struct {
		name       string
		tty        bool
		output     string
		wantOut    []string
		notOut     []string
		wantErrOut []string
	}{
		{name: "tty text shows secret and a hint", tty: true, output: "text",
			wantOut: []string{"ID ", "whsec_", "https://e.x/h"}, wantErrOut: []string{"Created webhook config whc_", "--show-secret"}},
		{name: "piped text is quiet on stderr", tty: false, output: "text",
			wantOut: []string{"whsec_"}},
		{name: "json includes the secret", tty: false, output: "json",
			wantOut: []string{`"secret": "whsec_`, `"events": [`, `"*"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := cmdtest.New(t, tt.tty)
			env.Factory.Globals.Output = tt.output
			opts := &CreateOptions{Factory: env.Factory, Params: backend.CreateWebhookConfigParams{URL: "https://e.x/h"}}
			if err := createRun(context.Background(), opts); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(env.Out.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, env.Out)
				}
			}
			for _, w := range tt.wantErrOut {
				if !strings.Contains(env.ErrOut.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, env.ErrOut)
				}
			}
			if !tt.tty && env.ErrOut.Len() > 0 {
				t.Errorf("piped stderr should be empty, got %q", env.ErrOut)
			}
			if strings.Contains(env.Out.String(), "\x1b[") {
				t.Error("ANSI escapes in test output")
			}
		})
	}
}

func TestListRun(t *testing.T) {
	ctx := context.Background()
	t.Run("empty on tty says how to start", func(t *testing.T) {
		env := cmdtest.New(t, true)
		if err := listRun(ctx, &ListOptions{Factory: env.Factory}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(env.Out.String(), "hookctl webhook-config create") {
			t.Errorf("got %q", env.Out)
		}
	})
	t.Run("empty on pipe prints nothing", func(t *testing.T) {
		env := cmdtest.New(t, false)
		if err := listRun(ctx, &ListOptions{Factory: env.Factory}); err != nil {
			t.Fatal(err)
		}
		if env.Out.Len() != 0 {
			t.Errorf("got %q", env.Out)
		}
	})
	t.Run("tty table has a header, pipe has tabs", func(t *testing.T) {
		for _, tty := range []bool{true, false} {
			env := cmdtest.New(t, tty)
			if _, err := env.Local.CreateWebhookConfig(ctx, backend.CreateWebhookConfigParams{URL: "https://e.x/a", Events: []string{"device.*"}}); err != nil {
				t.Fatal(err)
			}
			if err := listRun(ctx, &ListOptions{Factory: env.Factory}); err != nil {
				t.Fatal(err)
			}
			out := env.Out.String()
			if tty != strings.Contains(out, "URL") {
				t.Errorf("tty=%v header presence wrong:\n%s", tty, out)
			}
			if !tty && !strings.Contains(out, "https://e.x/a\tdevice.*\tstandard\tyes\t") {
				t.Errorf("piped row wrong: %q", out)
			}
			if strings.Contains(out, "whsec_") {
				t.Error("list leaked a secret")
			}
		}
	})
	t.Run("disabled filter", func(t *testing.T) {
		env := cmdtest.New(t, false)
		env.Local.CreateWebhookConfig(ctx, backend.CreateWebhookConfigParams{URL: "https://e.x/on"})
		env.Local.CreateWebhookConfig(ctx, backend.CreateWebhookConfigParams{URL: "https://e.x/off", Disabled: true})
		if err := listRun(ctx, &ListOptions{Factory: env.Factory, Disabled: true}); err != nil {
			t.Fatal(err)
		}
		if out := env.Out.String(); strings.Contains(out, "/on") || !strings.Contains(out, "/off") {
			t.Errorf("got %q", out)
		}
	})
}

func TestDeleteRun(t *testing.T) {
	ctx := context.Background()
	ctrlC := apperr.New(apperr.ErrInterrupted, "interrupted")
	tests := []struct {
		name      string
		tty       bool
		args      string
		answer    bool
		answerErr error
		wantErr   error
		wantGone  bool
		wantAsked bool
	}{
		{name: "--yes deletes without asking", tty: true, args: "--yes", wantGone: true},
		{name: "--yes without a terminal", args: "-y", wantGone: true},
		{name: "confirmed on tty", tty: true, answer: true, wantGone: true, wantAsked: true},
		{name: "declined on tty keeps it", tty: true, answer: false, wantErr: apperr.ErrDeclined, wantAsked: true},
		{name: "ctrl-c on tty keeps it", tty: true, answerErr: ctrlC, wantErr: apperr.ErrInterrupted, wantAsked: true},
		{name: "no terminal and no --yes is a usage error", wantErr: apperr.ErrUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := cmdtest.New(t, tt.tty)
			c, _ := env.Local.CreateWebhookConfig(ctx, backend.CreateWebhookConfigParams{URL: "https://e.x/d"})
			env.Prompter.ConfirmFunc = func(string, bool) (bool, error) { return tt.answer, tt.answerErr }
			err := cmdtest.Exec(t, NewCmdDelete(env.Factory, nil), c.ID+" "+tt.args)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if errors.Is(err, apperr.ErrUsage) && !strings.Contains(err.Error(), "--yes") {
				t.Errorf("usage error %q does not name --yes", err)
			}
			_, getErr := env.Local.GetWebhookConfig(ctx, c.ID)
			if gone := errors.Is(getErr, apperr.ErrNotFound); gone != tt.wantGone {
				t.Errorf("gone = %v, want %v", gone, tt.wantGone)
			}
			if asked := len(env.Prompter.Asked) > 0; asked != tt.wantAsked {
				t.Errorf("asked = %v, want %v", asked, tt.wantAsked)
			}
			if tt.wantAsked && !strings.Contains(env.Prompter.Asked[0], "Delete webhook config "+c.ID+" (https://e.x/d)?") {
				t.Errorf("asked %q", env.Prompter.Asked[0])
			}
		})
	}
	t.Run("no terminal: refused before the lookup", func(t *testing.T) {
		env := cmdtest.New(t, false)
		err := cmdtest.Exec(t, NewCmdDelete(env.Factory, nil), "whc_x")
		if !errors.Is(err, apperr.ErrUsage) || !strings.Contains(err.Error(), "--yes") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestRotateRunKeepsOldSecret(t *testing.T) {
	ctx := context.Background()
	env := cmdtest.New(t, false)
	c, _ := env.Local.CreateWebhookConfig(ctx, backend.CreateWebhookConfigParams{URL: "https://e.x/r"})
	env.Factory.Globals.Output = "json"
	if err := rotateRun(ctx, &RotateOptions{Factory: env.Factory, ID: c.ID, KeepOld: time.Hour}); err != nil {
		t.Fatal(err)
	}
	var got model.WebhookConfig
	if err := json.Unmarshal(env.Out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Secret == c.Secret || len(got.PreviousSecrets) != 1 || got.PreviousSecrets[0].Secret != c.Secret ||
		!got.PreviousSecrets[0].ExpiresAt.Equal(cmdtest.Now.Add(time.Hour)) {
		t.Fatalf("rotation result %+v", got)
	}
}

func TestGetRunUnknownID(t *testing.T) {
	env := cmdtest.New(t, false)
	err := getRun(context.Background(), &GetOptions{Factory: env.Factory, ID: "whc_nope"})
	if !errors.Is(err, apperr.ErrNotFound) || !strings.Contains(err.Error(), `run "hookctl webhook-config list"`) {
		t.Fatalf("err = %v", err)
	}
}

// BenchmarkListRun10k is `hookctl webhook-config list` (piped, and -o json)
// over a store of 10,000 configs, rendering included.
func BenchmarkListRun10k(b *testing.B) {
	ctx := context.Background()
	env := cmdtest.New(b, false)
	for i := 0; i < 10000; i++ {
		if _, err := env.Local.CreateWebhookConfig(ctx, backend.CreateWebhookConfigParams{URL: "https://e.x/" + strconv.Itoa(i)}); err != nil {
			b.Fatal(err)
		}
	}
	for _, format := range []string{"text", "json"} {
		b.Run(format, func(b *testing.B) {
			env.Factory.Globals.Output = format
			for i := 0; i < b.N; i++ {
				env.Out.Reset()
				if err := listRun(ctx, &ListOptions{Factory: env.Factory}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
