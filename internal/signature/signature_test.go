package signature

import (
	"crypto/ed25519"
	"crypto/hmac"
	"encoding/base64"
	"errors"
	"fmt"
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
	{"hmac", "generic", Options{Header: "X-Sig", Algorithm: "sha512", Encoding: "base64"}},
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
				want := referenceHMAC(a, key, []byte(msg)) // crypto/hmac; hmacSum is macState too
				if !hmac.Equal(got, want) {
					t.Fatalf("%v key %d msg %d: got %x want %x", a, kl, len(msg), got, want)
				}
			}
		}
	}
}

func TestRotation(t *testing.T) {
	body := []byte(`{"id":1}`)
	old := Secret{Value: "whsec_b2xkLXNlY3JldC1rZXk=", ExpiresAt: t0.Add(-3 * time.Hour)}
	cur := Secret{Value: "whsec_Y3VycmVudC1zZWNyZXQ="}
	next := Secret{Value: "whsec_bmV4dC1zZWNyZXQta2V5"}
	for _, scheme := range []string{"standard", "stripe"} {
		t.Run(scheme, func(t *testing.T) {
			// Signing skips the expired secret and emits one signature per active one.
			h, err := Sign(scheme, []Secret{old, cur, next}, body, Options{Now: t0})
			if err != nil {
				t.Fatal(err)
			}
			sigHeader := h.Get("Webhook-Signature") + h.Get("Stripe-Signature")
			if n := strings.Count(sigHeader, "v1"); n != 2 {
				t.Fatalf("want 2 signatures, got %q", sigHeader)
			}
			if r := Verify(scheme, []Secret{next}, h, body, Options{Now: t0}); !r.OK || r.SecretIndex != 0 {
				t.Errorf("next secret: %+v", r)
			}
			if r := Verify(scheme, []Secret{old, cur}, h, body, Options{Now: t0}); !r.OK || r.SecretIndex != 1 {
				t.Errorf("current secret: %+v", r)
			}
			// A request signed with the expired secret only is refused…
			oldActive := old
			oldActive.ExpiresAt = time.Time{}
			h2, _ := Sign(scheme, []Secret{oldActive}, body, Options{Now: t0})
			r := Verify(scheme, []Secret{cur, old}, h2, body, Options{Now: t0})
			if r.OK || !errors.Is(r.Err, ErrMismatch) {
				t.Errorf("expired secret accepted: %+v", r)
			}
			// …and diagnosed.
			d := Diagnose(scheme, []Secret{cur, old}, h2, body, Options{Now: t0})
			if d.Cause != CauseRotatedExpired || d.SecretIndex != 1 || !strings.Contains(d.Message, "rotated secret #2 that expired 3h ago") {
				t.Errorf("diagnosis = %+v", d)
			}
			// Before expiry it is accepted.
			if r := Verify(scheme, []Secret{cur, old}, h2, body, Options{Now: t0.Add(-4 * time.Hour), Tolerance: -1}); !r.OK || r.SecretIndex != 1 {
				t.Errorf("not yet expired: %+v", r)
			}
		})
	}
	if _, err := Sign("github", []Secret{old}, body, Options{Now: t0}); !errors.Is(err, apperr.ErrUsage) {
		t.Errorf("sign with only expired secrets: %v", err)
	}
}

