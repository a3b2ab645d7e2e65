// Package redact hides credentials in headers shown to people: API answers
// and CLI output show credential headers in a redacted form unless the caller
// asks for secrets (show_secret=true, --show-secret). Exact bytes (raw
// requests, replay) must not go through it.
package redact

import (
	"net/http"
	"strings"
)

// exact are credential headers by their full name (lower case).
var exact = map[string]bool{
	"authorization":       true,
	"proxy-authorization": true,
	"cookie":              true,
	"set-cookie":          true,
	"x-api-key":           true,
}

// parts are words whose presence anywhere in a header name (any case) marks
// it as carrying a credential.
var parts = []string{"token", "secret", "signature", "key", "auth", "hmac"}

// IsCredentialHeader reports whether the header name carries a credential.
func IsCredentialHeader(name string) bool {
	n := strings.ToLower(strings.TrimSpace(name))
	if exact[n] {
		return true
	}
	for _, p := range parts {
		if strings.Contains(n, p) {
			return true
		}
	}
	return false
}

// Ellipsis marks what was cut.
const Ellipsis = "…"

// hintMin is the length above which the last hintLen characters are shown.
const (
	hintMin = 12
	hintLen = 4
)

// Value returns a redacted form of a credential that keeps a short hint: an
// auth scheme word in front ("Bearer", "Basic", …) is kept, and of a value
// longer than 12 characters the last 4 are shown ("Bearer …-123"); anything
// else becomes "…". A value already so redacted is returned unchanged.
func Value(v string) string {
	scheme, rest := "", strings.TrimSpace(v)
	if word, after, ok := strings.Cut(rest, " "); ok && isSchemeWord(word) {
		scheme, rest = word+" ", strings.TrimSpace(after)
	}
	if alreadyRedacted(rest) {
		// Value is idempotent: the CLI may redact what a server redacted
		// (again would only lose the hint). Only Value's own shape counts,
		// so a credential that merely starts with "…" is still hidden.
		return scheme + rest
	}
	r := []rune(rest)
	if len(r) > hintMin {
		return scheme + Ellipsis + string(r[len(r)-hintLen:])
	}
	return scheme + Ellipsis
}

// alreadyRedacted reports whether v has the shape Value gives: the
// ellipsis followed by at most hintLen characters.
func alreadyRedacted(v string) bool {
	rest, ok := strings.CutPrefix(v, Ellipsis)
	return ok && len([]rune(rest)) <= hintLen
}

// isSchemeWord: an HTTP auth scheme is a short token of letters, digits and
// '-' (Bearer, Basic, Digest, token, AWS4-HMAC-SHA256 …).
func isSchemeWord(w string) bool {
	if w == "" || len(w) > 20 {
		return false
	}
	for _, c := range w {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// Headers returns a copy of h with the values of credential headers
// redacted. nil stays nil.
func Headers(h map[string]string) map[string]string {
	if h == nil {
		return nil
	}
	out := make(map[string]string, len(h))
	for k, v := range h {
		if IsCredentialHeader(k) {
			v = Value(v)
		}
		out[k] = v
	}
	return out
}

// HTTPHeader returns a copy of h with the values of credential headers
// redacted. nil stays nil.
func HTTPHeader(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	out := make(http.Header, len(h))
	for k, vs := range h {
		cp := make([]string, len(vs))
		for i, v := range vs {
			if IsCredentialHeader(k) {
				v = Value(v)
			}
			cp[i] = v
		}
		out[k] = cp
	}
	return out
}
