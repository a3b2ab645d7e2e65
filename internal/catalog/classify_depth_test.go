package catalog

import (
	"bytes"
	"net/http"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/jsondepth"
)

func TestEventTypeDepth(t *testing.T) {
	wrap := func(n int) []byte { // {"type":"x","d":[[…]]} with n levels in all
		return []byte(`{"type":"x","d":` + strings.Repeat("[", n-1) + strings.Repeat("]", n-1) + `}`)
	}
	for _, tt := range []struct {
		name string
		body []byte
		want string
	}{
		{"999 levels", wrap(999), "x"},
		{"1000 levels", wrap(jsondepth.MaxDepth), "x"},
		{"1001 levels: not JSON", wrap(jsondepth.MaxDepth + 1), ""},
		{"brackets in a string do not count", []byte(`{"type":"x","d":"` + strings.Repeat("[", 5000) + `"}`), "x"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := EventType(http.Header{}, tt.body); got != tt.want {
				t.Errorf("EventType = %q, want %q", got, tt.want)
			}
		})
	}
	// Headers still classify a body too deep to parse.
	h := http.Header{"X-Github-Event": {"push"}}
	if got := EventType(h, bytes.Repeat([]byte("["), 5<<20)); got != "push" {
		t.Errorf("EventType with header = %q", got)
	}
}

// A 5 MiB and a 24 MiB body of "[" (24 MiB killed the listener with a
// stack overflow in gjson.ValidBytes) are classified with a stack capped at
// 32 MiB: any recursion per level would die, so this shows the depth is
// checked before gjson sees the body.
func TestEventTypeHostileNesting(t *testing.T) {
	prev := debug.SetMaxStack(32 << 20)
	defer debug.SetMaxStack(prev)
	for _, size := range []int{5 << 20, 24 << 20} {
		body := bytes.Repeat([]byte("["), size)
		done := make(chan string)
		start := time.Now()
		go func() { done <- EventType(http.Header{}, body) }()
		select {
		case got := <-done:
			if got != "" {
				t.Errorf("%d bytes: EventType = %q", size, got)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("%d bytes took %v", size, d)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("%d bytes: EventType did not return", size)
		}
	}
}

func BenchmarkEventTypeNested5MiB(b *testing.B) {
	body := bytes.Repeat([]byte("["), 5<<20)
	for b.Loop() {
		EventType(http.Header{}, body)
	}
}
