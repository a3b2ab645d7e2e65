package rules

import (
	"reflect"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/model"
)

// checkOne parses a file with one rule (YAML flow mapping) for config type
// "t" and checks content against it.
func checkOne(t *testing.T, rule, content string) Outcome {
	t.Helper()
	return mustParse(t, "config_types:\n  t: ["+rule+"]\n").Check("t", []byte(content))
}

func TestChecks(t *testing.T) {
	tests := []struct {
		name, rule, content string
		want                string // "" = passes; else the one error's message
	}{
		{"required present", "{path: a.b, required: true}", `{"a":{"b":1}}`, ""},
		{"required null counts as present", "{path: a, required: true}", `{"a":null}`, ""},
		{"required missing", "{path: a.b, required: true}", `{"a":{}}`, "a.b is required"},
		{"required parent missing", "{path: a.b, required: true}", `{}`, "a.b is required"},
		{"absent skips other checks", "{path: a, type: number, min: 1}", `{}`, ""},

		{"string ok", "{path: a, type: string}", `{"a":"x"}`, ""},
		{"string bad", "{path: a, type: string}", `{"a":1}`, "a must be a string (got 1)"},
		{"number ok", "{path: a, type: number}", `{"a":1.5}`, ""},
		{"number bad", "{path: a, type: number}", `{"a":"1"}`, `a must be a number (got "1")`},
		{"integer ok", "{path: a, type: integer}", `{"a":3}`, ""},
		{"integer 1.0 ok", "{path: a, type: integer}", `{"a":1.0}`, ""},
		{"integer bad", "{path: a, type: integer}", `{"a":2.5}`, "a must be an integer (got 2.5)"},
		{"boolean ok", "{path: a, type: boolean}", `{"a":false}`, ""},
		{"boolean bad", "{path: a, type: boolean}", `{"a":"true"}`, `a must be a boolean (true or false) (got "true")`},
		{"object ok", "{path: a, type: object}", `{"a":{}}`, ""},
		{"object bad", "{path: a, type: object}", `{"a":[1,2]}`, "a must be an object (got an array of 2 items)"},
		{"array ok", "{path: a, type: array}", `{"a":[]}`, ""},
		{"array bad", "{path: a, type: array}", `{"a":{"x":1}}`, "a must be an array (got an object)"},
		{"null ok", "{path: a, type: 'null'}", `{"a":null}`, ""},
		{"null bad", "{path: a, type: 'null'}", `{"a":0}`, "a must be null (got 0)"},
		{"explicit null is a value", "{path: a, type: string}", `{"a":null}`, "a must be a string (got null)"},

		{"enum ok", "{path: mode, enum: [auto, manual]}", `{"mode":"auto"}`, ""},
		{"enum bad", "{path: mode, enum: [auto, manual]}", `{"mode":"fast"}`, `mode must be one of auto, manual (got "fast")`},
		{"enum number ok", "{path: a, enum: [1, 2]}", `{"a":2.0}`, ""},
		{"enum number is not string", "{path: a, enum: ['1']}", `{"a":1}`, `a must be one of 1 (got 1)`},
		{"enum bool and null ok", "{path: a, enum: [true, null]}", `{"a":null}`, ""},
		{"enum bool bad", "{path: a, enum: [true, null]}", `{"a":false}`, `a must be one of true, null (got false)`},
		{"enum quotes odd strings", "{path: a, enum: ['low power', '']}", `{"a":"x"}`, `a must be one of "low power", "" (got "x")`},

		{"min ok", "{path: a, min: 0}", `{"a":0}`, ""},
		{"min bad", "{path: a, min: 0}", `{"a":-0.5}`, "a must be at least 0 (got -0.5)"},
		{"max ok", "{path: speed.max, min: 0, max: 10}", `{"speed":{"max":10}}`, ""},
		{"max bad", "{path: speed.max, min: 0, max: 10}", `{"speed":{"max":12}}`, "speed.max must be at most 10 (got 12)"},
		{"min on a string", "{path: a, min: 0}", `{"a":"5"}`, `a must be a number (got "5")`},

		{"pattern ok", "{path: name, pattern: '^[a-z]+$'}", `{"name":"abc"}`, ""},
		{"pattern bad", "{path: name, pattern: '^[a-z]+$'}", `{"name":"Abc"}`, `name must match the pattern ^[a-z]+$ (got "Abc")`},
		{"pattern unanchored", "{path: name, pattern: 'b'}", `{"name":"abc"}`, ""},
		{"pattern on a number", "{path: name, pattern: x}", `{"name":5}`, "name must be a string (got 5)"},

		{"min_length string ok", "{path: n, min_length: 3}", `{"n":"héé"}`, ""},
		{"min_length string bad", "{path: n, min_length: 3}", `{"n":"hé"}`, "n must be at least 3 characters long (got 2)"},
		{"max_length string bad", "{path: n, max_length: 1}", `{"n":"ab"}`, "n must be at most 1 character long (got 2)"},
		{"min_length array ok", "{path: w, min_length: 1}", `{"w":[0]}`, ""},
		{"min_length array bad", "{path: w, type: array, min_length: 1}", `{"w":[]}`, "w must have at least 1 item (got 0)"},
		{"max_length array bad", "{path: w, max_length: 2}", `{"w":[1,2,3]}`, "w must have at most 2 items (got 3)"},
		{"length on a number", "{path: w, max_length: 2}", `{"w":3}`, "w must be a string or an array (got 3)"},

		{"custom message", "{path: a, required: true, message: 'set a, please'}", `{}`, "set a, please"},
		{"first failing check wins", "{path: a, type: string, min_length: 5}", `{"a":1}`, "a must be a string (got 1)"},
		{"long values shortened", "{path: a, type: number}", `{"a":"` + strings.Repeat("x", 50) + `"}`,
			`a must be a number (got "` + strings.Repeat("x", 40) + `…")`},
		{"array index path", "{path: w.1, max: 1}", `{"w":[0,5]}`, "w.1 must be at most 1 (got 5)"},
		{"gjson count", "{path: 'w.#', max: 1}", `{"w":[0,5]}`, "w.# must be at most 1 (got 2)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := checkOne(t, tc.rule, tc.content)
			if o.Checked != 1 {
				t.Errorf("Checked = %d, want 1", o.Checked)
			}
			if tc.want == "" {
				if !o.Approved || len(o.Errors) != 0 {
					t.Fatalf("rejected: %+v", o)
				}
				return
			}
			if o.Approved || len(o.Errors) != 1 {
				t.Fatalf("want one error, got %+v", o)
			}
			if got := o.Errors[0].Message; got != tc.want {
				t.Errorf("message\n got: %s\nwant: %s", got, tc.want)
			}
		})
	}
}