func TestWindows(t *testing.T) {
	body := []byte("payload")
	tests := []struct {
		scheme string
		secret string
		offset time.Duration // signing time relative to now
		tol    time.Duration
		want   error // nil, ErrTooOld, ErrTooNew
		msg    string
	}{
		{"standard", "whsec_c2VjcmV0", -299 * time.Second, 0, nil, ""},
		{"standard", "whsec_c2VjcmV0", -742 * time.Second, 0, ErrTooOld, "webhook-timestamp is 742s in the past, more than the 300s tolerance allows (too old)"},
		{"standard", "whsec_c2VjcmV0", 400 * time.Second, 0, ErrTooNew, "webhook-timestamp is 400s in the future, more than the 300s tolerance allows (too new)"},
		{"standard", "whsec_c2VjcmV0", -742 * time.Second, time.Hour, nil, ""},
		{"standard", "whsec_c2VjcmV0", -742 * time.Hour, -1, nil, ""},
		{"stripe", "whsec_x", -301 * time.Second, 0, ErrTooOld, "Stripe-Signature t= is 301s in the past"},
		{"stripe", "whsec_x", time.Hour, 0, nil, ""}, // Stripe only refuses old timestamps
		{"slack", "s", -301 * time.Second, 0, ErrTooOld, "X-Slack-Request-Timestamp is 301s in the past"},
		{"slack", "s", 301 * time.Second, 0, ErrTooNew, "301s in the future"},
		{"slack", "s", 299 * time.Second, 0, nil, ""},
		{"ricloud", "r", -599 * time.Second, 0, nil, ""},
		{"ricloud", "r", -601 * time.Second, 0, ErrTooOld, "Ricloud-Signature t= is 601s in the past, more than the 600s"},
		{"ricloud", "r", time.Hour, 0, nil, ""},
		{"github", "g", -100 * time.Hour, 0, nil, ""},
		{"shopify", "g", -100 * time.Hour, 0, nil, ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%v/%v", tt.scheme, tt.offset, tt.tol), func(t *testing.T) {
			h, err := Sign(tt.scheme, secrets(tt.secret), body, Options{Now: t0, Timestamp: t0.Add(tt.offset)})
			if err != nil {
				t.Fatal(err)
			}
			r := Verify(tt.scheme, secrets(tt.secret), h, body, Options{Now: t0, Tolerance: tt.tol})
			if tt.want == nil {
				if !r.OK {
					t.Fatalf("want OK, got %+v", r)
				}
			} else {
				if r.OK || !errors.Is(r.Err, tt.want) || !errors.Is(r.Err, apperr.ErrVerification) || !r.SignatureMatched {
					t.Fatalf("want %v, got %+v", tt.want, r)
				}
				if !strings.Contains(r.Err.Error(), tt.msg) {
					t.Errorf("message %q does not contain %q", r.Err, tt.msg)
				}
				d := Diagnose(tt.scheme, secrets(tt.secret), h, body, Options{Now: t0, Tolerance: tt.tol})
				wantCause := CauseTimestampTooOld
				if tt.want == ErrTooNew {
					wantCause = CauseTimestampTooNew
				}
				if d.Cause != wantCause || d.SecretIndex != 0 {
					t.Errorf("diagnosis %+v", d)
				}
			}
			if h.Get("Webhook-Timestamp")+h.Get("X-Slack-Request-Timestamp")+h.Get("Stripe-Signature")+h.Get("Ricloud-Signature") != "" {
				if want := -tt.offset; r.Skew != want {
					t.Errorf("skew = %v, want %v", r.Skew, want)
				}
			}
		})
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		h    http.Header
		want string
	}{
		{hdr("Webhook-Id", "m", "Webhook-Timestamp", "1", "Webhook-Signature", "v1,x"), "standard"},
		{hdr("svix-id", "m", "svix-timestamp", "1", "svix-signature", "v1,x"), "standard"},
		{hdr("Stripe-Signature", "t=1,v1=ab"), "stripe"},
		{hdr("X-Hub-Signature-256", "sha256=ab", "X-GitHub-Event", "push"), "github"},
		{hdr("X-Hub-Signature", "sha1=ab"), "github"},
		{hdr("X-Slack-Signature", "v0=ab", "X-Slack-Request-Timestamp", "1"), "slack"},
		{hdr("X-Shopify-Hmac-Sha256", "YWI=", "X-Shopify-Topic", "orders/create"), "shopify"},
		{hdr("X-SF-Signature", "ab"), "hmac-sha256"},
		{hdr("Ricloud-Signature", "t=1,s=YWI="), "ricloud"},
		{hdr("Content-Type", "application/json"), ""},
	}
	for _, tt := range tests {
		got := Detect(tt.h)
		if tt.want == "" {
			if len(got) != 0 {
				t.Errorf("Detect(%v) = %v, want none", tt.h, got)
			}
			continue
		}
		if len(got) != 1 || got[0] != tt.want {
			t.Errorf("Detect(%v) = %v, want [%s]", tt.h, got, tt.want)
		}
	}
	// Several present: most specific first.
	h := hdr("Webhook-Signature", "v1,x", "X-Hub-Signature-256", "sha256=ab")
	if got := Detect(h); strings.Join(got, ",") != "standard,github" {
		t.Errorf("Detect = %v", got)
	}
	// Non-canonical keys in a hand-built map still count.
	if got := Detect(http.Header{"stripe-signature": {"t=1,v1=ab"}}); len(got) != 1 || got[0] != "stripe" {
		t.Errorf("Detect lower-case = %v", got)
	}
	if got := Schemes(); strings.Join(got, ",") != "github,hmac,hmac-sha256,ricloud,shopify,slack,standard,stripe" {
		t.Errorf("Schemes = %v", got)
	}
}

