// Package cmdtest builds Factories for command unit tests: buffered streams,
// a real Local backend on a temporary store, a fixed clock, a fake prompter.
package cmdtest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/shlex"
	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/iostreams"
	"github.com/hookctl/hookctl/internal/prompt"
	"github.com/hookctl/hookctl/internal/store"
)

// Now is the fixed clock of command tests.
var Now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// Env is what a test inspects after running a command.
type Env struct {
	Factory  *cmdutil.Factory
	Local    *backend.Local
	Prompter *prompt.Fake
	Out      *bytes.Buffer
	ErrOut   *bytes.Buffer
	In       *bytes.Buffer
}

// New returns a Factory over a fresh store in t.TempDir(). tty sets whether
// stdin/stdout/stderr are terminals.
func New(t testing.TB, tty bool) *Env {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	ios.SetTTY(tty)
	s, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	local := backend.NewLocal(s, func() time.Time { return Now })
	t.Cleanup(func() { local.Close() })
	fake := &prompt.Fake{}
	f := &cmdutil.Factory{
		IOStreams: ios,
		Prompter:  func() prompt.Prompter { return fake },
		Backend:   func() (backend.Backend, error) { return local, nil },
		Now:       func() time.Time { return Now },
		Getenv:    func(string) string { return "" },
		Globals:   &cmdutil.Globals{Output: cmdutil.FormatText},
	}
	return &Env{Factory: f, Local: local, Prompter: fake, Out: out, ErrOut: errOut, In: in}
}

// UseRemote makes the factory talk to a hookctl serve through r, as the
// production factory does in remote mode (Backend and Remote).
func (e *Env) UseRemote(r *backend.Remote) {
	e.Factory.Backend = func() (backend.Backend, error) { return r, nil }
	e.Factory.Remote = func() (*backend.Remote, error) { return r, nil }
}

// Exec runs cmd with a shell-like argument line (quotes allowed), as Main
// would: flag errors become usage errors. Output goes nowhere.
func Exec(t testing.TB, cmd *cobra.Command, line string) error {
	t.Helper()
	args, err := shlex.Split(line)
	if err != nil {
		t.Fatal(err)
	}
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SetFlagErrorFunc(cmdutil.FlagErrorFunc)
	_, err = cmd.ExecuteC()
	return err
}

// ParseFlags runs the command newCmd builds on env's Factory with line, its
// run function only capturing the options, and returns them. With wantErr
// it expects a usage error containing wantErr (failing the test otherwise)
// and returns ok false; without, any error fails the test.
func ParseFlags[O any](t testing.TB, env *Env, newCmd func(*cmdutil.Factory, func(context.Context, O) error) *cobra.Command, line, wantErr string) (opts O, ok bool) {
	t.Helper()
	cmd := newCmd(env.Factory, func(_ context.Context, o O) error { opts = o; return nil })
	err := Exec(t, cmd, line)
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) || !errors.Is(err, apperr.ErrUsage) {
			t.Fatalf("err = %v, want usage error containing %q", err, wantErr)
		}
		return opts, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return opts, true
}
