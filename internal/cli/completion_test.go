package cli

import (
	"bytes"
	"context"
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/iostreams"
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
