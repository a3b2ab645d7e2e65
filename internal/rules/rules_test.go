package rules

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/apperr"
)

func mustParse(t *testing.T, src string) *RuleSet {
	t.Helper()
	rs, err := Parse([]byte(src), "rules.yaml")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return rs
}

func TestParseErrors(t *testing.T) {
	const head = "config_types:\n  motion-control:\n    rules:\n"
	tests := []struct {
		name, src, want string
	}{
		{"unknown check", head + "      - path: a\n        maxx: 3\n",
			`rules.yaml:5: unknown check "maxx" (known: required, type, enum, min, max, pattern, min_length, max_length, message)`},
		{"bad pattern", head + "      - path: a\n        pattern: '[a-'\n",
			`rules.yaml:5: pattern "[a-": error parsing regexp: missing closing ]`},
		{"min not a number", "config_types:\n  t:\n    - {path: a, min: ten}\n", `rules.yaml:3: min must be a number`},
		{"quoted number is text", head + "      - path: a\n        max: \"10\"\n", `rules.yaml:5: max must be a number`},
		{"min > max", head + "      - path: a\n        min: 10\n        max: 1\n", `rules.yaml:6: min (10) is greater than max (1)`},
		{"min_length > max_length", head + "      - path: a\n        min_length: 5\n        max_length: 2\n",
			`rules.yaml:6: min_length (5) is greater than max_length (2)`},
		{"negative length", head + "      - path: a\n        min_length: -1\n", `rules.yaml:5: min_length must be a whole number, 0 or more`},
		{"fractional length", head + "      - path: a\n        max_length: 1.5\n", `rules.yaml:5: max_length must be a whole number, 0 or more`},
		{"infinite max", head + "      - path: a\n        max: .inf\n", `rules.yaml:5: max must be a finite number`},
		{"empty path", head + "      - path: ''\n        required: true\n", `rules.yaml:4: empty path: give a gjson path into the content, such as speed.max`},
		{"null path", head + "      - path:\n        required: true\n", `rules.yaml:4: empty path: give a gjson path into the content, such as speed.max`},
		{"missing path", head + "      - required: true\n", `rules.yaml:4: rule has no path: give a gjson path into the content, such as path: speed.max`},
		{"checks nothing", head + "      - path: a\n        required: false\n",
			`rules.yaml:4: rule for a checks nothing: add required, type, enum, min, max, pattern, min_length or max_length`},
		{"unknown type", head + "      - path: a\n        type: numbr\n",
			`rules.yaml:5: unknown type "numbr" (known: string, number, integer, boolean, object, array, null)`},
		{"required not bool", head + "      - path: a\n        required: yes\n", `rules.yaml:5: required must be true or false`},
		{"empty enum", head + "      - path: a\n        enum: []\n", `rules.yaml:5: enum must be a list of at least one value, such as [auto, manual]`},
		{"enum of lists", head + "      - path: a\n        enum: [[1]]\n", `rules.yaml:5: enum values must be strings, numbers, booleans or null (got a list)`},
		{"empty message", head + "      - path: a\n        required: true\n        message: ' '\n", `rules.yaml:6: message must not be empty`},
		{"min on a string", head + "      - path: a\n        type: string\n        min: 1\n", `rules.yaml:6: min applies to numbers, but type is string`},
		{"pattern on a number", head + "      - path: a\n        type: number\n        pattern: x\n", `rules.yaml:6: pattern applies to strings, but type is number`},
		{"length on a boolean", head + "      - path: a\n        type: boolean\n        max_length: 1\n", `rules.yaml:6: max_length applies to strings and arrays, but type is boolean`},
		{"duplicate check", head + "      - path: a\n        min: 1\n        min: 2\n", `rules.yaml:6: duplicate check "min" (first at line 5)`},
		{"duplicate config type", "config_types:\n  a: []\n  b: []\n  a: []\n", `rules.yaml:4: duplicate config type "a" (first at line 2)`},
		{"duplicate top key", "config_types: {}\nconfig_types: {}\n", `rules.yaml:2: duplicate key "config_types" (first at line 1)`},
		{"empty config type name", "config_types:\n  '': []\n", `rules.yaml:2: empty config type name`},
		{"unknown top key", "config_type:\n  a: []\n", `rules.yaml:1: unknown key "config_type" (known: config_types, unknown_types, x-… for anchors)`},
		{"missing config_types", "unknown_types: approve\n", `rules.yaml:1: missing config_types: the rules per config type`},
		{"bad unknown_types", "unknown_types: allow\nconfig_types: {}\n", `rules.yaml:1: unknown_types must be approve or reject (got "allow")`},
		{"config_types a list", "config_types:\n  - a\n", `rules.yaml:2: config_types must be a mapping from config type to its rules (got a list)`},
		{"rules not a list", "config_types:\n  a:\n    rules: 3\n", `rules.yaml:3: the rules of config type "a" must be a list (got "3")`},
		{"no rules key", "config_types:\n  a:\n    rule: []\n", `rules.yaml:3: unknown key "rule" in config type "a" (known: rules)`},
		{"type with nothing", "config_types:\n  a:\n", `rules.yaml:2: the rules of config type "a" must be a list (got nothing)`},
		{"rule a scalar", head + "      - speed.max\n", `rules.yaml:4: a rule must be a mapping such as {path: a.b, required: true} (got "speed.max")`},
		{"not a mapping", "- a\n- b\n", `rules.yaml:1: the rules file must be a mapping with config_types (got a list)`},
		{"empty file", "", `rules.yaml: empty rules file: expected config_types: with rules per config type`},
		{"comments only", "# nothing yet\n", `rules.yaml: empty rules file: expected config_types: with rules per config type`},
		{"two documents", "config_types: {}\n---\nconfig_types: {}\n", `rules.yaml:2: more than one YAML document: put all config types in one`},
		{"yaml syntax", "config_types:\n  a: [\n", `rules.yaml:2: did not find expected node content`},
		{"json syntax", "{\n\"config_types\": {\"a\": [}\n}\n", `rules.yaml:2: invalid character '}' looking for beginning of value`},
		{"json error line", "{\n  \"config_types\": {\n    \"a\": [\n      {\"path\": \"x\", \"min\": \"0\"}\n    ]\n  }\n}\n", `rules.yaml:4: min must be a number`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs, err := Parse([]byte(tc.src), "rules.yaml")
			if err == nil {
				t.Fatalf("Parse succeeded: %+v", rs)
			}
			if err.Error() != tc.want {
				t.Errorf("error\n got: %s\nwant: %s", err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
			if !errors.Is(err, apperr.ErrUsage) {
				t.Errorf("error is not a usage error: %v", err)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || pe.File != "rules.yaml" {
				t.Errorf("error does not carry a *ParseError: %#v", err)
			}
		})
	}
}

func TestParseFiles(t *testing.T) {
	for _, name := range []string{"example.yaml", "example.json"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", name)
			rs, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if rs.Name != path {
				t.Errorf("Name = %q, want %q", rs.Name, path)
			}
			if got := rs.ConfigTypes(); !reflect.DeepEqual(got, []string{"motion-control"}) {
				t.Errorf("ConfigTypes = %v", got)
			}
			rules, ok := rs.Rules("motion-control")
			if !ok || len(rules) < 2 {
				t.Fatalf("Rules = %v, %v", rules, ok)
			}
			r := rules[0]
			if r.Path != "speed.max" || !r.Required || r.Type != "number" || *r.Min != 0 || *r.Max != 10 || r.Line != 6-boolInt(name == "example.yaml") {
				t.Errorf("first rule = %+v", r)
			}
			if !reflect.DeepEqual(rules[1].Enum, []any{"auto", "manual"}) {
				t.Errorf("enum = %#v", rules[1].Enum)
			}
		})
	}
	rs, _ := Load(filepath.Join("testdata", "example.json"))
	if rs.UnknownTypes != UnknownApprove {
		t.Errorf("UnknownTypes = %q", rs.UnknownTypes)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestLoadMissing(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	if !errors.Is(err, apperr.ErrUsage) || !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "nope.yaml") {
		t.Errorf("Load missing file: %v", err)
	}
}

func TestParseAnchorsUnderX(t *testing.T) {
	rs := mustParse(t, `
x-common: &speed {path: speed, type: number}
config_types:
  a: [*speed, {path: b, enum: [x]}]
  b: {rules: [*speed]}
`[1:])
	for _, typ := range []string{"a", "b"} {
		if rules, _ := rs.Rules(typ); len(rules) == 0 || rules[0].Path != "speed" || rules[0].Type != "number" {
			t.Errorf("Rules(%s) = %+v", typ, rules)
		}
	}
}

func TestParseEnumScalars(t *testing.T) {
	rs := mustParse(t, "config_types:\n  a: [{path: b, enum: [1, 2.5, true, null, x, '3']}]\n")
	rules, _ := rs.Rules("a")
	want := []any{1.0, 2.5, true, nil, "x", "3"}
	if !reflect.DeepEqual(rules[0].Enum, want) {
		t.Errorf("Enum = %#v, want %#v", rules[0].Enum, want)
	}
}

func TestParseShorthandAndAliases(t *testing.T) {
	rs := mustParse(t, `
config_types:
  a: &shared
    - {path: speed, type: number}
  b: *shared
  c: {rules: []}
  "*": [{path: version, required: true}]
`[1:])
	if got := rs.ConfigTypes(); !reflect.DeepEqual(got, []string{"a", "b", "c", "*"}) {
		t.Errorf("ConfigTypes = %v", got)
	}
	rules, ok := rs.Rules("b")
	if !ok || len(rules) != 2 || rules[0].Path != "speed" || rules[1].Path != "version" {
		t.Errorf("Rules(b) = %+v, %v", rules, ok)
	}
	if rules, ok := rs.Rules("other"); !ok || len(rules) != 1 {
		t.Errorf("Rules(other) = %+v, %v; want the * rules", rules, ok)
	}
	if rules, ok := rs.Rules("*"); !ok || len(rules) != 1 {
		t.Errorf("Rules(*) = %+v, %v", rules, ok)
	}
	if rs.UnknownTypes != UnknownReject {
		t.Errorf("default UnknownTypes = %q", rs.UnknownTypes)
	}
}
