package jsondepth

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func nestedArrays(n int) []byte {
	return []byte(strings.Repeat("[", n) + strings.Repeat("]", n))
}

func nestedObjects(n int) []byte {
	return []byte(strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n))
}

func TestWithin(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		max  int
		want bool
	}{
		{"empty", nil, MaxDepth, true},
		{"scalar", []byte(`"x"`), 0, true},
		{"flat array at max 0", []byte(`[]`), 0, false},
		{"flat array", []byte(`[1,2,3]`), 1, true},
		{"two levels, max 1", []byte(`[[1]]`), 1, false},
		{"arrays 999", nestedArrays(999), MaxDepth, true},
		{"arrays 1000", nestedArrays(1000), MaxDepth, true},
		{"arrays 1001", nestedArrays(1001), MaxDepth, false},
		{"objects 999", nestedObjects(999), MaxDepth, true},
		{"objects 1000", nestedObjects(1000), MaxDepth, true},
		{"objects 1001", nestedObjects(1001), MaxDepth, false},
		{"mixed 1001", []byte(strings.Repeat(`[{"a":`, 500) + `[1]` + strings.Repeat("}]", 500)), MaxDepth, false},
		{"siblings do not add up", []byte(strings.Repeat(`[[[]]],`, 2000)), 3, true},
		{"brackets in a string", []byte(`{"a":"` + strings.Repeat("[{", 5000) + `"}`), 1, true},
		{"escaped quote keeps the string open", []byte(`{"a":"\"[[[[\""}`), 1, true},
		{"escaped backslash closes the string", []byte(`{"a":"\\"}` + `[[`), 1, false},
		{"escaped backslash then quote", []byte(`["\\\"[[["]`), 1, true},
		{"unterminated string", []byte(`["[[[[`), 1, true},
		{"unterminated escape at end", []byte(`["\`), 1, true},
		{"unbalanced closers do not hide depth", []byte(strings.Repeat("]", 5000) + strings.Repeat("[", 1001)), MaxDepth, false},
		{"not JSON at all", []byte("a=1&b=[2]"), 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Within(tt.in, tt.max); got != tt.want {
				t.Errorf("Within(%.40q…, %d) = %v, want %v", tt.in, tt.max, got, tt.want)
			}
		})
	}
	if !Sane(nestedArrays(MaxDepth)) || Sane(nestedArrays(MaxDepth+1)) {
		t.Error("Sane disagrees with Within(b, MaxDepth)")
	}
}

func TestWithinAllocatesNothing(t *testing.T) {
	b := nestedArrays(5000)
	if n := testing.AllocsPerRun(10, func() { Within(b, MaxDepth) }); n != 0 {
		t.Errorf("Within allocates %v times per run", n)
	}
}

// A 24 MiB body of "[" (which killed the listener with a stack overflow in
// gjson) is rejected quickly, in a goroutine with a fresh, small stack.
func TestWithinHugeNestedBody(t *testing.T) {
	b := bytes.Repeat([]byte("["), 24<<20)
	done := make(chan bool)
	go func() { done <- Within(b, MaxDepth) }()
	select {
	case ok := <-done:
		if ok {
			t.Fatal("24 MiB of [ reported within MaxDepth")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Within did not return within 10s")
	}
	// A balanced 5 MiB body that is shallow is scanned through to the end.
	flat := bytes.Repeat([]byte(`["x",{"a":[1]}],`), (5<<20)/16)
	if !Within(flat, 3) {
		t.Error("flat 5 MiB body reported too deep")
	}
}

func BenchmarkWithin5MiB(b *testing.B) {
	body := bytes.Repeat([]byte(`{"a":"[{\"x\"}]","b":[1,2,{"c":null}]},`), (5<<20)/38)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		Within(body, MaxDepth)
	}
}