const motion = `
config_types:
  motion-control:
    rules:
      - path: speed.max
        required: true
        type: number
        min: 0
        max: 10
      - path: mode
        enum: [auto, manual]
      - path: name
        type: string
        pattern: '^[a-z][a-z0-9-]*$'
        min_length: 3
        max_length: 32
      - path: waypoints
        type: array
        min_length: 1
      - path: limits\.v2.torque
        max: 5
`

func TestCheckApproved(t *testing.T) {
	rs := mustParse(t, motion)
	o := rs.Check("motion-control", []byte(`{"speed":{"max":3},"mode":"auto","name":"arm-1","waypoints":[{}],"limits.v2":{"torque":1}}`))
	want := Outcome{Approved: true, Checked: 5, Message: "all 5 rules for motion-control passed: speed.max (required, number, 0–10), mode (enum), " +
		"name (string, pattern, 3–32 characters), waypoints (array, at least 1 item), limits\\.v2.torque (at most 5)"}
	if !reflect.DeepEqual(o, want) {
		t.Errorf("got  %+v\nwant %+v", o, want)
	}
}

func TestCheckRejected(t *testing.T) {
	rs := mustParse(t, motion)
	o := rs.Check("motion-control", []byte(`{"speed":{"max":12},"mode":"fast","name":"arm-1","waypoints":[],"limits.v2":{"torque":9}}`))
	want := Outcome{Checked: 5, Message: "4 of 5 rules for motion-control failed: speed.max, mode, waypoints, limits\\.v2.torque",
		Errors: []model.ParameterError{
			{ParameterPath: []string{"speed", "max"}, Message: "speed.max must be at most 10 (got 12)"},
			{ParameterPath: []string{"mode"}, Message: `mode must be one of auto, manual (got "fast")`},
			{ParameterPath: []string{"waypoints"}, Message: "waypoints must have at least 1 item (got 0)"},
			{ParameterPath: []string{"limits.v2", "torque"}, Message: "limits\\.v2.torque must be at most 5 (got 9)"},
		}}
	if !reflect.DeepEqual(o, want) {
		t.Errorf("got  %+v\nwant %+v", o, want)
	}
}

