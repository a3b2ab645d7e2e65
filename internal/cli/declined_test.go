package cli

import (
	"errors"
	"testing"

	"github.com/hookctl/hookctl/internal/apperr"
)

// TestDeclinedExitCode: a declined confirmation has its own exit code, not
// 1 (failure) nor 130 (Ctrl-C).
func TestDeclinedExitCode(t *testing.T) {
	err := apperr.New(apperr.ErrDeclined, "Not confirmed: nothing was done.")
	if got := ExitCode(err); got != 7 {
		t.Errorf("ExitCode(declined) = %d, want 7", got)
	}
	if got := ExitCode(errors.Join(err)); got != ExitDeclined {
		t.Errorf("ExitCode(joined declined) = %d", got)
	}
}
