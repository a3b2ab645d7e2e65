package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/store"
)

// The JSON-API toolkit every resource handler uses: handlers return an
// error of an apperr kind and the toolkit turns it into the error JSON, in
// one place (writeError).

// handlerFunc is an API handler. It writes its response with writeJSON (or
// w.WriteHeader(204)) and returns errors instead of writing them.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// DefaultMaxBodyBytes bounds request bodies (413 beyond).
const DefaultMaxBodyBytes = 1 << 20

// writeJSON writes v with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// writeList writes {"data": items} with status 200; nil is an empty list.
func writeList[T any](w http.ResponseWriter, items []T) error {
	if items == nil {
		items = []T{}
	}
	return writeJSON(w, http.StatusOK, backend.ListBody[T]{Data: items})
}

// CodeUnavailable is the code of a 503 while the database is unavailable;
// RetryAfterSeconds is the Retry-After sent with it.
const (
	CodeUnavailable   = "unavailable"
	RetryAfterSeconds = "2"
)

// writeError writes err as {"error":{"code","message"}} with the status of
// its kind. Errors of no kind are 500 with a generic message; the details go
// to the server log, never to the client.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, code := apperr.HTTPStatus(err)
	msg := err.Error()
	if status == http.StatusInternalServerError && store.IsUnavailable(err) {
		// The database is away (restarting, unreachable): nothing was
		// done, and the same request may succeed in a moment.
		s.logUnavailable(r, err)
		w.Header().Set("Retry-After", RetryAfterSeconds)
		status, code, msg = http.StatusServiceUnavailable, CodeUnavailable, "the database is unavailable: try again shortly"
	}
	if status == http.StatusInternalServerError {
		s.logf("%s %s: %v", r.Method, logPath(r), err)
		msg = "internal server error"
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="hookctl"`)
	}
	_ = writeJSON(w, status, backend.ErrorBody{Error: backend.ErrorDetail{Code: code, Message: msg}})
}

// unavailableLogEvery bounds the "database unavailable" lines: during an
// outage every request fails the same way, and one line per second (with
// the count of those not shown) says as much as thousands.
const unavailableLogEvery = time.Second

func (s *Server) logUnavailable(r *http.Request, err error) {
	s.unavailMu.Lock()
	now := time.Now()
	if now.Sub(s.unavailAt) < unavailableLogEvery {
		s.unavailQuiet++
		s.unavailMu.Unlock()
		return
	}
	quiet := s.unavailQuiet
	s.unavailAt, s.unavailQuiet = now, 0
	s.unavailMu.Unlock()
	more := ""
	if quiet > 0 {
		more = fmt.Sprintf(" (and %d more such failures since the last line)", quiet)
	}
	s.logf("%s %s: database unavailable: %v%s", r.Method, logPath(r), err, more)
}

// logPath is the request's path for the server log: where it holds a
// source's token (a hook URL is its own credential) the route's pattern,
// /wh/{apiToken}/{token}, else the path as sent.
func logPath(r *http.Request) string {
	if !strings.Contains(r.Pattern, "{token}") {
		return r.URL.Path
	}
	p := r.Pattern
	if i := strings.IndexByte(p, ' '); i >= 0 {
		p = p[i+1:]
	}
	return p
}

// decodeJSON reads a JSON object from the body into v: the Content-Type must
// be JSON (415), the body at most the server's limit (413), and the JSON
// well-formed, of the right types and without unknown fields (400).
func (s *Server) decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	return s.decode(w, r, v, false)
}

// decodeOptionalJSON is decodeJSON where an empty body leaves v alone.
func (s *Server) decodeOptionalJSON(w http.ResponseWriter, r *http.Request, v any) error {
	return s.decode(w, r, v, true)
}

func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any, optional bool) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return apperr.New(apperr.ErrTooLarge, "request body is larger than %s", byteSize(mbe.Limit))
	}
	if err != nil {
		return apperr.Wrap(apperr.ErrUsage, err, "cannot read request body: %v", err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if optional {
			return nil
		}
		return apperr.Usagef("request body is empty: send a JSON object with Content-Type: application/json")
	}
	if err := checkJSONContentType(r.Header.Get("Content-Type")); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return apperr.Usagef("malformed JSON: unexpected data after the JSON object")
	}
	return nil
}

func checkJSONContentType(ct string) error {
	if ct == "" {
		return apperr.New(apperr.ErrMediaType, "missing Content-Type: send JSON with Content-Type: application/json")
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return apperr.New(apperr.ErrMediaType, "unsupported Content-Type %q: send JSON with Content-Type: application/json", ct)
	}
	return nil
}

// jsonError describes a decoding failure for the client.
func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return apperr.Usagef("malformed JSON at byte %d: %v", syn.Offset, err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.Usagef("malformed JSON: unexpected end of input")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return apperr.Usagef("request body must be a JSON object, not %s", typ.Value)
		}
		return apperr.Usagef("field %q must be %s, not %s", typ.Field, jsonKind(typ.Type.Kind().String()), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return apperr.Usagef("unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	default:
		return apperr.Usagef("invalid JSON body: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	case "ptr":
		return "a value of another type"
	default:
		return "a number"
	}
}

func byteSize(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	if n >= 1<<10 && n%(1<<10) == 0 {
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// query validates r's query parameters against the allowed names (400 for
// any other) and returns them.
func query(r *http.Request, allowed ...string) (queryParams, error) {
	q := r.URL.Query()
	for k := range q {
		if !slices.Contains(allowed, k) {
			if len(allowed) == 0 {
				return nil, apperr.Usagef("unknown query parameter %q: this endpoint takes none", k)
			}
			return nil, apperr.Usagef("unknown query parameter %q: use %s", k, strings.Join(allowed, ", "))
		}
	}
	return queryParams(q), nil
}

type queryParams map[string][]string

// String returns the parameter's value ("" when absent).
func (q queryParams) String(name string) string {
	if v := q[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Bool parses a boolean parameter; nil when absent.
func (q queryParams) Bool(name string) (*bool, error) {
	v := q.String(name)
	if v == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return nil, apperr.Usagef("query parameter %s=%q: use true or false", name, v)
	}
	return &b, nil
}

// Flag is Bool with absent meaning false.
func (q queryParams) Flag(name string) (bool, error) {
	b, err := q.Bool(name)
	return b != nil && *b, err
}

// Time parses an RFC 3339 parameter; the zero time when absent.
func (q queryParams) Time(name string) (time.Time, error) {
	v := q.String(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, apperr.Usagef("query parameter %s=%q: use an RFC 3339 time such as 2026-11-23T10:00:00Z", name, v)
	}
	return t.UTC(), nil
}

// Page parses ?limit (backend.DefaultListLimit when absent, at most
// backend.MaxListLimit) and ?starting_after.
func (q queryParams) Page() (limit int, startingAfter string, err error) {
	limit = backend.DefaultListLimit
	if v := q.String("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > backend.MaxListLimit {
			return 0, "", apperr.Usagef("query parameter limit=%q: use 1 to %d, and page on with starting_after=ID (the last id of a page) while has_more is true", v, backend.MaxListLimit)
		}
		limit = n
	}
	return limit, q.String("starting_after"), nil
}

// Duration parses a Go duration ("20s") or a number of seconds, capped at
// max; 0 when absent.
func (q queryParams) Duration(name string, max time.Duration) (time.Duration, error) {
	v := q.String(name)
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		secs, ferr := strconv.ParseFloat(v, 64)
		if ferr != nil {
			return 0, apperr.Usagef("query parameter %s=%q: use a duration such as 20s", name, v)
		}
		if d, err = backend.Seconds(secs); err != nil {
			return 0, apperr.Usagef("query parameter %s=%q: %v", name, v, err)
		}
	}
	if d < 0 {
		return 0, apperr.Usagef("query parameter %s=%q must not be negative", name, v)
	}
	return min(d, max), nil
}
