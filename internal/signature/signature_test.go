package signature

import (
	"crypto/hmac"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
)

var t0 = time.Unix(1614265330, 0)

func secrets(vals ...string) []Secret {
	out := make([]Secret, len(vals))
	for i, v := range vals {
		out[i] = Secret{Value: v}
	}
	return out
}

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func TestPublicVectors(t *testing.T) {
	tests := []struct {
		name   string
		scheme string
		secret string
		body   string
		opts   Options
		want   http.Header
	}{
		{
			name: "github docs", scheme: "github", secret: "It's a Secret to Everybody", body: "Hello, World!",
			want: hdr("X-Hub-Signature-256", "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"),
		},
		{
			name: "standard webhooks library", scheme: "standard", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
			body: `{"test": 2432232314}`, opts: Options{ID: "msg_p5jXN8AQM9LWM0D4loKWxJek", Timestamp: t0, Now: t0},
			want: hdr("Webhook-Id", "msg_p5jXN8AQM9LWM0D4loKWxJek", "Webhook-Timestamp", "1614265330",
				"Webhook-Signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Sign(tt.scheme, secrets(tt.secret), []byte(tt.body), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			for k := range tt.want {
				if got.Get(k) != tt.want.Get(k) {
					t.Errorf("Sign %s = %q, want %q", k, got.Get(k), tt.want.Get(k))
				}
			}
			r := Verify(tt.scheme, secrets(tt.secret), tt.want, []byte(tt.body), Options{Now: t0.Add(time.Minute)})
			if !r.OK || r.SecretIndex != 0 || r.Err != nil {
				t.Errorf("Verify = %+v", r)
			}
		})
	}
}

// roundTripCases has one entry per scheme (and variants of the generic ones).
var roundTripCases = []struct {
	scheme string
	secret string
	opts   Options
}{
	{"standard", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Options{}},
	{"standard", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", Options{HeaderSet: "svix", ID: "msg_1"}},
	{"stripe", "whsec_test_secret", Options{}},
	{"github", "It's a Secret to Everybody", Options{}},
	{"slack", "8f742231b10e8888abcd99yyyzzz85a5", Options{}},
	{"shopify", "shpss_secret", Options{}},
	{"hmac-sha256", "sf-secret", Options{}},
	{"hmac-sha256", "sf-secret", Options{Header: "X-Custom-Sig", Prefix: "sha256="}},
	{"ricloud", "ricloud-secret", Options{}},
	{"hmac", "generic", Options{Header: "X-Signature"}},
	{"hmac", "generic", Options{Header: "x-sig", Algorithm: "sha1", Encoding: "base64"}},
	{"hmac", "generic", Options{Header: "X-Sig", Algorithm: "sha512", Encoding: "hex", Prefix: "sha512="}},
	{"hmac", strings.Repeat("long key ", 40), Options{Header: "X-Sig", Algorithm: "sha512"}},
}

func TestRoundTrip(t *testing.T) {
	body := []byte(`{"type":"ping","data":{"n":1}}`)
	for _, tt := range roundTripCases {
		t.Run(tt.scheme+"/"+tt.opts.Header+tt.opts.Algorithm+tt.opts.HeaderSet, func(t *testing.T) {
			opts := tt.opts
			opts.Now = t0
			h, err := Sign(tt.scheme, secrets(tt.secret), body, opts)
			if err != nil {
				t.Fatal(err)
			}
			r := Verify(tt.scheme, secrets("wrong", tt.secret), h, body, opts)
			if !r.OK || r.SecretIndex != 1 || r.Scheme != tt.scheme {
				t.Fatalf("Verify = %+v, headers %v", r, h)
			}
			if opts.Header == "" || tt.scheme == "hmac-sha256" && opts.Header == "" {
				if ra := Verify(Auto, secrets(tt.secret), h, body, opts); !ra.OK || ra.Scheme != tt.scheme {
					t.Errorf("Verify auto = %+v", ra)
				}
			}
			r = Verify(tt.scheme, secrets(tt.secret), h, append(body, ' '), opts)
			if r.OK || !errors.Is(r.Err, apperr.ErrVerification) || !errors.Is(r.Err, ErrMismatch) {
				t.Errorf("tampered body: %+v", r)
			}
			r = Verify(tt.scheme, secrets("whsec_b3RoZXI="), h, body, opts)
			if r.OK || !errors.Is(r.Err, apperr.ErrVerification) || r.SecretIndex != -1 {
				t.Errorf("wrong secret: %+v", r)
			}
		})
	}
}

func TestMACMatchesCryptoHMAC(t *testing.T) {
	var m macState
	for _, a := range []algo{algoSHA1, algoSHA256, algoSHA512} {
		for _, kl := range []int{0, 1, 32, 63, 64, 65, 127, 128, 129, 300} {
			key := []byte(strings.Repeat("k", kl))
			for _, msg := range []string{"", "hello", strings.Repeat("x", 1000)} {
				h := m.start(a, key)
				h.Write([]byte(msg))
				got := m.sum(nil)
				want := hmacSum(a, key, []byte(msg))
				if !hmac.Equal(got, want) {
					t.Fatalf("%v key %d msg %d: got %x want %x", a, kl, len(msg), got, want)
				}
			}
		}
	}
}
