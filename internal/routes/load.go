package routes

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hookctl/hookctl/internal/apperr"
)

// MaxFileSize bounds a --routes file.
const MaxFileSize = 1 << 20

// Load reads a --routes file:
//
//	routes:
//	  - events: ["device.*"]              # a pattern or a list; omitted: every request
//	    to: [http://localhost:3000/devices] # a URL or a list (required)
//	    headers: {X-Env: dev}              # optional: name → value (or list of values)
//	  - events: push
//	    to: localhost:4000/github
//
// URLs follow the same rules as --forward-to (no scheme means http://).
// Every mistake is a usage error (apperr.ErrUsage) of the form
// "FILE:LINE: what is wrong: what to write instead".
func Load(path string) (Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, apperr.Usagef("--routes: %v", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && !st.Mode().IsRegular() {
		return nil, apperr.Usagef("--routes %s: not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, apperr.Usagef("--routes: %v", err)
	}
	if len(data) > MaxFileSize {
		return nil, apperr.Usagef("--routes %s: larger than %d KiB", path, MaxFileSize>>10)
	}
	return ParseYAML(path, data)
}

// ParseYAML reads the routes of a --routes file's content; name prefixes
// the messages (the file's path).
func ParseYAML(name string, data []byte) (Table, error) {
	p := &yamlParser{name: name}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, p.errf(0, "the file is empty: expected %s", example)
		}
		return nil, apperr.Usagef("%s: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, p.errf(extra.Line, "a second YAML document: put all routes in one list under routes:")
	}
	return p.document(&doc)
}

const example = "routes: followed by a list such as\n  - events: device.*\n    to: http://localhost:3000/devices"

type yamlParser struct{ name string }

func (p *yamlParser) errf(line int, format string, args ...any) error {
	where := p.name
	if line > 0 {
		where = fmt.Sprintf("%s:%d", p.name, line)
	}
	return apperr.Usagef("%s: %s", where, fmt.Sprintf(format, args...))
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func (p *yamlParser) document(doc *yaml.Node) (Table, error) {
	root := doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return nil, p.errf(0, "the file is empty: expected %s", example)
		}
		root = deref(root.Content[0])
	}
	if root.Kind != yaml.MappingNode {
		return nil, p.errf(root.Line, "expected %s", example)
	}
	var list *yaml.Node
	err := p.mapping(root, func(key string, k, v *yaml.Node) error {
		if key != "routes" {
			return p.errf(k.Line, "unknown key %q: the file has one key, routes", key)
		}
		list = v
		return nil
	})
	if err != nil {
		return nil, err
	}
	if list == nil {
		return nil, p.errf(root.Line, "no routes: key; expected %s", example)
	}
	if list.Kind != yaml.SequenceNode {
		return nil, p.errf(list.Line, "routes must be a list (each item starting with '- '); expected %s", example)
	}
	if len(list.Content) == 0 {
		return nil, p.errf(list.Line, "routes is empty: add at least one route, e.g.\n  - events: device.*\n    to: http://localhost:3000/devices")
	}
	var t Table
	for i, item := range list.Content {
		r, err := p.route(i+1, deref(item))
		if err != nil {
			return nil, err
		}
		t = append(t, r)
	}
	return t, nil
}

// mapping calls fn for each key of m, refusing duplicate and non-string keys.
func (p *yamlParser) mapping(m *yaml.Node, fn func(key string, k, v *yaml.Node) error) error {
	seen := map[string]bool{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := deref(m.Content[i]), deref(m.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			return p.errf(k.Line, "a key must be a plain name")
		}
		if seen[k.Value] {
			return p.errf(k.Line, "%q appears twice in the same mapping", k.Value)
		}
		seen[k.Value] = true
		if err := fn(k.Value, k, v); err != nil {
			return err
		}
	}
	return nil
}

