package source

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/cmdtest"
	"github.com/hookctl/hookctl/internal/server/servertest"
)

func TestDelete(t *testing.T) {
	ctx := context.Background()
	in, err := servertest.Start(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	remote := in.Remote()
	t.Cleanup(func() { remote.Close(); in.Close() })

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
		{name: "yes", tty: true, answer: true, wantGone: true, wantAsked: true},
		{name: "no", tty: true, answer: false, wantErr: apperr.ErrDeclined, wantAsked: true},
		{name: "ctrl-c", tty: true, answerErr: ctrlC, wantErr: apperr.ErrInterrupted, wantAsked: true},
		{name: "no terminal", wantErr: apperr.ErrUsage},
		{name: "--yes on a terminal", tty: true, args: "--yes", wantGone: true},
		{name: "--yes without a terminal", args: "-y", wantGone: true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := cmdtest.New(t, tt.tty)
			env.UseRemote(remote)
			src, err := remote.UpsertSource(ctx, backend.UpsertSourceParams{Datasource: "github", Event: "push" + string(rune('a'+i))})
			if err != nil {
				t.Fatal(err)
			}
			env.Prompter.ConfirmFunc = func(string, bool) (bool, error) { return tt.answer, tt.answerErr }
			err = cmdtest.Exec(t, NewCmdDelete(env.Factory, nil), src.Token+" "+tt.args)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if errors.Is(err, apperr.ErrUsage) && !strings.Contains(err.Error(), "--yes") {
				t.Errorf("usage error %q does not name --yes", err)
			}
			_, getErr := remote.GetSource(ctx, src.Token)
			if gone := errors.Is(getErr, apperr.ErrNotFound); gone != tt.wantGone {
				t.Errorf("gone = %v (%v), want %v", gone, getErr, tt.wantGone)
			}
			if asked := len(env.Prompter.Asked) > 0; asked != tt.wantAsked {
				t.Errorf("asked %q", env.Prompter.Asked)
			}
			if tt.wantAsked && !strings.HasPrefix(env.Prompter.Asked[0], "Delete source "+src.Token+" (github push") {
				t.Errorf("asked %q", env.Prompter.Asked[0])
			}
		})
	}
	t.Run("unknown token: not found, nothing asked", func(t *testing.T) {
		env := cmdtest.New(t, true)
		env.UseRemote(remote)
		err := cmdtest.Exec(t, NewCmdDelete(env.Factory, nil), "hks_nope")
		if !errors.Is(err, apperr.ErrNotFound) || len(env.Prompter.Asked) > 0 {
			t.Errorf("err = %v, asked %q", err, env.Prompter.Asked)
		}
	})
}
