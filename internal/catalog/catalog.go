// Package catalog holds the example webhook events that hookctl can send
// (embedded JSON templates, one file per event type, plus user templates),
// builds fresh payloads from them, edits payloads with --set assignments,
// classifies received webhooks by event type and matches subscription
// patterns. It is pure: it never prints, prompts or reads flags.
//
// # Template files
//
// Each event is one JSON file (builtins live in events/<provider>/<name>.json):
//
//	{
//	  "type": "device.enrolled",
//	  "provider": "scalefusion",
//	  "scheme": "hmac-sha256",
//	  "description": "A device finished enrollment",
//	  "platforms": ["android", "ios", "macos", "windows", "linux"],
//	  "category": "Enrollment",
//	  "headers": {"User-Agent": "Scalefusion-Webhooks/1.0"},
//	  "payload": { … }
//	}
//
// type, provider and payload are required; scheme, if given, must be one of
// Schemes; platforms (device events: the platforms the provider sends the
// event for) must be some of Platforms, category one of Categories. Header
// values and payload strings may contain placeholders (see BuildOptions and
// the placeholder table in placeholder.go).
package catalog

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/hookctl/hookctl/internal/apperr"
)

//go:embed events
var builtinFS embed.FS

// Schemes are the signature schemes an event may name.
var Schemes = []string{"standard", "stripe", "github", "slack", "shopify", "hmac-sha256", "ricloud"}

// SourceBuiltin is Event.Source for the embedded events.
const SourceBuiltin = "builtin"

// Event is one example event: metadata plus a payload template.
type Event struct {
	Type        string `json:"type"`
	Provider    string `json:"provider"`
	Scheme      string `json:"scheme,omitempty"`
	Description string `json:"description,omitempty"`
	// Platforms are the device platforms the provider sends the event for
	// (device events only; see Platforms); the example payload's device
	// uses one of them.
	Platforms []string `json:"platforms,omitempty"`
	// Category is the provider's event category (see Categories).
	Category string            `json:"category,omitempty"`
	Headers  map[string]string `json:"headers,omitempty"`
	Payload  json.RawMessage   `json:"payload"` // template; see Build
	Source   string            `json:"source"`  // "builtin" or the path of a user template
}

// Catalog is a set of events keyed by type. The zero value is empty and usable.
type Catalog struct {
	events   map[string]Event
	warnings []string
}

// Warnings says what LoadUser skipped: template paths that are not regular
// files (a FIFO, a device, a socket or a directory named *.json), one
// sentence each, for the command to print on stderr.
func (c *Catalog) Warnings() []string { return slices.Clone(c.warnings) }

// Builtin returns the embedded events.
func Builtin() *Catalog {
	c, err := loadBuiltin()
	if err != nil {
		// The embedded files are checked by the tests; failing here is a build defect.
		panic(err)
	}
	return c
}

// loadBuiltin returns a fresh catalogue of the embedded events. They are
// parsed once per process (a server builds events on every API call); each
// caller gets its own map, so load can add user templates to it, and Get and
// List hand out copies of the events.
func loadBuiltin() (*Catalog, error) {
	parsed, err := parsedBuiltin()
	if err != nil {
		return nil, err
	}
	return &Catalog{events: maps.Clone(parsed.events)}, nil
}

var parsedBuiltin = sync.OnceValues(parseBuiltin)

func parseBuiltin() (*Catalog, error) {
	c := &Catalog{events: map[string]Event{}}
	err := fs.WalkDir(builtinFS, "events", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".json" {
			return err
		}
		data, err := builtinFS.ReadFile(p)
		if err != nil {
			return err
		}
		e, err := parseEvent(p, data)
		if err != nil {
			return err
		}
		e.Source = SourceBuiltin
		if prev, dup := c.events[e.Type]; dup {
			return fmt.Errorf("builtin event type %q defined twice (%s)", e.Type, prev.Provider)
		}
		c.events[e.Type] = e
		return nil
	})
	return c, err
}

