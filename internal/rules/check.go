package rules

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"github.com/hookctl/hookctl/internal/jsondepth"
	"github.com/hookctl/hookctl/internal/model"
)

// Outcome is the decision on one config instance's content: approve with
// Message, or reject with Message and one parameter error per failed rule.
// Checked is the number of rules evaluated.
type Outcome struct {
	Approved bool
	Message  string
	Errors   []model.ParameterError
	Checked  int
}

// rootError rejects the whole content: one error at the root path.
func rootError(msg string) Outcome {
	return Outcome{Message: msg, Errors: []model.ParameterError{{ParameterPath: []string{}, Message: msg}}}
}

// Check evaluates the rules for configType against content (JSON).
//
// Content that is not valid JSON is rejected with one error at the root path
// (ParameterPath []). A config type the file does not cover is approved or
// rejected according to unknown_types, with a message saying no rules apply
// (a rejection carries that message as one error at the root path).
func (rs *RuleSet) Check(configType string, content []byte) Outcome {
	if err := validJSON(content); err != nil {
		return rootError(err.Error())
	}
	rules, covered := rs.Rules(configType)
	if !covered {
		if rs.UnknownTypes == UnknownApprove {
			return Outcome{Approved: true, Message: fmt.Sprintf("no rules for config type %q in %s; approved because unknown_types is approve", configType, rs.Name)}
		}
		has := "no config types"
		if len(rs.order) > 0 {
			has = "rules for " + strings.Join(rs.order, ", ")
		}
		return rootError(fmt.Sprintf("no rules for config type %q in %s (it has %s); add it under config_types or set unknown_types: approve", configType, rs.Name, has))
	}
	if len(rules) == 0 {
		return Outcome{Approved: true, Message: fmt.Sprintf("no rules to check for %s: approved", configType)}
	}
	doc := gjson.ParseBytes(content)
	var errs []model.ParameterError
	var failed []string
	for _, r := range rules {
		if msg, ok := r.check(doc); !ok {
			if r.Message != "" {
				msg = r.Message
			}
			errs = append(errs, model.ParameterError{ParameterPath: slices.Clone(r.ParameterPath), Message: msg})
			failed = append(failed, r.Path)
		}
	}
	n := len(rules)
	if len(errs) > 0 {
		return Outcome{
			Message: fmt.Sprintf("%d of %d %s for %s failed: %s", len(errs), n, plural(n, "rule", "rules"), configType, strings.Join(failed, ", ")),
			Errors:  errs,
			Checked: n,
		}
	}
	summaries := make([]string, n)
	for i, r := range rules {
		summaries[i] = r.Summary()
	}
	lead := fmt.Sprintf("all %d rules for %s passed", n, configType)
	if n == 1 {
		lead = fmt.Sprintf("the rule for %s passed", configType)
	}
	return Outcome{Approved: true, Message: lead + ": " + strings.Join(summaries, ", "), Checked: n}
}

// validJSON reports why content is not one JSON value.
func validJSON(content []byte) error {
	if len(strings.TrimSpace(string(content))) == 0 {
		return errors.New("content is empty: expected a JSON document")
	}
	if !jsondepth.Sane(content) {
		// gjson (used by the checks) recurses once per level; refuse first.
		return fmt.Errorf("content nests arrays and objects deeper than %d levels: not accepted as JSON", jsondepth.MaxDepth)
	}
	var raw json.RawMessage
	if err := json.Unmarshal(content, &raw); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fmt.Errorf("content is not valid JSON: %v (at byte %d)", se, se.Offset)
		}
		return fmt.Errorf("content is not valid JSON: %v", err)
	}
	return nil
}

// check runs r's checks on doc; on failure it returns the default message.
func (r *Rule) check(doc gjson.Result) (string, bool) {
	p := r.Path
	v := doc.Get(p)
	if !v.Exists() {
		if r.Required {
			return p + " is required", false
		}
		return "", true
	}
	if r.Type != "" && !hasType(v, r.Type) {
		return fmt.Sprintf("%s must be %s (got %s)", p, article(r.Type), describe(v)), false
	}
	if len(r.Enum) > 0 && !slices.ContainsFunc(r.Enum, func(e any) bool { return equal(v, e) }) {
		vals := make([]string, len(r.Enum))
		for i, e := range r.Enum {
			vals[i] = fmtScalar(e)
		}
		return fmt.Sprintf("%s must be one of %s (got %s)", p, strings.Join(vals, ", "), describe(v)), false
	}
	if r.Min != nil || r.Max != nil {
		if v.Type != gjson.Number {
			return fmt.Sprintf("%s must be a number (got %s)", p, describe(v)), false
		}
		if r.Min != nil && v.Num < *r.Min {
			return fmt.Sprintf("%s must be at least %s (got %s)", p, fmtNum(*r.Min), v.Raw), false
		}
		if r.Max != nil && v.Num > *r.Max {
			return fmt.Sprintf("%s must be at most %s (got %s)", p, fmtNum(*r.Max), v.Raw), false
		}
	}
	if r.Pattern != nil {
		if v.Type != gjson.String {
			return fmt.Sprintf("%s must be a string (got %s)", p, describe(v)), false
		}
		if !r.Pattern.MatchString(v.Str) {
			return fmt.Sprintf("%s must match the pattern %s (got %s)", p, r.Pattern, describe(v)), false
		}
	}
	if r.MinLength != nil || r.MaxLength != nil {
		var n int
		var unit, verb string
		switch {
		case v.Type == gjson.String:
			n, unit, verb = utf8.RuneCountInString(v.Str), "character", "be"
		case v.IsArray():
			n, unit, verb = len(v.Array()), "item", "have"
		default:
			return fmt.Sprintf("%s must be a string or an array (got %s)", p, describe(v)), false
		}
		long := ""
		if unit == "character" {
			long = " long"
		}
		if r.MinLength != nil && n < *r.MinLength {
			return fmt.Sprintf("%s must %s at least %d %s%s (got %d)", p, verb, *r.MinLength, plural(*r.MinLength, unit, unit+"s"), long, n), false
		}
		if r.MaxLength != nil && n > *r.MaxLength {
			return fmt.Sprintf("%s must %s at most %d %s%s (got %d)", p, verb, *r.MaxLength, plural(*r.MaxLength, unit, unit+"s"), long, n), false
		}
	}
	return "", true
}

