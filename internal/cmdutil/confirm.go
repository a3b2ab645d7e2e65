package cmdutil

import (
	"github.com/hookctl/hookctl/internal/apperr"
)

// YesFlagUsage is the usage of the --yes flag of a command that confirms.
const YesFlagUsage = "do not ask for confirmation (needed without a terminal)"

// Confirm asks question (a yes/no question, e.g. "Delete webhook config
// whc_1?") before a destructive action, defaulting to no. It is the one
// confirmation of every command that deletes or revokes:
//
//   - yes (--yes was given): nil, without asking;
//   - no terminal to ask on: a usage error naming --yes (exit 2);
//   - answered yes: nil;
//   - answered no: an apperr.ErrDeclined error saying nothing was done,
//     which Main prints without "Error:" and maps to its own exit code (7);
//   - Ctrl-C: the prompter's apperr.ErrInterrupted error (exit 130, quiet).
func Confirm(f *Factory, question string, yes bool) error {
	if yes {
		return nil
	}
	if f.IOStreams == nil || !f.IOStreams.CanPrompt() {
		return apperr.Usagef("%q needs an answer and there is no terminal to ask on: pass --yes", question)
	}
	ok, err := f.Prompter().Confirm(question, false)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.New(apperr.ErrDeclined, "Not confirmed: nothing was done.")
	}
	return nil
}

// CanConfirm is Confirm's refusal alone, for a command to give before it
// looks anything up: a usage error naming --yes when yes is false and there
// is no terminal to ask on, nil otherwise. what says what is refused, e.g.
// "delete whc_1".
func CanConfirm(f *Factory, yes bool, what string) error {
	if yes || f.IOStreams != nil && f.IOStreams.CanPrompt() {
		return nil
	}
	return NeedsFlagError("--yes", "refusing to "+what+" without confirmation")
}
