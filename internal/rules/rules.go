// Package rules is the rule engine of a custom validation server: it parses a
// rules file (YAML or JSON) that lists, per config type, checks on gjson paths
// of a config instance's content, and checks content against it, producing an
// approval message or one parameter error per failed rule.
//
// The package is pure: it parses the bytes it is given and returns values; it
// never prints. Load is the only function that touches the file system.
//
// # File format
//
//	unknown_types: reject        # or approve: what to do with config types that have no rules
//	config_types:
//	  motion-control:            # a ConfigInstance.ConfigTypeID; "*" applies to every type
//	    rules:
//	      - path: speed.max      # gjson path into the content; escape dots in keys as a\.b
//	        required: true       # the path must be present (null counts as present)
//	        type: number         # string|number|integer|boolean|object|array|null
//	        min: 0               # numbers: inclusive bounds
//	        max: 10
//	      - path: mode
//	        enum: [auto, manual] # any JSON scalars (strings, numbers, booleans, null)
//	      - path: name
//	        pattern: '^[a-z][a-z0-9-]*$'  # Go regexp, unanchored unless you anchor it
//	        min_length: 3        # strings: characters; arrays: items
//	        max_length: 32
//	        message: names are 3 to 32 lowercase letters, digits or dashes  # replaces the default message
//	  sensors: [ {path: rate, type: integer} ]   # shorthand: a list of rules directly
//
// Top-level keys starting with "x-" are ignored, so they can hold YAML anchors
// for rules or rule lists reused with aliases (*name). Merge keys (<<) are not
// supported.
//
// A path that is absent is only an error when the rule says required: true;
// otherwise the rule's other checks are skipped. Each rule yields at most one
// parameter error: the first of its checks that fails, in the order required,
// type, enum, min, max, pattern, min_length, max_length.
//
// Rules under "*" apply to every config type, after the type's own rules. A
// config type with no entry of its own (and no "*") is handled by
// unknown_types: reject (the default) rejects the instance with one error at
// the root path saying no rules apply; approve approves it with a message
// saying so. An entry with an empty list (rules: []) approves its type
// without checks.
package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/model"
)

// Values of unknown_types.
const (
	UnknownReject  = "reject"
	UnknownApprove = "approve"
)

// AllTypes is the config type key whose rules apply to every config type.
const AllTypes = "*"

// Types lists the names accepted by a rule's type check.
var Types = []string{"string", "number", "integer", "boolean", "object", "array", "null"}

// checkNames lists the keys of a rule besides path, in evaluation order.
var checkNames = []string{"required", "type", "enum", "min", "max", "pattern", "min_length", "max_length", "message"}

// Rule is one parsed rule: checks on the value at Path.
type Rule struct {
	Path          string   // gjson path as written in the file
	ParameterPath []string // Path split on unescaped dots (see SplitPath)
	Line          int      // line of the rule in the file
	Required      bool
	Type          string // "" when not checked
	Enum          []any  // string, float64, bool or nil; empty when not checked
	Min, Max      *float64
	Pattern       *regexp.Regexp
	MinLength     *int
	MaxLength     *int
	Message       string // replaces the default failure message when set
}

// RuleSet is a parsed rules file. Build it with Parse or Load.
type RuleSet struct {
	Name         string // file name used in messages
	UnknownTypes string // UnknownReject or UnknownApprove
	types        map[string][]Rule
	order        []string // config types in file order
}

// ConfigTypes returns the config types the file has rules for, in file order
// ("*" included when present).
func (rs *RuleSet) ConfigTypes() []string { return slices.Clone(rs.order) }

// Rules returns the rules that apply to configType (its own, then "*"'s) and
// whether the file covers that type at all.
func (rs *RuleSet) Rules(configType string) ([]Rule, bool) {
	own, ok := rs.types[configType]
	all, okAll := rs.types[AllTypes]
	if configType == AllTypes {
		return slices.Clone(own), ok
	}
	return append(slices.Clone(own), all...), ok || okAll
}