// Summary describes r's checks for approval messages:
// "speed.max (required, number, 0–10)".
func (r *Rule) Summary() string {
	var parts []string
	if r.Required {
		parts = append(parts, "required")
	}
	if r.Type != "" {
		parts = append(parts, r.Type)
	}
	if len(r.Enum) > 0 {
		parts = append(parts, "enum")
	}
	switch {
	case r.Min != nil && r.Max != nil:
		parts = append(parts, fmtNum(*r.Min)+"–"+fmtNum(*r.Max))
	case r.Min != nil:
		parts = append(parts, "at least "+fmtNum(*r.Min))
	case r.Max != nil:
		parts = append(parts, "at most "+fmtNum(*r.Max))
	}
	if r.Pattern != nil {
		parts = append(parts, "pattern")
	}
	if r.MinLength != nil || r.MaxLength != nil {
		unit := func(n int) string {
			switch r.Type {
			case "string":
				return " " + plural(n, "character", "characters")
			case "array":
				return " " + plural(n, "item", "items")
			}
			return ""
		}
		prefix := ""
		if r.Type != "string" && r.Type != "array" {
			prefix = "length "
		}
		switch {
		case r.MinLength != nil && r.MaxLength != nil:
			parts = append(parts, fmt.Sprintf("%s%d–%d%s", prefix, *r.MinLength, *r.MaxLength, unit(*r.MaxLength)))
		case r.MinLength != nil:
			parts = append(parts, fmt.Sprintf("%sat least %d%s", prefix, *r.MinLength, unit(*r.MinLength)))
		default:
			parts = append(parts, fmt.Sprintf("%sat most %d%s", prefix, *r.MaxLength, unit(*r.MaxLength)))
		}
	}
	return r.Path + " (" + strings.Join(parts, ", ") + ")"
}

func hasType(v gjson.Result, typ string) bool {
	switch typ {
	case "string":
		return v.Type == gjson.String
	case "number":
		return v.Type == gjson.Number
	case "integer":
		return v.Type == gjson.Number && !math.IsInf(v.Num, 0) && v.Num == math.Trunc(v.Num)
	case "boolean":
		return v.Type == gjson.True || v.Type == gjson.False
	case "object":
		return v.IsObject()
	case "array":
		return v.IsArray()
	case "null":
		return v.Type == gjson.Null
	}
	return false
}

func article(typ string) string {
	switch typ {
	case "integer", "object", "array":
		return "an " + typ
	case "boolean":
		return "a boolean (true or false)"
	case "null":
		return "null"
	}
	return "a " + typ
}

func equal(v gjson.Result, e any) bool {
	switch e := e.(type) {
	case string:
		return v.Type == gjson.String && v.Str == e
	case float64:
		return v.Type == gjson.Number && v.Num == e
	case bool:
		return (v.Type == gjson.True && e) || (v.Type == gjson.False && !e)
	case nil:
		return v.Type == gjson.Null
	}
	return false
}

func fmtScalar(e any) string {
	switch e := e.(type) {
	case string:
		if e == "" || strings.ContainsAny(e, ", \"") {
			return strconv.Quote(e)
		}
		return e
	case float64:
		return fmtNum(e)
	case bool:
		return strconv.FormatBool(e)
	}
	return "null"
}

// describe shows a value in a message: scalars as JSON (strings shortened),
// objects and arrays by kind.
func describe(v gjson.Result) string {
	switch {
	case v.Type == gjson.String:
		s := v.Str
		if utf8.RuneCountInString(s) > 40 {
			s = string([]rune(s)[:40]) + "…"
		}
		return strconv.Quote(s)
	case v.IsArray():
		n := len(v.Array())
		return fmt.Sprintf("an array of %d %s", n, plural(n, "item", "items"))
	case v.IsObject():
		return "an object"
	}
	raw := v.Raw
	if len(raw) > 40 {
		raw = raw[:40] + "…"
	}
	return raw
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