// LoadUser is load for a command: defaultDir (the data directory's events/)
// may be missing, while each of dirs (given with --template-dir) must be an
// existing directory, else an apperr.ErrUsage error names it.
func LoadUser(defaultDir string, dirs ...string) (*Catalog, error) {
	for _, dir := range dirs {
		if dir == "" {
			continue
		}
		info, err := os.Stat(dir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, apperr.Wrap(apperr.ErrUsage, err, "--template-dir %s does not exist: create it or pass an existing directory of event templates (*.json)", dir)
		case err != nil:
			return nil, apperr.Wrap(apperr.ErrUsage, err, "--template-dir %s: %v", dir, err)
		case !info.IsDir():
			return nil, apperr.Usagef("--template-dir %s is not a directory: pass the directory that holds the event templates (*.json)", dir)
		}
	}
	return load(append([]string{defaultDir}, dirs...))
}

// load returns the builtin events plus the user templates found in dirs
// (every *.json file, walked recursively, same format as the builtins). A
// user template with the type of an existing event replaces it; a later dir
// wins over an earlier one. Directories that do not exist are skipped, so a
// default templates directory may be passed unconditionally. A malformed
// template is an apperr.ErrUsage error naming the file and the position of
// the JSON error.
//
// Only regular files are read (symlinks followed): anything else named
// *.json is skipped, unopened, with a warning (Warnings). A template over
// MaxTemplateSize (1 MiB) is an apperr.ErrUsage error naming the file.
func load(dirs []string) (*Catalog, error) {
	c, err := loadBuiltin()
	if err != nil {
		return nil, err
	}
	for _, dir := range dirs {
		if dir == "" {
			continue
		}
		seen := map[string]string{} // type → file within this dir
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if p == dir && errors.Is(err, fs.ErrNotExist) {
					return fs.SkipAll
				}
				return apperr.Wrap(apperr.ErrUsage, err, "read event templates: %v", err)
			}
			if d.IsDir() || !strings.EqualFold(filepath.Ext(p), ".json") {
				return nil
			}
			data, err := readTemplate(p)
			if errors.Is(err, errSkip) {
				c.warnings = append(c.warnings, fmt.Sprintf("skipped event template %s: %v", p, err))
				return nil
			}
			if err != nil {
				return err
			}
			e, err := parseEvent(p, data)
			if err != nil {
				return err
			}
			if other, dup := seen[e.Type]; dup {
				return apperr.Usagef("event type %q is defined by both %s and %s", e.Type, other, p)
			}
			seen[e.Type] = p
			e.Source = p
			c.events[e.Type] = e
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return c, nil
}

// parseEvent decodes and validates one template file.
func parseEvent(name string, data []byte) (Event, error) {
	var e Event
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return Event{}, jsonError(name, data, err)
	}
	if dec.More() {
		return Event{}, apperr.Usagef("event template %s: unexpected data after the JSON object at %s", name, position(data, dec.InputOffset()))
	}
	switch {
	case e.Type == "":
		return Event{}, apperr.Usagef("event template %s: \"type\" is required", name)
	case strings.ContainsAny(e.Type, " \t\n*"):
		return Event{}, apperr.Usagef("event template %s: type %q must not contain spaces or '*'", name, e.Type)
	case e.Provider == "":
		return Event{}, apperr.Usagef("event template %s: \"provider\" is required", name)
	case len(bytes.TrimSpace(e.Payload)) == 0 || string(bytes.TrimSpace(e.Payload)) == "null":
		return Event{}, apperr.Usagef("event template %s: \"payload\" is required", name)
	case e.Scheme != "" && !slices.Contains(Schemes, e.Scheme):
		return Event{}, apperr.Usagef("event template %s: unknown scheme %q (want one of %s)", name, e.Scheme, strings.Join(Schemes, ", "))
	}
	if err := checkPlatforms(&e); err != nil {
		return Event{}, apperr.Usagef("event template %s: %v", name, err)
	}
	// Check the placeholders once so that a bad one is reported at load time.
	if _, _, err := e.BuildRequest(BuildOptions{}); err != nil {
		return Event{}, apperr.Usagef("event template %s: %v", name, err)
	}
	return e, nil
}

