package listener

import (
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/jsondepth"
)

// Filter is a compiled --filter: a gjson query over the request body.
//
// A plain gjson path or query matches when it selects something
// (gjson.GetBytes(body, q).Exists()): `data.device`, or array queries such
// as `data.devices.#(os=="android")`. gjson's own comparisons only work
// inside #(…), so a top-level comparison PATH OP VALUE — OP one of ==, !=,
// <, <=, >, >=, % (glob), !% — is supported as well: `data.device.os=="android"`,
// `data.amount>1000`, `type%"device.*"`. It compares the value at PATH with
// gjson's query semantics (strings quoted, numbers bare, true/false/null).
// A body that is not JSON never matches, nor does one nested deeper than
// jsondepth.MaxDepth (see TooDeep).
type Filter struct {
	query string
	path  string // set for a top-level comparison
	cmp   string // "#(" + OP + VALUE + ")"
}

var filterOps = []string{"==", "!=", "<=", ">=", "!%", "<", ">", "%"}

// CompileFilter parses a --filter query.
func CompileFilter(q string) (*Filter, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, apperr.Usagef("--filter is empty")
	}
	f := &Filter{query: q}
	if i, op := topLevelOp(q); i >= 0 {
		path, value := strings.TrimSpace(q[:i]), strings.TrimSpace(q[i+len(op):])
		if path == "" || value == "" {
			return nil, apperr.Usagef("invalid --filter %q: want PATH%sVALUE, e.g. data.device.os==\"android\"", q, op)
		}
		f.path, f.cmp = path, "#("+op+value+")"
	}
	return f, nil
}

// Match reports whether body satisfies the filter.
func (f *Filter) Match(body []byte) bool {
	if TooDeep(body) || !gjson.ValidBytes(body) {
		return false
	}
	if f.path == "" {
		return gjson.GetBytes(body, f.query).Exists()
	}
	r := gjson.GetBytes(body, f.path)
	if !r.Exists() {
		return false
	}
	return gjson.Get("["+r.Raw+"]", f.cmp).Exists()
}

func (f *Filter) String() string { return f.query }

// TooDeep reports whether body nests arrays and objects deeper than
// jsondepth.MaxDepth (1,000 levels). Such a body is treated as not JSON:
// it is never given to gjson or encoding/json to parse (they recurse once
// per level), so it is not classified, never matches a filter, has no
// "payload" in JSON output, and --require-json answers 400 to it. The scan
// is iterative and allocation-free (about 800 MB/s).
func TooDeep(body []byte) bool { return !jsondepth.Sane(body) }

// topLevelOp finds the first comparison operator outside quotes and
// brackets; -1 if none.
func topLevelOp(q string) (int, string) {
	depth := 0
	inStr := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case inStr:
			if c == '\\' {
				i++
			} else if c == '"' {
				inStr = false
			}
		case c == '\\':
			i++
		case c == '"':
			inStr = true
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			depth--
		case depth == 0:
			for _, op := range filterOps {
				if strings.HasPrefix(q[i:], op) {
					return i, op
				}
			}
		}
	}
	return -1, ""
}

// EventTime reads the payload's own time at the gjson path: an RFC 3339
// string, or unix seconds or milliseconds (number or numeric string).
// A body nested too deep (TooDeep) has no time.
func EventTime(body []byte, path string) (time.Time, bool) {
	if TooDeep(body) {
		return time.Time{}, false
	}
	r := gjson.GetBytes(body, path)
	var n float64
	switch r.Type {
	case gjson.String:
		s := strings.TrimSpace(r.Str)
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t.UTC(), true
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return time.Time{}, false
		}
		n = v
	case gjson.Number:
		n = r.Num
	default:
		return time.Time{}, false
	}
	if n <= 0 {
		return time.Time{}, false
	}
	if n >= 1e12 { // milliseconds (1e12 ms is 2001; 1e12 s is year 33658)
		return time.UnixMilli(int64(n)).UTC(), true
	}
	sec := int64(n)
	return time.Unix(sec, int64((n-float64(sec))*1e9)).UTC(), true
}
