package cli

import (
	"encoding/json"
	"io"
	"strings"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/iostreams"
)

// Machine-readable errors. With -o json (or -q, which implies it) an error
// is one line of JSON on stderr instead of "Error: …":
//
//	{"error":{"code":"not_found","message":"…","exit_code":3}}
//
// The code is the JSON API's code for the error's kind where the API has
// one (apperr's kind → code table: bad_request, invalid, conflict,
// not_found, unauthorized, payload_too_large, unsupported_media_type), so a
// script reads the same codes from the CLI and from `hookctl serve`; the
// kinds only the CLI has are named after their exit codes below. Documented
// in README.md ("Exit codes").

// exitCodeNames name the exit codes that no API error code covers.
var exitCodeNames = map[int]string{
	ExitFailure:      "failure",
	ExitVerification: "verification_failed",
	ExitExpectation:  "expectation_failed",
	ExitDeclined:     "declined",
	ExitInterrupted:  "interrupted",
}

// ErrorCode is the machine-readable code of err, consistent with ExitCode:
// for the exit codes the API shares (2, 3, 4) the API's code, else the exit
// code's name; "failure" for anything else.
func ErrorCode(err error) string {
	code := ExitCode(err)
	switch code {
	case ExitUsage, ExitNotFound, ExitAuth:
		if _, c := apperr.HTTPStatus(err); c != apperr.CodeInternal {
			return c
		}
		if code == ExitUsage {
			return "bad_request" // a usage error of no API kind (context.Canceled never gets here)
		}
	}
	if name, ok := exitCodeNames[code]; ok {
		return name
	}
	return "failure"
}

// jsonError is the shape of a machine-readable error.
type jsonError struct {
	Error jsonErrorBody `json:"error"`
}

type jsonErrorBody struct {
	Code     string `json:"code"`
	Message  string `json:"message"`
	ExitCode int    `json:"exit_code"`
}

// writeJSONError writes err as one line of JSON. The message is escaped as
// for the terminal (stderr usually is one), like the text form's.
func writeJSONError(w io.Writer, err error, exitCode int) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(jsonError{Error: jsonErrorBody{
		Code:     ErrorCode(err),
		Message:  iostreams.EscapeText(err.Error()),
		ExitCode: exitCode,
	}})
}

// wantsJSONErrors reports whether errors should be JSON: the parsed global
// flags ask for JSON, or the arguments do (a flag error can stop parsing
// before -o is reached: `hookctl wc list --nope -o json`).
func wantsJSONErrors(g *cmdutil.Globals, args []string) bool {
	if g != nil && (g.Output == cmdutil.FormatJSON || g.Output == cmdutil.FormatText && g.Query != "") {
		return true // (an invalid --output value is reported in text)
	}
	for i, a := range args {
		switch {
		case a == "--":
			return false
		case a == "-o" || a == "--output":
			if i+1 < len(args) && args[i+1] == cmdutil.FormatJSON {
				return true
			}
		case a == "-o"+cmdutil.FormatJSON, a == "-o="+cmdutil.FormatJSON, a == "--output="+cmdutil.FormatJSON:
			return true
		case strings.HasPrefix(a, "-q") || a == "--query" || strings.HasPrefix(a, "--query="):
			return true
		}
	}
	return false
}
