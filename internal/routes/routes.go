// Package routes is the forwarding table of `hookctl webhook listen`: which
// local URLs receive which events.
//
// Routes come from repeated --forward-to values (Parse) and from a YAML file
// given with --routes (Load); a command appends the two tables (flags
// first). For each received request the listener asks Table.Match for the
// targets its event type matches.
//
// A --forward-to value is either a bare URL, which receives every request
// (a catch-all), or PATTERN=URL:
//
//	--forward-to localhost:3000/hooks                     every request
//	--forward-to 'device.*=http://localhost:3000/devices' device.enrolled, device.updated …
//	--forward-to 'push=localhost:4000/github'             GitHub push events
//	--forward-to 'order.created,order.paid=:5000/orders'  either type
//
// A URL may contain '=' itself (a query string), so a value is PATTERN=URL
// only when the text before its first '=' contains no '/', ':' or '?' and is
// a comma-separated list of valid patterns; anything else is a bare URL.
// Patterns that contain '/' or ':' (allowed in event types) can therefore be
// given only in a --routes file.
//
// URLs follow the Stripe CLI: without a scheme they mean http://
// ("localhost:3000/hook" → "http://localhost:3000/hook"); a bare port means
// localhost ("3000" → "http://localhost:3000", ":3000/hook" →
// "http://localhost:3000/hook"). Only http and https are accepted, with a
// host; a path alone ("/hook") is refused, since it names no server.
package routes

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/model"
)

// Route sends the requests whose event type matches one of Patterns to
// every URL of To, with Headers added.
type Route struct {
	// Patterns are event-type patterns (model.MatchEvent: "push",
	// "device.*", "*"). None: the route is a catch-all that receives every
	// request, those of unknown event type included.
	Patterns []string
	// To are absolute http(s) URLs, normalized (scheme added).
	To []string
	// Headers are set on every request forwarded along this route, on top
	// of the command's --forward-header ones. Nil when none.
	Headers http.Header
	// Origin says where the route was defined, for messages:
	// `--forward-to "push=…"` or "routes.yaml:12".
	Origin string
}

// Label names the route for people (the banner): its patterns joined by
// ", ", or "" for a catch-all without patterns.
func (r Route) Label() string { return strings.Join(r.Patterns, ", ") }

// CatchAll reports whether the route receives every request: it has no
// patterns, or one of them is only '*'s.
func (r Route) CatchAll() bool {
	if len(r.Patterns) == 0 {
		return true
	}
	for _, p := range r.Patterns {
		if strings.Trim(p, "*") == "" {
			return true
		}
	}
	return false
}

// Table is an ordered list of routes: flag order, then file order.
type Table []Route

// Target is where one request is forwarded.
type Target struct {
	URL string
	// Route is the pattern that matched ("device.*"), or "" when the
	// target came from a catch-all route without patterns (a bare URL).
	Route string
	// Headers are the route's extra headers; nil when none.
	Headers http.Header
}

// Match returns the targets for a request of the given event type, in table
// order, each URL once: when several routes lead to the same URL, the first
// one decides the route recorded and the headers sent. A request whose
// event type is unknown ("") matches only catch-all routes (no patterns, or
// "*").
func (t Table) Match(eventType string) []Target {
	var out []Target
	for _, r := range t {
		pattern, ok := r.match(eventType)
		if !ok {
			continue
		}
		for _, u := range r.To {
			if slices.ContainsFunc(out, func(x Target) bool { return x.URL == u }) {
				continue
			}
			out = append(out, Target{URL: u, Route: pattern, Headers: r.Headers})
		}
	}
	return out
}

// match reports whether the route takes eventType, and the pattern that did.
func (r Route) match(eventType string) (string, bool) {
	if len(r.Patterns) == 0 {
		return "", true
	}
	for _, p := range r.Patterns {
		if eventType == "" {
			if strings.Trim(p, "*") == "" {
				return p, true
			}
			continue
		}
		if model.MatchEvent(p, eventType) {
			return p, true
		}
	}
	return "", false
}

// URLs returns every distinct URL of the table, in order.
func (t Table) URLs() []string {
	var out []string
	for _, r := range t {
		for _, u := range r.To {
			if !slices.Contains(out, u) {
				out = append(out, u)
			}
		}
	}
	return out
}

// Parse reads repeated --forward-to values: each is a bare URL (every
// request) or PATTERN=URL, PATTERN being one or more comma-separated
// event-type patterns. See the package documentation for the rules. Errors
// are usage errors (apperr.ErrUsage) naming the value.
func Parse(values []string) (Table, error) {
	var t Table
	for _, v := range values {
		r, err := parseValue(v)
		if err != nil {
			return nil, err
		}
		t = append(t, r)
	}
	return t, nil
}