// ParseError is a malformed rules file: File:Line: Reason. Parse and Load
// return it wrapped as apperr.ErrUsage (reach it with errors.As).
type ParseError struct {
	File   string
	Line   int // 0 when unknown
	Reason string
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Reason)
}

// Load reads and parses the rules file at path; messages name the file as path.
func Load(path string) (*RuleSet, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, apperr.Wrap(apperr.ErrUsage, err, "read rules file: %v", err)
	}
	return Parse(data, path)
}

// Parse parses a rules file (YAML, or JSON which is YAML too). name is the
// file name shown in errors. Errors are *ParseError wrapped as apperr.ErrUsage,
// one line: "name:line: reason".
func Parse(data []byte, name string) (*RuleSet, error) {
	p := &parser{name: name}
	rs, err := p.parse(data)
	if err != nil {
		return nil, apperr.Wrap(apperr.ErrUsage, err, "%s", err.Error())
	}
	return rs, nil
}

type parser struct{ name string }

func (p *parser) errf(n *yaml.Node, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &ParseError{File: p.name, Line: line, Reason: fmt.Sprintf(format, args...)}
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError turns a yaml.v3 syntax error into a ParseError.
// For a JSON file, encoding/json locates a syntax error better than yaml.v3
// (whose errors sometimes carry no line, or the line where the value began).
func (p *parser) yamlError(err error, data []byte) error {
	var se *json.SyntaxError
	if t := bytes.TrimSpace(data); len(t) > 0 && (t[0] == '{' || t[0] == '[') && errors.As(json.Unmarshal(data, new(json.RawMessage)), &se) {
		line := 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))
		return &ParseError{File: p.name, Line: line, Reason: se.Error()}
	}
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &ParseError{File: p.name, Line: line, Reason: m[2]}
	}
	return &ParseError{File: p.name, Reason: strings.TrimPrefix(msg, "yaml: ")}
}

// resolve follows aliases (bounded, in case of a cycle).
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}

type pair struct{ key, val *yaml.Node }

// pairs lists a mapping's entries, rejecting non-scalar and duplicate keys.
// what names a key in the duplicate message ("key", "config type", "check").
func (p *parser) pairs(m *yaml.Node, what string) ([]pair, error) {
	var out []pair
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := resolve(m.Content[i]), resolve(m.Content[i+1])
		if k == nil || v == nil || k.Kind != yaml.ScalarNode {
			return nil, p.errf(m.Content[i], "a %s must be a plain name", what)
		}
		if first, dup := seen[k.Value]; dup {
			return nil, p.errf(m.Content[i], "duplicate %s %q (first at line %d)", what, k.Value, first)
		}
		seen[k.Value] = m.Content[i].Line
		out = append(out, pair{m.Content[i], v})
	}
	return out, nil
}

func (p *parser) parse(data []byte) (*RuleSet, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, p.errf(nil, "empty rules file: expected config_types: with rules per config type")
		}
		return nil, p.yamlError(err, data)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, p.errf(&extra, "more than one YAML document: put all config types in one")
	} else if !errors.Is(err, io.EOF) {
		return nil, p.yamlError(err, data)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return nil, p.errf(root, "empty rules file: expected config_types: with rules per config type")
		}
		root = resolve(root.Content[0])
	}
	if root == nil || root.Kind != yaml.MappingNode {
		return nil, p.errf(root, "the rules file must be a mapping with config_types (got %s)", kindName(root))
	}
	entries, err := p.pairs(root, "key")
	if err != nil {
		return nil, err
	}
	rs := &RuleSet{Name: p.name, UnknownTypes: UnknownReject, types: map[string][]Rule{}}
	var haveTypes bool
	for _, e := range entries {
		switch e.key.Value {
		case "unknown_types":
			if e.val.Kind != yaml.ScalarNode || (e.val.Value != UnknownReject && e.val.Value != UnknownApprove) {
				return nil, p.errf(e.val, "unknown_types must be approve or reject (got %s)", kindName(e.val))
			}
			rs.UnknownTypes = e.val.Value
		case "config_types":
			haveTypes = true
			if err := p.configTypes(rs, e.val); err != nil {
				return nil, err
			}
		default:
			if strings.HasPrefix(e.key.Value, "x-") {
				continue // free for anchors: x-common: &speed {path: speed, type: number}
			}
			return nil, p.errf(e.key, "unknown key %q (known: config_types, unknown_types, x-… for anchors)", e.key.Value)
		}
	}
	if !haveTypes {
		return nil, p.errf(root, "missing config_types: the rules per config type")
	}
	return rs, nil
}

