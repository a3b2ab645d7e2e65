package redact

import (
	"net/http"
	"reflect"
	"testing"
)

func TestIsCredentialHeader(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"Authorization", true},
		{"X-Shopify-Hmac-Sha256", true}, // a signature by another name
		{"authorization", true},
		{"Proxy-Authorization", true},
		{"Cookie", true},
		{"Set-Cookie", true},
		{"X-API-Key", true},
		{"x-api-key", true},
		{"X-Auth-Token", true},
		{"X-Hub-Signature-256", true},
		{"Stripe-Signature", true},
		{"webhook-signature", true},
		{"X-Client-Secret", true},
		{"Api-Key", true},
		{"Monkey", true}, // contains "key": the rule errs on the safe side
		{"Content-Type", false},
		{"User-Agent", false},
		{"webhook-id", false},
		{"X-Request-Id", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := IsCredentialHeader(tt.name); got != tt.want {
			t.Errorf("IsCredentialHeader(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestValue(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"Bearer abcdefghijkl-123", "Bearer …-123"},
		{"Bearer short", "Bearer …"},
		{"Basic dXNlcjpwYXNzd29yZA==", "Basic …ZA=="},
		{"hk_live_0123456789abcdef", "…cdef"},
		{"123456789012", "…"},      // 12 characters: no hint
		{"1234567890123", "…0123"}, // 13: the last 4
		{"s3cret", "…"},
		{"", "…"},
		{"t=1614265330,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd", "…d8bd"},
		{"sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", "…3e17"},
		{"session=abc; theme=dark", "…dark"},
		{"Bearer", "…"},
		{"v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", "…1OE="},
		{"ééééééééééééé", "…éééé"},
		// Already redacted (the server's answer shown by the CLI): kept.
		{"Bearer …-123", "Bearer …-123"},
		{"…cdef", "…cdef"},
		{"…", "…"},
		{"…0123456789abcdef", "…cdef"}, // not Value's shape: still redacted
		{"…3e17", "…3e17"},
		{"…", "…"},
	}
	for _, tt := range tests {
		if got := Value(tt.in); got != tt.want {
			t.Errorf("Value(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, tt := range tests {
		if once, twice := Value(tt.in), Value(Value(tt.in)); twice != once {
			t.Errorf("Value(Value(%q)) = %q, want %q (idempotent)", tt.in, twice, once)
		}
	}
}

func TestHeaders(t *testing.T) {
	in := map[string]string{"Authorization": "Bearer abcdefghijkl-123", "Content-Type": "application/json", "X-Api-Key": "k"}
	got := Headers(in)
	want := map[string]string{"Authorization": "Bearer …-123", "Content-Type": "application/json", "X-Api-Key": "…"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Headers = %v, want %v", got, want)
	}
	if in["Authorization"] != "Bearer abcdefghijkl-123" {
		t.Fatal("Headers changed its argument")
	}
	if Headers(nil) != nil {
		t.Fatal("Headers(nil) != nil")
	}
}

func TestHTTPHeader(t *testing.T) {
	in := http.Header{"Cookie": {"a=1", "session=0123456789abcdef"}, "Accept": {"*/*"}}
	got := HTTPHeader(in)
	want := http.Header{"Cookie": {"…", "…cdef"}, "Accept": {"*/*"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("HTTPHeader = %v, want %v", got, want)
	}
	if in.Get("Cookie") != "a=1" {
		t.Fatal("HTTPHeader changed its argument")
	}
	if HTTPHeader(nil) != nil {
		t.Fatal("HTTPHeader(nil) != nil")
	}
}
