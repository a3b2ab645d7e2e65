package catalog

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/tidwall/sjson"

	"github.com/hookctl/hookctl/internal/apperr"
)

// Apply edits a JSON body with --set assignments of the form PATH=VALUE,
// applied in order. PATH is a GJSON/SJSON path ("data.object.amount",
// "commits.0.message", "items.-1" appends to an array). VALUE is used as
// JSON when it is valid JSON (a number, true/false/null, an object, an array
// or a "quoted string"); anything else is set as a plain string, so
// --set user.name=alice and --set 'user.name="alice"' are the same. The
// result keeps the body's formatting; values are inserted compacted.
func Apply(body []byte, sets []string) ([]byte, error) {
	if len(sets) == 0 {
		return body, nil
	}
	if !json.Valid(body) {
		return nil, apperr.Usagef("cannot apply --set: the payload is not valid JSON")
	}
	out := body
	for _, set := range sets {
		p, v, ok := strings.Cut(set, "=")
		p = strings.TrimSpace(p)
		if !ok || p == "" {
			return nil, apperr.Usagef("invalid --set %q: want PATH=VALUE, e.g. --set data.object.amount=2000", set)
		}
		var err error
		if raw := []byte(v); json.Valid(raw) {
			var compact bytes.Buffer
			_ = json.Compact(&compact, raw) // valid, cannot fail
			out, err = sjson.SetRawBytes(out, p, compact.Bytes())
		} else {
			out, err = sjson.SetBytes(out, p, v)
		}
		if err != nil {
			return nil, apperr.Wrap(apperr.ErrUsage, err, "invalid --set %q: %v", set, err)
		}
	}
	return out, nil
}
