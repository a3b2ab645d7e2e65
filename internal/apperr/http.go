package apperr

import (
	"errors"
	"net/http"
)

// httpKinds is the one table between error kinds and the JSON API: the
// server maps an error to a status and code with HTTPStatus, and the remote
// client maps a status and code back to a kind with FromHTTP.
var httpKinds = []struct {
	kind   error
	status int
	code   string
}{
	{ErrUsage, http.StatusBadRequest, "bad_request"},
	{ErrInvalid, http.StatusUnprocessableEntity, "invalid"},
	{ErrConflict, http.StatusConflict, "conflict"},
	{ErrNotFound, http.StatusNotFound, "not_found"},
	{ErrAuth, http.StatusUnauthorized, "unauthorized"},
	{ErrTooLarge, http.StatusRequestEntityTooLarge, "payload_too_large"},
	{ErrMediaType, http.StatusUnsupportedMediaType, "unsupported_media_type"},
}

// CodeInternal is the code of an unexpected server failure (HTTP 500).
const CodeInternal = "internal"

// HTTPStatus returns the HTTP status and error code for err's kind, or
// 500 "internal" for an error of no known kind.
func HTTPStatus(err error) (status int, code string) {
	for _, k := range httpKinds {
		if errors.Is(err, k.kind) {
			return k.status, k.code
		}
	}
	return http.StatusInternalServerError, CodeInternal
}

// KindForHTTP returns the kind an API error response stands for: by code
// first, then by status; nil when neither is known (a plain failure).
func KindForHTTP(status int, code string) error {
	for _, k := range httpKinds {
		if code != "" && k.code == code {
			return k.kind
		}
	}
	for _, k := range httpKinds {
		if k.status == status {
			return k.kind
		}
	}
	return nil
}
