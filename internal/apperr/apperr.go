// Package apperr defines the kinds of failure that hookctl distinguishes.
//
// Domain packages wrap their errors with one of the kinds below; the CLI maps
// kinds to exit codes and the API server maps them to HTTP statuses, each in
// one place. The kind never changes the message the user reads.
package apperr

import (
	"errors"
	"fmt"
)

// Kinds. Compare with errors.Is.
var (
	ErrUsage        = errors.New("usage error")            // bad flag, argument or input: exit 2, HTTP 400
	ErrInvalid      = errors.New("invalid content")        // well-formed but unacceptable input: exit 2, HTTP 422
	ErrConflict     = errors.New("conflict")               // duplicate or illegal state transition: exit 2, HTTP 409
	ErrNotFound     = errors.New("not found")              // unknown id or event type: exit 3, HTTP 404
	ErrAuth         = errors.New("authentication failed")  // API key, ngrok authtoken: exit 4, HTTP 401
	ErrVerification = errors.New("verification failed")    // signature did not verify: exit 5
	ErrExpectation  = errors.New("expectation not met")    // --expect-status, --exit-after timeout: exit 6
	ErrInterrupted  = errors.New("interrupted")            // Ctrl-C: exit 130
	ErrDeclined     = errors.New("declined")               // a confirmation answered "no": nothing done, exit 7
	ErrTooLarge     = errors.New("payload too large")      // HTTP 413
	ErrMediaType    = errors.New("unsupported media type") // HTTP 415
)

type kindError struct {
	kind error
	msg  string
	err  error // optional cause
}

func (e *kindError) Error() string { return e.msg }

func (e *kindError) Unwrap() []error {
	if e.err != nil {
		return []error{e.kind, e.err}
	}
	return []error{e.kind}
}

// New returns an error of the given kind whose message is the formatted text.
func New(kind error, format string, args ...any) error {
	return &kindError{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// Wrap returns an error of the given kind with a message, keeping cause in the chain.
func Wrap(kind, cause error, format string, args ...any) error {
	return &kindError{kind: kind, msg: fmt.Sprintf(format, args...), err: cause}
}

// Usagef is shorthand for New(ErrUsage, …).
func Usagef(format string, args ...any) error { return New(ErrUsage, format, args...) }

// NotFoundf is shorthand for New(ErrNotFound, …).
func NotFoundf(format string, args ...any) error { return New(ErrNotFound, format, args...) }

// IsKind reports whether err is of the given kind; nil is of no kind.
func IsKind(err, kind error) bool { return err != nil && errors.Is(err, kind) }
