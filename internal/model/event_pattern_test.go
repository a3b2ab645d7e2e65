package model

import (
	"slices"
	"testing"
)

func TestEventPatterns(t *testing.T) {
	for _, tt := range []struct {
		list string
		want []string
	}{
		{"", nil},
		{"a", []string{"a"}},
		{"device.*, user.signed_in,,", []string{"device.*", "user.signed_in"}},
	} {
		if got := EventPatterns(tt.list); !slices.Equal(got, tt.want) {
			t.Errorf("EventPatterns(%q) = %q, want %q", tt.list, got, tt.want)
		}
	}
}

func TestMatchEventList(t *testing.T) {
	for _, tt := range []struct {
		list, event string
		want        bool
	}{
		{"", "device.enrolled", true},
		{"device.*", "device.enrolled", true},
		{"device.*", "user.signed_in", false},
		{"device.locked,user.*", "user.signed_in", true},
		{"device.locked, user.*", "device.enrolled", false},
		{"Device.*", "device.enrolled", false},
	} {
		if got := MatchEventList(tt.list, tt.event); got != tt.want {
			t.Errorf("MatchEventList(%q, %q) = %v, want %v", tt.list, tt.event, got, tt.want)
		}
	}
}

func TestEventPatternGlob(t *testing.T) {
	for _, tt := range []struct{ pattern, want string }{
		{"device.*", "device.*"},
		{"a?b*", "a[?]b*"},
		{"x[1]*", "x[[]1]*"},
		{"push", "push"},
	} {
		if got := EventPatternGlob(tt.pattern); got != tt.want {
			t.Errorf("EventPatternGlob(%q) = %q, want %q", tt.pattern, got, tt.want)
		}
	}
}
