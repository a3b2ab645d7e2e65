package apikey

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/cmdtest"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/store"
)

func TestRevoke(t *testing.T) {
	ctx := context.Background()
	ctrlC := apperr.New(apperr.ErrInterrupted, "interrupted")
	tests := []struct {
		name        string
		tty         bool
		args        string
		answer      bool
		answerErr   error
		wantErr     error
		wantRevoked bool
		wantAsked   bool
	}{
		{name: "yes", tty: true, answer: true, wantRevoked: true, wantAsked: true},
		{name: "no", tty: true, answer: false, wantErr: apperr.ErrDeclined, wantAsked: true},
		{name: "ctrl-c", tty: true, answerErr: ctrlC, wantErr: apperr.ErrInterrupted, wantAsked: true},
		{name: "no terminal", wantErr: apperr.ErrUsage},
		{name: "--yes on a terminal", tty: true, args: "--yes", wantRevoked: true},
		{name: "--yes without a terminal", args: "-y", wantRevoked: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := cmdtest.New(t, tt.tty)
			env.Factory.Globals.DataDir = t.TempDir()
			if err := cmdtest.Exec(t, NewCmdCreate(env.Factory, nil), "--name laptop"); err != nil {
				t.Fatal(err)
			}
			key := func() model.APIKey {
				t.Helper()
				var k model.APIKey
				if err := withStore(ctx, env.Factory, func(s *store.Store) error {
					all, err := s.ListAPIKeys(ctx)
					if err == nil && len(all) == 1 {
						k = all[0]
					}
					return err
				}); err != nil {
					t.Fatal(err)
				}
				return k
			}
			id := key().ID
			env.Prompter.ConfirmFunc = func(string, bool) (bool, error) { return tt.answer, tt.answerErr }
			err := cmdtest.Exec(t, NewCmdRevoke(env.Factory, nil), id+" "+tt.args)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if errors.Is(err, apperr.ErrUsage) && !strings.Contains(err.Error(), "--yes") {
				t.Errorf("usage error %q does not name --yes", err)
			}
			if revoked := key().RevokedAt != nil; revoked != tt.wantRevoked {
				t.Errorf("revoked = %v, want %v", revoked, tt.wantRevoked)
			}
			if asked := len(env.Prompter.Asked) > 0; asked != tt.wantAsked {
				t.Errorf("asked %q", env.Prompter.Asked)
			}
			if tt.wantAsked && !strings.HasPrefix(env.Prompter.Asked[0], "Revoke API key "+id+" (laptop)?") {
				t.Errorf("asked %q", env.Prompter.Asked[0])
			}
		})
	}
	t.Run("a revoked key is a conflict, without asking", func(t *testing.T) {
		env := cmdtest.New(t, true)
		env.Factory.Globals.DataDir = t.TempDir()
		env.Factory.Globals.Output = cmdutil.FormatText
		if err := cmdtest.Exec(t, NewCmdCreate(env.Factory, nil), "--name ci"); err != nil {
			t.Fatal(err)
		}
		var id string
		_ = withStore(ctx, env.Factory, func(s *store.Store) error {
			all, err := s.ListAPIKeys(ctx)
			if len(all) == 1 {
				id = all[0].ID
			}
			return err
		})
		if err := cmdtest.Exec(t, NewCmdRevoke(env.Factory, nil), id+" --yes"); err != nil {
			t.Fatal(err)
		}
		err := cmdtest.Exec(t, NewCmdRevoke(env.Factory, nil), id)
		if !errors.Is(err, apperr.ErrConflict) || len(env.Prompter.Asked) > 0 {
			t.Errorf("err = %v, asked %q", err, env.Prompter.Asked)
		}
	})
}
