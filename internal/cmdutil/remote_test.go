package cmdutil

import (
	"net/http"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/iostreams"
)

func TestNewRemoteWarnsOncePlainHTTP(t *testing.T) {
	tests := []struct {
		urls  []string
		warns int
	}{
		{[]string{"http://hooks.example.com:8787"}, 1},
		{[]string{"http://hooks.example.com:8787", "http://10.0.0.1"}, 1}, // once
		{[]string{"https://hooks.example.com"}, 0},
		{[]string{"http://127.0.0.1:8787", "http://localhost:1", "http://[::1]:2"}, 0},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.urls, ","), func(t *testing.T) {
			ios, _, _, stderr := iostreams.Test()
			f := &Factory{IOStreams: ios, HTTPClient: func() *http.Client { return &http.Client{} }}
			for _, u := range tt.urls {
				if _, err := NewRemote(f, u, "hk_k"); err != nil {
					t.Fatal(err)
				}
			}
			if n := strings.Count(stderr.String(), "over plain http"); n != tt.warns {
				t.Fatalf("%d warnings, want %d:\n%s", n, tt.warns, stderr)
			}
			if tt.warns > 0 && !strings.Contains(stderr.String(), "hooks.example.com:8787") {
				t.Fatalf("warning does not name the host:\n%s", stderr)
			}
		})
	}
}