func TestSummaries(t *testing.T) {
	tests := []struct{ rule, want string }{
		{"{path: a, required: true}", "a (required)"},
		{"{path: a, min: 1}", "a (at least 1)"},
		{"{path: a, type: integer, max: 2.5}", "a (integer, at most 2.5)"},
		{"{path: a, min_length: 2}", "a (length at least 2)"},
		{"{path: a, type: string, max_length: 1}", "a (string, at most 1 character)"},
		{"{path: a, min_length: 1, max_length: 4}", "a (length 1–4)"},
		{"{path: a, enum: [x], pattern: x}", "a (enum, pattern)"},
	}
	for _, tc := range tests {
		rs := mustParse(t, "config_types:\n  t: ["+tc.rule+"]\n")
		rules, _ := rs.Rules("t")
		if got := rules[0].Summary(); got != tc.want {
			t.Errorf("Summary(%s) = %q, want %q", tc.rule, got, tc.want)
		}
	}
	o := checkOne(t, "{path: a, required: true}", `{"a":1}`)
	if o.Message != "the rule for t passed: a (required)" {
		t.Errorf("one-rule message = %q", o.Message)
	}
}

func TestCheckConfigTypes(t *testing.T) {
	root := []string{}
	tests := []struct {
		name, file, typ string
		approved        bool
		message         string
		errs            []model.ParameterError
		checked         int
	}{
		{"unknown rejected by default", "config_types:\n  a: [{path: x, required: true}]\n  b: []\n", "c", false,
			`no rules for config type "c" in rules.yaml (it has rules for a, b); add it under config_types or set unknown_types: approve`,
			[]model.ParameterError{{ParameterPath: root, Message: `no rules for config type "c" in rules.yaml (it has rules for a, b); add it under config_types or set unknown_types: approve`}}, 0},
		{"unknown approved", "unknown_types: approve\nconfig_types: {}\n", "c", true,
			`no rules for config type "c" in rules.yaml; approved because unknown_types is approve`, nil, 0},
		{"unknown rejected, empty file", "unknown_types: reject\nconfig_types: {}\n", "c", false,
			`no rules for config type "c" in rules.yaml (it has no config types); add it under config_types or set unknown_types: approve`,
			[]model.ParameterError{{ParameterPath: root, Message: `no rules for config type "c" in rules.yaml (it has no config types); add it under config_types or set unknown_types: approve`}}, 0},
		{"empty rule list approves", "config_types:\n  b: {rules: []}\n", "b", true, "no rules to check for b: approved", nil, 0},
		{"star covers every type", "config_types:\n  '*': [{path: x, required: true}]\n", "c", false,
			"1 of 1 rule for c failed: x", []model.ParameterError{{ParameterPath: []string{"x"}, Message: "x is required"}}, 1},
		{"star adds to a type's own rules", "config_types:\n  c: [{path: y, required: true}]\n  '*': [{path: x, required: true}]\n", "c", false,
			"2 of 2 rules for c failed: y, x", []model.ParameterError{
				{ParameterPath: []string{"y"}, Message: "y is required"},
				{ParameterPath: []string{"x"}, Message: "x is required"}}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := mustParse(t, tc.file).Check(tc.typ, []byte(`{}`))
			want := Outcome{Approved: tc.approved, Message: tc.message, Errors: tc.errs, Checked: tc.checked}
			if !reflect.DeepEqual(o, want) {
				t.Errorf("got  %+v\nwant %+v", o, want)
			}
		})
	}
}

func TestCheckInvalidJSON(t *testing.T) {
	rs := mustParse(t, "unknown_types: approve\nconfig_types:\n  t: [{path: a, required: true}]\n")
	tests := []struct{ content, want string }{
		{``, "content is empty: expected a JSON document"},
		{"  \n", "content is empty: expected a JSON document"},
		{`{"a":`, "content is not valid JSON: unexpected end of JSON input (at byte 5)"},
		{`{"a":1}}`, "content is not valid JSON: invalid character '}' after top-level value (at byte 8)"},
		{`a: 1`, "content is not valid JSON: invalid character 'a' looking for beginning of value (at byte 1)"},
		{`{"a":` + strings.Repeat("[", 1000) + strings.Repeat("]", 1000) + `}`, "content nests arrays and objects deeper than 1000 levels: not accepted as JSON"},
		{strings.Repeat("[", 5<<20), "content nests arrays and objects deeper than 1000 levels: not accepted as JSON"},
	}
	for _, tc := range tests {
		for _, typ := range []string{"t", "unknown"} {
			o := rs.Check(typ, []byte(tc.content))
			want := Outcome{Message: tc.want, Errors: []model.ParameterError{{ParameterPath: []string{}, Message: tc.want}}}
			if !reflect.DeepEqual(o, want) {
				t.Errorf("Check(%s, %q)\n got  %+v\nwant %+v", typ, tc.content, o, want)
			}
		}
	}
}