func (p *parser) configTypes(rs *RuleSet, n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return p.errf(n, "config_types must be a mapping from config type to its rules (got %s)", kindName(n))
	}
	entries, err := p.pairs(n, "config type")
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.key.Value
		if strings.TrimSpace(name) == "" {
			return p.errf(e.key, "empty config type name")
		}
		list := e.val
		if list.Kind == yaml.MappingNode {
			fields, err := p.pairs(list, "key")
			if err != nil {
				return err
			}
			list = nil
			for _, f := range fields {
				if f.key.Value != "rules" {
					return p.errf(f.key, "unknown key %q in config type %q (known: rules)", f.key.Value, name)
				}
				list = f.val
			}
			if list == nil {
				return p.errf(e.val, "config type %q has no rules: key (write rules: [] to approve it without checks)", name)
			}
		}
		if list.Kind != yaml.SequenceNode {
			return p.errf(list, "the rules of config type %q must be a list (got %s)", name, kindName(list))
		}
		rules := make([]Rule, 0, len(list.Content))
		for _, rn := range list.Content {
			r, err := p.rule(resolve(rn), rn.Line)
			if err != nil {
				return err
			}
			rules = append(rules, r)
		}
		rs.types[name] = rules
		rs.order = append(rs.order, name)
	}
	return nil
}

// number reads a finite YAML number.
func (p *parser) number(n *yaml.Node, key string) (float64, error) {
	var f float64
	if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!float") || n.Decode(&f) != nil {
		return 0, p.errf(n, "%s must be a number", key)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, p.errf(n, "%s must be a finite number", key)
	}
	return f, nil
}

// count reads a non-negative whole number.
func (p *parser) count(n *yaml.Node, key string) (int, error) {
	var i int
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&i) != nil || i < 0 {
		return 0, p.errf(n, "%s must be a whole number, 0 or more", key)
	}
	return i, nil
}

// text reads a non-null scalar as text.
func (p *parser) text(n *yaml.Node, key string) (string, error) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		return "", p.errf(n, "%s must be text (got %s)", key, kindName(n))
	}
	return n.Value, nil
}

func (p *parser) scalar(n *yaml.Node) (any, error) {
	if n.Kind == yaml.ScalarNode {
		switch n.ShortTag() {
		case "!!str":
			return n.Value, nil
		case "!!null":
			return nil, nil
		case "!!bool":
			var b bool
			if n.Decode(&b) == nil {
				return b, nil
			}
		case "!!int", "!!float":
			return p.number(n, "an enum value")
		}
	}
	return nil, p.errf(n, "enum values must be strings, numbers, booleans or null (got %s)", kindName(n))
}

