package listener

import (
	"bytes"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/jsondepth"
)

func nest(n int, inner string) []byte {
	return []byte(`{"type":"device.enrolled","ts":1700000000,"d":` + strings.Repeat("[", n-1) + inner + strings.Repeat("]", n-1) + `}`)
}

func TestTooDeep(t *testing.T) {
	for _, tt := range []struct {
		name string
		body []byte
		want bool
	}{
		{"empty", nil, false},
		{"form body", []byte("a=[1]&b=2"), false},
		{"999", nest(999, ""), false},
		{"1000", nest(jsondepth.MaxDepth, ""), false},
		{"1001", nest(jsondepth.MaxDepth+1, ""), true},
		{"brackets in strings", nest(2, `"`+strings.Repeat("[{", 3000)+`"`), false},
		{"escaped quote in string", nest(2, `"\"`+strings.Repeat("[", 3000)+`"`), false},
		{"5 MiB of [", bytes.Repeat([]byte("["), 5<<20), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := TooDeep(tt.body); got != tt.want {
				t.Errorf("TooDeep = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFilterAndEventTimeDepth(t *testing.T) {
	f, err := CompileFilter(`type=="device.enrolled"`)
	if err != nil {
		t.Fatal(err)
	}
	exists, err := CompileFilter(`d`)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		body []byte
		want bool
	}{
		{"1000 levels matches", nest(jsondepth.MaxDepth, ""), true},
		{"1001 levels: not JSON, no match", nest(jsondepth.MaxDepth+1, ""), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := f.Match(tt.body); got != tt.want {
				t.Errorf("comparison Match = %v, want %v", got, tt.want)
			}
			if got := exists.Match(tt.body); got != tt.want {
				t.Errorf("path Match = %v, want %v", got, tt.want)
			}
			if _, got := EventTime(tt.body, "ts"); got != tt.want {
				t.Errorf("EventTime found = %v, want %v", got, tt.want)
			}
		})
	}
}

// Filter, EventTime on 5 MiB and 24 MiB bodies of "[" with the stack capped
// at 32 MiB: recursion per level would die ("stack overflow", as gjson did
// at 24 MiB), so completing shows the depth is checked first.
func TestFilterHostileNesting(t *testing.T) {
	prev := debug.SetMaxStack(32 << 20)
	defer debug.SetMaxStack(prev)
	f, err := CompileFilter(`data.devices.#(os=="android")`)
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{5 << 20, 24 << 20} {
		body := bytes.Repeat([]byte("["), size)
		done := make(chan bool)
		go func() {
			_, found := EventTime(body, "a.b")
			done <- f.Match(body) || found
		}()
		select {
		case got := <-done:
			if got {
				t.Errorf("%d bytes of [: matched or found a time", size)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("%d bytes: did not return", size)
		}
	}
}

func BenchmarkFilterNested5MiB(b *testing.B) {
	f, _ := CompileFilter(`type=="x"`)
	body := bytes.Repeat([]byte("["), 5<<20)
	for b.Loop() {
		f.Match(body)
	}
}