func parseValue(v string) (Route, error) {
	origin := "--forward-to " + strconv.Quote(v)
	raw := strings.TrimSpace(v)
	var patterns []string
	if before, after, ok := strings.Cut(raw, "="); ok && !strings.ContainsAny(before, "/:?") {
		if ps, ok := flagPatterns(before); ok {
			patterns, raw = ps, strings.TrimSpace(after)
			if raw == "" {
				return Route{}, apperr.Usagef("invalid %s: no URL after %q (use PATTERN=URL, e.g. 'device.*=http://localhost:3000/devices')", origin, before+"=")
			}
		}
	}
	u, err := NormalizeURL(raw)
	if err != nil {
		hint := ""
		if patterns == nil {
			if before, _, ok := strings.Cut(raw, "="); ok && eventPattern.MatchString(before) && strings.ContainsAny(before, "/:") {
				hint = "; an event pattern containing '/' or ':' can only be routed in a --routes file"
			}
		}
		return Route{}, apperr.Usagef("invalid %s: %v%s", origin, err, hint)
	}
	return Route{Patterns: patterns, To: []string{u}, Origin: origin}, nil
}

// flagPatterns splits "a.*,b" into valid patterns for the PATTERN=URL form.
func flagPatterns(s string) ([]string, bool) {
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		p = strings.TrimSpace(p)
		if !eventPattern.MatchString(p) {
			return nil, false
		}
		out = append(out, p)
	}
	return out, len(out) > 0
}

// eventPattern is backend.ValidateEventPatterns' rule (copied: this package
// must not depend on the backend and its store).
var eventPattern = regexp.MustCompile(`^[A-Za-z0-9_.*/:-]+$`)

// ValidatePattern checks one event-type pattern.
func ValidatePattern(p string) error {
	if !eventPattern.MatchString(p) {
		return apperr.Usagef("invalid event pattern %q: use an event type such as device.enrolled, a pattern such as device.*, or * for all", p)
	}
	return nil
}

// NormalizeURL turns a forwarding target into an absolute URL: "3000" and
// ":3000/x" mean localhost, no scheme means http://. It accepts only http
// and https URLs with a host. The text is kept as written otherwise (no
// re-encoding), so the target receives exactly that path and query.
func NormalizeURL(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", apperr.Usagef("empty URL: give the local endpoint, e.g. localhost:3000/webhooks")
	}
	switch {
	case strings.Trim(s, "0123456789") == "":
		s = "localhost:" + s
	case strings.HasPrefix(s, ":"):
		s = "localhost" + s
	case strings.HasPrefix(s, "/"):
		return "", apperr.Usagef("URL %q has no host: use e.g. localhost:3000%s", raw, s)
	case strings.HasPrefix(s, "="):
		return "", apperr.Usagef("invalid URL %q: no pattern before '=' (use PATTERN=URL, e.g. 'device.*=localhost:3000/devices')", raw)
	}
	if !hasScheme.MatchString(s) {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		if ue, ok := err.(*url.Error); ok {
			err = ue.Err
		}
		return "", apperr.Usagef("invalid URL %q: %v", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", apperr.Usagef("invalid URL %q: only http:// and https:// can be forwarded to", raw)
	}
	if h := u.Hostname(); h == "" || strings.Trim(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:%") != "" {
		return "", apperr.Usagef("invalid URL %q: no valid host (expected something like http://localhost:3000/webhooks)", raw)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", apperr.Usagef("invalid URL %q: port %s is not 1-65535", raw, p)
		}
	}
	return s, nil
}

var hasScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`)

// headers set by hookctl itself, refused as extra route headers.
var reservedHeaders = map[string]bool{
	"Host": true, "Content-Length": true, "Transfer-Encoding": true, "Connection": true,
	"Keep-Alive": true, "Te": true, "Trailer": true, "Upgrade": true, "Proxy-Connection": true,
}

// validHeader checks an extra header's name and value as net/http needs them.
func validHeader(name, value string) error {
	if name == "" || strings.ContainsAny(name, " \t\r\n:") || !validToken(name) {
		return apperr.Usagef("invalid header name %q", name)
	}
	if reservedHeaders[http.CanonicalHeaderKey(name)] {
		return apperr.Usagef("header %s cannot be set: hookctl sets it", http.CanonicalHeaderKey(name))
	}
	if strings.ContainsAny(value, "\r\n\x00") {
		return apperr.Usagef("invalid value for header %s: line breaks are not allowed", name)
	}
	return nil
}

func validToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}