func (p *parser) rule(n *yaml.Node, line int) (Rule, error) {
	r := Rule{Line: line}
	if n == nil || n.Kind != yaml.MappingNode {
		if n == nil {
			return r, p.errf(nil, "a rule must be a mapping")
		}
		return r, p.errf(n, "a rule must be a mapping such as {path: a.b, required: true} (got %s)", kindName(n))
	}
	fields, err := p.pairs(n, "check")
	if err != nil {
		return r, err
	}
	at := map[string]*yaml.Node{}
	var havePath bool
	for _, f := range fields {
		k, v := f.key.Value, f.val
		at[k] = v
		switch k {
		case "path":
			havePath = true
			if v.Kind != yaml.ScalarNode || v.ShortTag() == "!!null" || strings.TrimSpace(v.Value) == "" {
				return r, p.errf(v, "empty path: give a gjson path into the content, such as speed.max")
			}
			r.Path = v.Value
			r.ParameterPath = model.SplitParameterPath(v.Value)
		case "required":
			if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" || v.Decode(&r.Required) != nil {
				return r, p.errf(v, "required must be true or false")
			}
		case "type":
			if v.Kind != yaml.ScalarNode || !slices.Contains(Types, v.Value) {
				return r, p.errf(v, "unknown type %s (known: %s)", kindName(v), strings.Join(Types, ", "))
			}
			r.Type = v.Value
		case "enum":
			if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
				return r, p.errf(v, "enum must be a list of at least one value, such as [auto, manual]")
			}
			for _, en := range v.Content {
				x, err := p.scalar(resolve(en))
				if err != nil {
					return r, err
				}
				r.Enum = append(r.Enum, x)
			}
		case "min", "max":
			f, err := p.number(v, k)
			if err != nil {
				return r, err
			}
			if k == "min" {
				r.Min = &f
			} else {
				r.Max = &f
			}
		case "pattern":
			s, err := p.text(v, k)
			if err != nil {
				return r, err
			}
			re, err := regexp.Compile(s)
			if err != nil {
				var se *syntax.Error
				if errors.As(err, &se) {
					err = fmt.Errorf("error parsing regexp: %s", se.Code)
				}
				return r, p.errf(v, "pattern %q: %v", s, err)
			}
			r.Pattern = re
		case "min_length", "max_length":
			c, err := p.count(v, k)
			if err != nil {
				return r, err
			}
			if k == "min_length" {
				r.MinLength = &c
			} else {
				r.MaxLength = &c
			}
		case "message":
			s, err := p.text(v, k)
			if err != nil {
				return r, err
			}
			if strings.TrimSpace(s) == "" {
				return r, p.errf(v, "message must not be empty")
			}
			r.Message = s
		default:
			return r, p.errf(f.key, "unknown check %q (known: %s)", k, strings.Join(checkNames, ", "))
		}
	}
	if !havePath {
		return r, p.errf(n, "rule has no path: give a gjson path into the content, such as path: speed.max")
	}
	if !r.Required && r.Type == "" && len(r.Enum) == 0 && r.Min == nil && r.Max == nil &&
		r.Pattern == nil && r.MinLength == nil && r.MaxLength == nil {
		return r, p.errf(n, "rule for %s checks nothing: add required, type, enum, min, max, pattern, min_length or max_length", r.Path)
	}
	if r.Min != nil && r.Max != nil && *r.Min > *r.Max {
		return r, p.errf(at["max"], "min (%s) is greater than max (%s)", fmtNum(*r.Min), fmtNum(*r.Max))
	}
	if r.MinLength != nil && r.MaxLength != nil && *r.MinLength > *r.MaxLength {
		return r, p.errf(at["max_length"], "min_length (%d) is greater than max_length (%d)", *r.MinLength, *r.MaxLength)
	}
	if r.Type != "" {
		for _, c := range []struct {
			key   string
			types []string
			what  string
		}{
			{"min", []string{"number", "integer"}, "numbers"},
			{"max", []string{"number", "integer"}, "numbers"},
			{"pattern", []string{"string"}, "strings"},
			{"min_length", []string{"string", "array"}, "strings and arrays"},
			{"max_length", []string{"string", "array"}, "strings and arrays"},
		} {
			if at[c.key] != nil && !slices.Contains(c.types, r.Type) {
				return r, p.errf(at[c.key], "%s applies to %s, but type is %s", c.key, c.what, r.Type)
			}
		}
	}
	return r, nil
}

func fmtNum(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
