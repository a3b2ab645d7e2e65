package model

import (
	"reflect"
	"testing"
)

func TestParameterPaths(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		// joined is what JoinParameterPath makes of want ("": in itself).
		joined string
	}{
		{in: "speed", want: []string{"speed"}},
		{in: "speed.max", want: []string{"speed", "max"}},
		{in: `a\.b`, want: []string{"a.b"}},
		{in: `a\.b.c`, want: []string{"a.b", "c"}},
		{in: `limits\.v2.torque\.max`, want: []string{"limits.v2", "torque.max"}},
		{in: "waypoints.0.x", want: []string{"waypoints", "0", "x"}},
		{in: "wheels.0.size", want: []string{"wheels", "0", "size"}},
		{in: `a\\.b`, want: []string{`a\`, "b"}},
		{in: `trailing\`, want: []string{`trailing\`}, joined: `trailing\\`},
		{in: "a..b", want: []string{"a", "", "b"}},
	}
	for _, tc := range tests {
		if got := SplitParameterPath(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("SplitParameterPath(%q) = %q, want %q", tc.in, got, tc.want)
		}
		joined := tc.joined
		if joined == "" {
			joined = tc.in
		}
		if got := JoinParameterPath(tc.want); got != joined {
			t.Errorf("JoinParameterPath(%q) = %q, want %q", tc.want, got, joined)
		}
	}
}