func TestMalformed(t *testing.T) {
	long := strings.Repeat("a", maxHeaderLen+1)
	many := strings.TrimSpace(strings.Repeat("v1,YWI= ", maxSigs+1))
	std := func(id, ts, sig string) http.Header {
		return hdr("Webhook-Id", id, "Webhook-Timestamp", ts, "Webhook-Signature", sig)
	}
	tests := []struct {
		scheme string
		opts   Options
		h      http.Header
		want   error
	}{
		{"standard", Options{}, http.Header{}, ErrMissing},
		{"standard", Options{}, std("", "1", "v1,YWI="), ErrMissing},
		{"standard", Options{}, std("m", "abc", "v1,YWI="), ErrMalformed},
		{"standard", Options{}, std("m", "-5", "v1,YWI="), ErrMalformed},
		{"standard", Options{}, std("m", "99999999999999999999999", "v1,YWI="), ErrMalformed},
		{"standard", Options{}, std("m", "1", "v2,YWI="), ErrMalformed},
		{"standard", Options{}, std("m", "1", "v1,!!!notbase64"), ErrMalformed},
		{"standard", Options{}, std("m", "1", long), ErrMalformed},
		{"standard", Options{}, std(long, "1", "v1,YWI="), ErrMalformed},
		{"standard", Options{}, std("m", "1", many), ErrMalformed},
		{"stripe", Options{}, hdr("Stripe-Signature", "v1=abcd"), ErrMalformed},
		{"stripe", Options{}, hdr("Stripe-Signature", "t=12a,v1=abcd"), ErrMalformed},
		{"stripe", Options{}, hdr("Stripe-Signature", "t=12,v1"), ErrMalformed},
		{"stripe", Options{}, hdr("Stripe-Signature", "t=12"), ErrMalformed},
		{"stripe", Options{}, hdr("Stripe-Signature", "t=12,v1=zz"), ErrMalformed},
		{"stripe", Options{}, hdr("Stripe-Signature", "t=12,v0=abcd"), ErrMalformed},
		{"stripe", Options{}, hdr("Stripe-Signature", long), ErrMalformed},
		{"stripe", Options{}, hdr("X-Other", "x"), ErrMissing},
		{"github", Options{}, hdr("X-Hub-Signature-256", "757107ea"), ErrMalformed},
		{"github", Options{}, hdr("X-Hub-Signature-256", "sha256=xyz"), ErrMalformed},
		{"github", Options{}, hdr("X-Hub-Signature", "sha256=abcd"), ErrMalformed},
		{"github", Options{}, http.Header{}, ErrMissing},
		{"slack", Options{}, hdr("X-Slack-Signature", "v0=abcd"), ErrMissing},
		{"slack", Options{}, hdr("X-Slack-Signature", "v0=abcd", "X-Slack-Request-Timestamp", "now"), ErrMalformed},
		{"slack", Options{}, hdr("X-Slack-Signature", "abcd", "X-Slack-Request-Timestamp", "1"), ErrMalformed},
		{"shopify", Options{}, hdr("X-Shopify-Hmac-Sha256", "***"), ErrMalformed},
		{"hmac-sha256", Options{}, hdr("X-SF-Signature", "nothex"), ErrMalformed},
		{"ricloud", Options{}, hdr("Ricloud-Signature", "s=YWI="), ErrMalformed},
		{"ricloud", Options{}, hdr("Ricloud-Signature", "t=1,s=@@"), ErrMalformed},
		{"ricloud", Options{}, hdr("Ricloud-Signature", "t=1"), ErrMalformed},
		{"hmac", Options{Header: "X-Sig", Prefix: "sha256="}, hdr("X-Sig", "abcd"), ErrMalformed},
		{"hmac", Options{}, hdr("X-Sig", "abcd"), apperr.ErrUsage},
		{"hmac", Options{Header: "X-Sig", Algorithm: "md5"}, hdr("X-Sig", "abcd"), apperr.ErrUsage},
		{"hmac", Options{Header: "X-Sig", Encoding: "base32"}, hdr("X-Sig", "abcd"), apperr.ErrUsage},
		{"nope", Options{}, hdr("X-Sig", "abcd"), ErrUnknownScheme},
		{Auto, Options{}, hdr("X-Sig", "abcd"), ErrMissing},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprintf("%d-%s", i, tt.scheme), func(t *testing.T) {
			r := Verify(tt.scheme, secrets("whsec_c2VjcmV0"), tt.h, []byte("body"), Options{Now: t0, Header: tt.opts.Header, Prefix: tt.opts.Prefix, Algorithm: tt.opts.Algorithm, Encoding: tt.opts.Encoding})
			// The request's signature headers being missing or malformed is
			// a verification failure (as the providers' libraries report it);
			// the caller's options or scheme being wrong is a usage error.
			kind := apperr.ErrUsage
			if tt.want == ErrMissing || tt.want == ErrMalformed {
				kind = apperr.ErrVerification
			}
			if r.OK || !errors.Is(r.Err, tt.want) || !errors.Is(r.Err, kind) {
				t.Errorf("Verify = %+v, want %v (%v)", r, tt.want, kind)
			}
			_ = Diagnose(tt.scheme, secrets("whsec_c2VjcmV0"), tt.h, []byte("body"), tt.opts) // must not panic
		})
	}
	if r := Verify("github", nil, hdr("X-Hub-Signature-256", "sha256=ab"), nil, Options{}); !errors.Is(r.Err, ErrNoSecret) {
		t.Errorf("no secret: %+v", r)
	}
	if r := Verify("standard", secrets("whsec_!!"), std("m", "1", "v1,YWI="), nil, Options{Now: t0}); !errors.Is(r.Err, apperr.ErrUsage) {
		t.Errorf("bad whsec: %+v", r)
	}
}