func (p *yamlParser) route(n int, item *yaml.Node) (Route, error) {
	if item.Kind != yaml.MappingNode {
		return Route{}, p.errf(item.Line, "route %d must be a mapping with events, to and optionally headers, e.g.\n  - events: device.*\n    to: http://localhost:3000/devices", n)
	}
	r := Route{Origin: fmt.Sprintf("%s:%d", p.name, item.Line)}
	var hasTo bool
	err := p.mapping(item, func(key string, k, v *yaml.Node) error {
		switch key {
		case "events":
			values, err := p.strings(v, "events", "an event pattern or a list of them, e.g. events: [device.*, push]")
			if err != nil {
				return err
			}
			if len(values) == 0 {
				return p.errf(v.Line, "route %d: events is empty: leave events out (or write events: \"*\") to route every request", n)
			}
			for i, e := range values {
				if err := ValidatePattern(e); err != nil {
					return p.errf(p.line(v, i), "route %d: %v", n, err)
				}
			}
			r.Patterns = values
		case "to":
			values, err := p.strings(v, "to", "a URL or a list of URLs, e.g. to: http://localhost:3000/devices")
			if err != nil {
				return err
			}
			if len(values) == 0 {
				return p.errf(v.Line, "route %d: to is empty: list the URLs that receive these events, e.g. to: http://localhost:3000/devices", n)
			}
			for i, s := range values {
				u, err := NormalizeURL(s)
				if err != nil {
					return p.errf(p.line(v, i), "route %d: %v", n, err)
				}
				r.To = append(r.To, u)
			}
			hasTo = true
		case "headers":
			h, err := p.headers(n, v)
			if err != nil {
				return err
			}
			r.Headers = h
		default:
			hint := ""
			switch strings.ToLower(key) {
			case "event", "pattern", "patterns", "type", "types":
				hint = " (did you mean events?)"
			case "url", "urls", "target", "targets", "forward-to", "forward_to":
				hint = " (did you mean to?)"
			case "header":
				hint = " (did you mean headers?)"
			}
			return p.errf(k.Line, "route %d: unknown key %q%s: a route has events, to and headers", n, key, hint)
		}
		return nil
	})
	if err != nil {
		return Route{}, err
	}
	if !hasTo {
		return Route{}, p.errf(item.Line, "route %d: to is required: the URL(s) that receive these events, e.g. to: http://localhost:3000/devices", n)
	}
	return r, nil
}

// line is the line of the i-th value of v (a scalar or a sequence).
func (p *yamlParser) line(v *yaml.Node, i int) int {
	if v.Kind == yaml.SequenceNode && i < len(v.Content) {
		return deref(v.Content[i]).Line
	}
	return v.Line
}

// strings reads a scalar or a sequence of scalars.
func (p *yamlParser) strings(v *yaml.Node, key, want string) ([]string, error) {
	switch v.Kind {
	case yaml.ScalarNode:
		if v.Tag == "!!null" {
			return nil, nil
		}
		return []string{v.Value}, nil
	case yaml.SequenceNode:
		out := make([]string, 0, len(v.Content))
		for _, c := range v.Content {
			c = deref(c)
			if c.Kind != yaml.ScalarNode || c.Tag == "!!null" {
				return nil, p.errf(c.Line, "%s: expected %s", key, want)
			}
			out = append(out, c.Value)
		}
		return out, nil
	}
	return nil, p.errf(v.Line, "%s: expected %s", key, want)
}

func (p *yamlParser) headers(n int, v *yaml.Node) (http.Header, error) {
	if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
		return nil, nil
	}
	if v.Kind != yaml.MappingNode {
		return nil, p.errf(v.Line, "route %d: headers must be a mapping of name to value, e.g. headers: {X-Env: dev}", n)
	}
	h := http.Header{}
	err := p.mapping(v, func(key string, k, val *yaml.Node) error {
		values, err := p.strings(val, "header "+key, "a value or a list of values")
		if err != nil {
			return err
		}
		if len(values) == 0 {
			values = []string{""}
		}
		for _, s := range values {
			if err := validHeader(key, s); err != nil {
				return p.errf(k.Line, "route %d: %v", n, err)
			}
		}
		name := http.CanonicalHeaderKey(key)
		if _, dup := h[name]; dup {
			return p.errf(k.Line, "route %d: header %s appears twice (write its values as a list)", n, name)
		}
		h[name] = values
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(h) == 0 {
		return nil, nil
	}
	return h, nil
}
