// Package cli builds the hookctl command tree and runs it.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/iostreams"
)

// Exit codes; documented in README.md.
const (
	ExitOK           = 0
	ExitFailure      = 1
	ExitUsage        = 2
	ExitNotFound     = 3
	ExitAuth         = 4
	ExitVerification = 5
	ExitExpectation  = 6
	ExitDeclined     = 7 // a confirmation was answered "no": nothing was done
	ExitInterrupted  = 130
)

// Main runs hookctl with args on the process's streams and returns the exit code.
func Main(args []string) int {
	return Run(context.Background(), args, iostreams.System(), os.Getenv)
}

// Run is Main with injectable streams and environment (tests).
func Run(ctx context.Context, args []string, ios *iostreams.IOStreams, getenv func(string) string) int {
	// SIGINT/SIGTERM cancel ctx; long-running commands shut down gracefully.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	f, cleanup := NewFactory(ios, getenv)
	defer cleanup()
	root := NewCmdRoot(f)
	root.SetArgs(args)
	root.SetIn(ios.In)
	root.SetOut(ios.Out)
	root.SetErr(ios.ErrOut)

	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	code := ExitCode(err)
	// Ctrl-C exits quietly; so do errors the command already reported.
	quiet := errors.Is(err, cmdutil.ErrSilent) || code == ExitInterrupted && ctx.Err() != nil
	if wantsJSONErrors(f.Globals, args) && !(code == ExitInterrupted && ctx.Err() != nil) {
		// One JSON object on stderr (jsonerror.go), also for an error the
		// command reported in its (JSON) output.
		writeJSONError(ios.ErrOut, err, code)
		return code
	}
	switch {
	case code == ExitDeclined && !quiet:
		// Not a failure: say what was (not) done, without "Error:".
		fmt.Fprintln(ios.ErrOut, iostreams.EscapeText(err.Error()))
	case !quiet:
		// Messages may quote remote or received text: no control characters
		// reach the terminal (the lines of a joined error stay lines).
		fmt.Fprintf(ios.ErrOut, "%s %s\n", ios.ErrStyles().Failure.Render("Error:"), iostreams.EscapeText(err.Error()))
	}
	return code
}

// ExitCode maps an error to hookctl's exit codes, in this one place.
func ExitCode(err error) int {
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, apperr.ErrInterrupted), errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.Is(err, apperr.ErrUsage), errors.Is(err, apperr.ErrInvalid), errors.Is(err, apperr.ErrConflict),
		errors.Is(err, apperr.ErrTooLarge), errors.Is(err, apperr.ErrMediaType):
		return ExitUsage
	case errors.Is(err, apperr.ErrNotFound):
		return ExitNotFound
	case errors.Is(err, apperr.ErrAuth):
		return ExitAuth
	case errors.Is(err, apperr.ErrVerification):
		return ExitVerification
	case errors.Is(err, apperr.ErrExpectation):
		return ExitExpectation
	case errors.Is(err, apperr.ErrDeclined):
		return ExitDeclined
	default:
		return ExitFailure
	}
}
