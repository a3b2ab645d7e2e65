package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/iostreams"
)

func TestErrorCodeForEachKind(t *testing.T) {
	tests := []struct {
		err      error
		code     string
		exitCode int
	}{
		{apperr.Usagef("bad flag"), "bad_request", ExitUsage},
		{apperr.New(apperr.ErrInvalid, "bad content"), "invalid", ExitUsage},
		{apperr.New(apperr.ErrConflict, "exists"), "conflict", ExitUsage},
		{apperr.New(apperr.ErrTooLarge, "big"), "payload_too_large", ExitUsage},
		{apperr.New(apperr.ErrMediaType, "xml"), "unsupported_media_type", ExitUsage},
		{apperr.NotFoundf("no whc_x"), "not_found", ExitNotFound},
		{apperr.New(apperr.ErrAuth, "bad key"), "unauthorized", ExitAuth},
		{apperr.New(apperr.ErrVerification, "bad signature"), "verification_failed", ExitVerification},
		{apperr.New(apperr.ErrExpectation, "got 500"), "expectation_failed", ExitExpectation},
		{apperr.New(apperr.ErrDeclined, "nothing deleted"), "declined", ExitDeclined},
		{apperr.New(apperr.ErrInterrupted, "interrupted"), "interrupted", ExitInterrupted},
		{context.Canceled, "interrupted", ExitInterrupted},
		{errors.New("connection refused"), "failure", ExitFailure},
		{fmt.Errorf("wrapped: %w", apperr.NotFoundf("no evt_x")), "not_found", ExitNotFound},
		{cmdutil.SilentError(apperr.ErrVerification, "signature not verified"), "verification_failed", ExitVerification},
	}
	for _, tt := range tests {
		if got := ErrorCode(tt.err); got != tt.code {
			t.Errorf("ErrorCode(%q) = %q, want %q", tt.err, got, tt.code)
		}
		var buf bytes.Buffer
		writeJSONError(&buf, tt.err, ExitCode(tt.err))
		var got jsonError
		if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
			t.Fatalf("%q: not JSON: %v: %s", tt.err, err, buf.String())
		}
		if strings.Count(buf.String(), "\n") != 1 {
			t.Errorf("%q: not one line: %q", tt.err, buf.String())
		}
		want := jsonErrorBody{Code: tt.code, Message: tt.err.Error(), ExitCode: tt.exitCode}
		if got.Error != want {
			t.Errorf("JSON error = %+v, want %+v", got.Error, want)
		}
	}
}

func TestJSONErrorEscapesControlCharacters(t *testing.T) {
	var buf bytes.Buffer
	writeJSONError(&buf, errors.New("remote said \x1b[31mred\u009b"), ExitFailure)
	if strings.Contains(buf.String(), "\x1b") || strings.Contains(buf.String(), "\u009b") {
		t.Fatalf("control characters reach stderr: %q", buf.String())
	}
}

// TestRunJSONErrors runs failing commands through Run: with -o json (or -q)
// stderr is exactly one JSON object and the exit code is the documented one.
func TestRunJSONErrors(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		code     string
		exitCode int
		message  string
	}{
		{"unknown command", []string{"bogus", "-o", "json"}, "bad_request", ExitUsage, `unknown command "bogus"`},
		{"flag error before -o", []string{"version", "--nope", "-o", "json"}, "bad_request", ExitUsage, "unknown flag: --nope"},
		{"--output=json", []string{"version", "--nope", "--output=json"}, "bad_request", ExitUsage, "unknown flag: --nope"},
		{"invalid query", []string{"version", "-q", "[[["}, "bad_request", ExitUsage, `invalid --query "[[["`},
		{"invalid query with -o json", []string{"version", "-o", "json", "-q", "#(a==1"}, "bad_request", ExitUsage, `"(" at position 2 is never closed`},
		{"unknown event", []string{"events", "show", "no.such.event", "-o", "json"}, "not_found", ExitNotFound, "no.such.event"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			code := Run(context.Background(), tt.args, ios, func(string) string { return "" })
			if code != tt.exitCode {
				t.Fatalf("exit code = %d, want %d; stderr: %s", code, tt.exitCode, errOut)
			}
			if out.Len() != 0 {
				t.Errorf("stdout = %q, want nothing", out)
			}
			var got jsonError
			dec := json.NewDecoder(errOut)
			dec.DisallowUnknownFields()
			if err := dec.Decode(&got); err != nil {
				t.Fatalf("stderr is not a JSON error: %v: %q", err, errOut)
			}
			if dec.More() {
				t.Fatalf("stderr holds more than one JSON object")
			}
			if got.Error.Code != tt.code || got.Error.ExitCode != tt.exitCode || !strings.Contains(got.Error.Message, tt.message) {
				t.Fatalf("JSON error = %+v, want code %q, exit_code %d, message containing %q", got.Error, tt.code, tt.exitCode, tt.message)
			}
		})
	}
}

func TestRunTextErrorsWithoutJSON(t *testing.T) {
	ios, _, _, errOut := iostreams.Test()
	code := Run(context.Background(), []string{"bogus"}, ios, func(string) string { return "" })
	if code != ExitUsage || !strings.HasPrefix(errOut.String(), "Error: unknown command") {
		t.Fatalf("code %d, stderr %q: want 2 and a plain Error: line", code, errOut)
	}
	// "-o json" after "--" is an argument, not the flag.
	if wantsJSONErrors(&cmdutil.Globals{Output: cmdutil.FormatText}, []string{"webhook", "--", "-o", "json"}) {
		t.Fatal("an argument after -- asked for JSON errors")
	}
}
