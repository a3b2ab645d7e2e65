package model

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/jsondepth"
)

// A body nested deeper than jsondepth.MaxDepth is not JSON for the output:
// no "payload", the exact text stays in "body", in both encoders.
func TestReceivedRequestTooDeepHasNoPayload(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tt := range []struct {
		name    string
		body    []byte
		payload bool
	}{
		{"1000 levels", []byte(strings.Repeat("[", jsondepth.MaxDepth) + strings.Repeat("]", jsondepth.MaxDepth)), true},
		{"1001 levels", []byte(strings.Repeat("[", jsondepth.MaxDepth+1) + strings.Repeat("]", jsondepth.MaxDepth+1)), false},
		{"5 MiB of [", bytes.Repeat([]byte("["), 5<<20), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &ReceivedRequest{ID: "req_1", ReceivedAt: at, Method: "POST", Path: "/", Body: tt.body, Status: 200}
			line := r.AppendJSONLine(nil)
			marshalled, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			for name, out := range map[string][]byte{"AppendJSONLine": line, "MarshalJSON": marshalled} {
				var got map[string]json.RawMessage
				if err := json.Unmarshal(out, &got); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if _, has := got["payload"]; has != tt.payload {
					t.Errorf("%s: payload present = %v, want %v", name, has, tt.payload)
				}
				var body string
				if err := json.Unmarshal(got["body"], &body); err != nil || body != string(tt.body) {
					t.Errorf("%s: body not kept exactly (%v)", name, err)
				}
			}
		})
	}
}