func TestStandardEd25519(t *testing.T) {
	seed := make([]byte, ed25519.SeedSize)
	for i := range seed {
		seed[i] = byte(i)
	}
	priv := ed25519.NewKeyFromSeed(seed)
	whsk := "whsk_" + base64.StdEncoding.EncodeToString(priv)
	whpk := "whpk_" + base64.StdEncoding.EncodeToString(priv.Public().(ed25519.PublicKey))
	body := []byte("hello")
	h, err := Sign("standard", []Secret{{Value: whsk}, {Value: "whsec_c2VjcmV0"}}, body, Options{Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	if sig := h.Get("Webhook-Signature"); !strings.HasPrefix(sig, "v1a,") || !strings.Contains(sig, " v1,") {
		t.Fatalf("signature header %q", sig)
	}
	for _, key := range []string{whpk, whsk, "whsk_" + base64.StdEncoding.EncodeToString(seed)} {
		if r := Verify("standard", secrets(key), h, body, Options{Now: t0}); !r.OK || r.SecretIndex != 0 {
			t.Errorf("verify with %.8s: %+v", key, r)
		}
	}
	if r := Verify("standard", secrets(whpk), h, []byte("hellO"), Options{Now: t0}); r.OK || !errors.Is(r.Err, ErrMismatch) {
		t.Errorf("tampered: %+v", r)
	}
	if _, err := Sign("standard", secrets(whpk), body, Options{}); !errors.Is(err, apperr.ErrUsage) {
		t.Errorf("sign with public key: %v", err)
	}
	if r := Verify("standard", secrets("whpk_AAAA"), h, body, Options{Now: t0}); !errors.Is(r.Err, apperr.ErrUsage) {
		t.Errorf("bad public key: %+v", r)
	}
}

// TestVerifyAllocs pins the allocation budget: at most one allocation per
// Verify on the success path (in practice none once the pool is warm).
func TestVerifyAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts are noisy under -short race runs")
	}
	body := []byte(strings.Repeat("x", 1024))
	for _, tt := range roundTripCases {
		if strings.HasPrefix(tt.opts.Header, "x-") {
			continue // a non-canonical header name is canonicalized (allocates) per call
		}
		h, err := Sign(tt.scheme, secrets(tt.secret), body, tt.opts)
		if err != nil {
			t.Fatal(err)
		}
		sec := secrets(tt.secret)
		opts := tt.opts
		allocs := testing.AllocsPerRun(200, func() {
			if r := Verify(tt.scheme, sec, h, body, opts); !r.OK {
				t.Fatal(r.Err)
			}
		})
		if allocs > 1 {
			t.Errorf("%s %+v: %.1f allocs per Verify, want ≤ 1", tt.scheme, tt.opts, allocs)
		}
	}
}
