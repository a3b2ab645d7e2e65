package rules

import (
	"errors"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/apperr"
)

// FuzzParse: Parse never panics; it either fails with a one-line usage error
// naming the file, or returns a rule set whose Check never panics and always
// explains a rejection.
func FuzzParse(f *testing.F) {
	f.Add([]byte(motion))
	f.Add([]byte("config_types:\n  '*': [{path: a, enum: [1, x, null, true]}]\nunknown_types: approve\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := Parse(data, "f.yaml")
		if err != nil {
			if !errors.Is(err, apperr.ErrUsage) || !strings.HasPrefix(err.Error(), "f.yaml") {
				t.Fatalf("bad error: %v", err)
			}
			return
		}
		for _, typ := range append(rs.ConfigTypes(), "other") {
			for _, c := range []string{`{"a":1,"speed":{"max":"x"},"name":"ab"}`, `[]`, `nope`} {
				o := rs.Check(typ, []byte(c))
				if !o.Approved && len(o.Errors) == 0 {
					t.Fatalf("rejected without errors: %+v", o)
				}
				if o.Message == "" {
					t.Fatalf("no message: %+v", o)
				}
			}
		}
	})
}
