package publish

import (
	"strings"
	"testing"
)

func TestMaskURL(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"amqp://guest:s3cret@127.0.0.1:5672/", "amqp://guest:xxxxx@127.0.0.1:5672/"},
		{"amqps://user:p%40ss@broker.example/vh", "amqps://user:xxxxx@broker.example/vh"},
		{"amqp://user@127.0.0.1/", "amqp://user@127.0.0.1/"},
		{"amqp://127.0.0.1:5672", "amqp://127.0.0.1:5672"},
		{"amqp://u:pw@[::1", "(an unparsable URL)"},
	} {
		if got := MaskURL(tt.in); got != tt.want {
			t.Errorf("MaskURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// New refuses a URL that does not parse, without showing its password.
func TestNewBadURL(t *testing.T) {
	_, err := New(Options{URL: "http://u:topsecret@host/", Store: nopStore{}})
	if err == nil || strings.Contains(err.Error(), "topsecret") {
		t.Fatalf("err = %v", err)
	}
}
