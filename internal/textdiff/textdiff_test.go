package textdiff

import (
	"strings"
	"testing"
)

func TestLines(t *testing.T) {
	tests := []struct {
		old, new string
		want     string
	}{
		{"a b c", "a b c", "  a,  b,  c"},
		{"a b c", "a x c", "  a,- b,+ x,  c"},
		{"", "a b", "+ a,+ b"},
		{"a b", "", "- a,- b"},
		{"a b c d", "a c d e", "  a,- b,  c,  d,+ e"},
	}
	for _, tt := range tests {
		ops := Lines(strings.Fields(tt.old), strings.Fields(tt.new))
		var parts []string
		for _, op := range ops {
			parts = append(parts, string(op.Kind)+" "+op.Line)
		}
		if got := strings.Join(parts, ","); got != tt.want {
			t.Errorf("Lines(%q, %q) = %q, want %q", tt.old, tt.new, got, tt.want)
		}
	}
}