func jsonError(name string, data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return apperr.Wrap(apperr.ErrUsage, err, "event template %s: invalid JSON at %s: %v", name, position(data, syn.Offset), syn)
	case errors.As(err, &typ):
		return apperr.Wrap(apperr.ErrUsage, err, "event template %s: field %q at %s: expected %s, got JSON %s", name, typ.Field, position(data, typ.Offset), typ.Type, typ.Value)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.Wrap(apperr.ErrUsage, err, "event template %s: invalid JSON at %s: unexpected end of file", name, position(data, int64(len(data))))
	}
	return apperr.Wrap(apperr.ErrUsage, err, "event template %s: %v", name, err)
}

// position renders a byte offset as "line L, column C (offset O)".
func position(data []byte, offset int64) string {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(offset) - (bytes.LastIndexByte(before, '\n') + 1)
	if col == 0 {
		col = 1
	}
	return fmt.Sprintf("line %d, column %d (offset %d)", line, col, offset)
}

// List returns the events of one provider ("" = all), sorted by provider then type.
func (c *Catalog) List(provider string) []Event {
	var out []Event
	for _, e := range c.events {
		if provider == "" || strings.EqualFold(e.Provider, provider) {
			out = append(out, e.clone())
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Provider != out[j].Provider {
			return out[i].Provider < out[j].Provider
		}
		return out[i].Type < out[j].Type
	})
	return out
}

// Providers returns the providers that have events, sorted.
func (c *Catalog) Providers() []string {
	var out []string
	for _, e := range c.events {
		if !slices.Contains(out, e.Provider) {
			out = append(out, e.Provider)
		}
	}
	sort.Strings(out)
	return out
}

// Get returns the event of the given type. An unknown type is an
// apperr.ErrNotFound error that suggests the closest known type.
func (c *Catalog) Get(eventType string) (Event, error) {
	if e, ok := c.events[eventType]; ok {
		return e.clone(), nil
	}
	msg := fmt.Sprintf("unknown event type %q (run \"hookctl events list\")", eventType)
	if s := c.Suggest(eventType); s != "" {
		msg = fmt.Sprintf("unknown event type %q; did you mean %q? (run \"hookctl events list\")", eventType, s)
	}
	return Event{}, apperr.New(apperr.ErrNotFound, "%s", msg)
}

// Suggest returns the known event type closest to eventType, or "" when
// none is close enough.
func (c *Catalog) Suggest(eventType string) string {
	want := strings.ToLower(strings.TrimSpace(eventType))
	if want == "" {
		return ""
	}
	best, bestDist := "", -1
	for t := range c.events {
		lt := strings.ToLower(t)
		d := levenshtein(want, lt)
		// A unique suffix after a separator ("enrolled" → "device.enrolled")
		// is as good as a one-letter typo.
		if strings.HasSuffix(lt, "."+want) || strings.HasSuffix(lt, "/"+want) {
			d = min(d, 1)
		}
		if d < bestDist || bestDist < 0 || (d == bestDist && t < best) {
			best, bestDist = t, d
		}
	}
	if bestDist < 0 || bestDist > max(2, len(want)/3) {
		return ""
	}
	return best
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// clone returns a copy that shares no memory with the catalog, so callers
// may edit Headers or Payload freely.
func (e Event) clone() Event {
	e.Headers = maps.Clone(e.Headers)
	e.Platforms = slices.Clone(e.Platforms)
	e.Payload = slices.Clone(e.Payload)
	return e
}

// Build fills the placeholders of the payload template with fresh values and
// returns compact, valid JSON.
func (e Event) Build(opts BuildOptions) ([]byte, error) {
	body, _, err := e.BuildRequest(opts)
	return body, err
}

// BuildRequest is Build plus the event's headers with their placeholders
// filled from the same build (so "{{uuid#delivery}}" in a header and in the
// payload is the same value). Content-Type defaults to application/json.
// Signature headers are not added: that is the signature package's job.
func (e Event) BuildRequest(opts BuildOptions) ([]byte, http.Header, error) {
	f := newFiller(opts)
	body, err := f.fillJSON(e.Payload)
	if err != nil {
		return nil, nil, err
	}
	h := http.Header{}
	for k, v := range e.Headers {
		filled, err := f.expandText(v)
		if err != nil {
			return nil, nil, fmt.Errorf("header %s: %w", k, err)
		}
		h.Set(k, filled)
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	return body, h, nil
}
