package cmdutil

import (
	"errors"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/iostreams"
	"github.com/hookctl/hookctl/internal/prompt"
)

func TestConfirm(t *testing.T) {
	ctrlC := apperr.New(apperr.ErrInterrupted, "interrupted")
	tests := []struct {
		name      string
		tty, yes  bool
		answer    bool
		answerErr error
		wantErr   error
		wantAsked bool
	}{
		{name: "yes", tty: true, answer: true, wantAsked: true},
		{name: "no", tty: true, answer: false, wantErr: apperr.ErrDeclined, wantAsked: true},
		{name: "ctrl-c", tty: true, answerErr: ctrlC, wantErr: apperr.ErrInterrupted, wantAsked: true},
		{name: "no terminal", wantErr: apperr.ErrUsage},
		{name: "--yes on a terminal", tty: true, yes: true},
		{name: "--yes without a terminal", yes: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			ios.SetTTY(tt.tty)
			fake := &prompt.Fake{ConfirmFunc: func(_ string, def bool) (bool, error) {
				if def {
					t.Error("the default answer is yes")
				}
				return tt.answer, tt.answerErr
			}}
			f := &Factory{IOStreams: ios, Prompter: func() prompt.Prompter { return fake }}
			err := Confirm(f, "Delete thing x?", tt.yes)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if asked := len(fake.Asked) == 1 && fake.Asked[0] == "Delete thing x?"; asked != tt.wantAsked {
				t.Errorf("asked %q", fake.Asked)
			}
			switch {
			case errors.Is(err, apperr.ErrUsage) && !strings.Contains(err.Error(), "--yes"):
				t.Errorf("usage error %q does not name --yes", err)
			case errors.Is(err, apperr.ErrDeclined) && (errors.Is(err, apperr.ErrInterrupted) || !strings.Contains(err.Error(), "nothing was done")):
				t.Errorf("declined error %q", err)
			}
			if err := CanConfirm(f, tt.yes, "delete x"); (err != nil) != (!tt.yes && !tt.tty) {
				t.Errorf("CanConfirm = %v", err)
			}
		})
	}
}
