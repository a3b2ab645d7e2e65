package signature_test

// Byte-compatibility with the providers' official libraries, and benchmarks
// of our Verify next to theirs. These libraries are test-only dependencies:
// this file is in an external test package so the signature package itself
// never imports them.

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-github/v84/github"
	"github.com/slack-go/slack"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stripe/stripe-go/v84/webhook"

	"github.com/hookctl/hookctl/internal/signature"
)

const (
	stdSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	stripeSecret = "whsec_test_4eC39HqLyjWDarjtT1zdp7dc"
	githubSecret = "It's a Secret to Everybody"
	slackSecret  = "8f742231b10e8888abcd99yyyzzz85a5"
)

func sec(v string) []signature.Secret { return []signature.Secret{{Value: v}} }

func payload(n int) []byte {
	b := make([]byte, 0, n)
	b = append(b, `{"data":"`...)
	for len(b) < n-2 {
		b = append(b, byte('a'+len(b)%26))
	}
	return append(b, `"}`...)
}

func TestCompatStandardWebhooks(t *testing.T) {
	wh, err := standardwebhooks.NewWebhook(stdSecret)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, n := range []int{0, 20, 1024} {
		body := payload(n)
		// Theirs signs, we verify.
		sig, err := wh.Sign("msg_abc", now, body)
		if err != nil {
			t.Fatal(err)
		}
		h := http.Header{}
		h.Set("webhook-id", "msg_abc")
		h.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
		h.Set("webhook-signature", sig)
		if r := signature.Verify("standard", sec(stdSecret), h, body, signature.Options{}); !r.OK {
			t.Errorf("ours rejects theirs: %+v", r)
		}
		// We sign (svix and webhook header sets), theirs verifies.
		ours, err := signature.Sign("standard", sec(stdSecret), body, signature.Options{ID: "msg_abc", Timestamp: now})
		if err != nil {
			t.Fatal(err)
		}
		if ours.Get("webhook-signature") != sig {
			t.Errorf("signature differs: ours %q theirs %q", ours.Get("webhook-signature"), sig)
		}
		if err := wh.Verify(body, ours); err != nil {
			t.Errorf("theirs rejects ours: %v", err)
		}
	}
}

func TestCompatStripe(t *testing.T) {
	for _, n := range []int{0, 20, 1024} {
		body := payload(n)
		now := time.Now()
		p := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: stripeSecret, Timestamp: now})
		h := http.Header{}
		h.Set("Stripe-Signature", p.Header)
		if r := signature.Verify("stripe", sec(stripeSecret), h, body, signature.Options{}); !r.OK {
			t.Errorf("ours rejects theirs: %+v", r)
		}
		ours, err := signature.Sign("stripe", sec(stripeSecret), body, signature.Options{Timestamp: now})
		if err != nil {
			t.Fatal(err)
		}
		if ours.Get("Stripe-Signature") != p.Header {
			t.Errorf("header differs: ours %q theirs %q", ours.Get("Stripe-Signature"), p.Header)
		}
		if err := webhook.ValidatePayload(body, ours.Get("Stripe-Signature"), stripeSecret); err != nil {
			t.Errorf("theirs rejects ours: %v", err)
		}
		// Rotation: two v1 entries, theirs accepts with either secret.
		two, _ := signature.Sign("stripe", []signature.Secret{{Value: "whsec_old"}, {Value: stripeSecret}}, body, signature.Options{Timestamp: now})
		if err := webhook.ValidatePayload(body, two.Get("Stripe-Signature"), stripeSecret); err != nil {
			t.Errorf("theirs rejects our rotated header: %v", err)
		}
	}
}

func TestCompatGitHub(t *testing.T) {
	for _, n := range []int{0, 13, 1024} {
		body := payload(n)
		ours, err := signature.Sign("github", sec(githubSecret), body, signature.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"X-Hub-Signature-256", "X-Hub-Signature"} {
			if _, err := github.ValidatePayloadFromBody("application/json", bytes.NewReader(body), ours.Get(name), []byte(githubSecret)); err != nil {
				t.Errorf("theirs rejects our %s: %v", name, err)
			}
		}
		// Legacy sha1 only.
		h := http.Header{}
		h.Set("X-Hub-Signature", ours.Get("X-Hub-Signature"))
		if r := signature.Verify("github", sec(githubSecret), h, body, signature.Options{}); !r.OK {
			t.Errorf("ours rejects sha1: %+v", r)
		}
	}
}

func TestCompatSlack(t *testing.T) {
	for _, n := range []int{0, 20, 1024} {
		body := payload(n)
		ours, err := signature.Sign("slack", sec(slackSecret), body, signature.Options{})
		if err != nil {
			t.Fatal(err)
		}
		sv, err := slack.NewSecretsVerifier(ours, slackSecret)
		if err != nil {
			t.Fatal(err)
		}
		sv.Write(body)
		if err := sv.Ensure(); err != nil {
			t.Errorf("theirs rejects ours: %v", err)
		}
		// slack-go has no signer; flip one byte and check both agree it fails.
		bad := append([]byte(nil), body...)
		bad = append(bad, 'x')
		sv, _ = slack.NewSecretsVerifier(ours, slackSecret)
		sv.Write(bad)
		theirs := sv.Ensure() == nil
		if r := signature.Verify("slack", sec(slackSecret), ours, bad, signature.Options{}); r.OK || theirs {
			t.Errorf("tampered body accepted: ours %v theirs %v", r.OK, theirs)
		}
	}
}

var sizes = []int{1 << 10, 64 << 10}

func sizeName(n int) string { return fmt.Sprintf("%dKiB", n>>10) }

// benchSchemes are the inputs of BenchmarkVerify and BenchmarkSign.
var benchSchemes = []struct {
	name   string
	secret string
	opts   signature.Options
}{
	{"standard", stdSecret, signature.Options{}},
	{"stripe", stripeSecret, signature.Options{}},
	{"github", githubSecret, signature.Options{}},
	{"slack", slackSecret, signature.Options{}},
	{"shopify", "shpss_secret", signature.Options{}},
	{"hmac-sha256", "sf-secret", signature.Options{}},
	{"ricloud", "ricloud-secret", signature.Options{}},
	{"hmac", "generic", signature.Options{Header: "X-Signature", Algorithm: "sha512", Encoding: "base64", Prefix: "sha512="}},
}

// BenchmarkVerify measures our Verify for every scheme; the Official
// benchmarks below measure the providers' libraries on the same inputs.
func BenchmarkVerify(b *testing.B) {
	for _, s := range benchSchemes {
		for _, n := range sizes {
			body := payload(n)
			h, err := signature.Sign(s.name, sec(s.secret), body, s.opts)
			if err != nil {
				b.Fatal(err)
			}
			secrets := sec(s.secret)
			b.Run(s.name+"/"+sizeName(n), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(n))
				for b.Loop() {
					if r := signature.Verify(s.name, secrets, h, body, s.opts); !r.OK {
						b.Fatal(r.Err)
					}
				}
			})
		}
	}
}

// BenchmarkSign measures Sign (what every sent delivery costs) per scheme.
func BenchmarkSign(b *testing.B) {
	for _, s := range benchSchemes {
		body := payload(1 << 10)
		secrets := sec(s.secret)
		b.Run(s.name+"/1KiB", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := signature.Sign(s.name, secrets, body, s.opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkOfficial(b *testing.B) {
	for _, n := range sizes {
		body := payload(n)
		b.Run("standardwebhooks/"+sizeName(n), func(b *testing.B) {
			h, _ := signature.Sign("standard", sec(stdSecret), body, signature.Options{})
			wh, _ := standardwebhooks.NewWebhook(stdSecret)
			b.ReportAllocs()
			b.SetBytes(int64(n))
			for b.Loop() {
				if err := wh.Verify(body, h); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("stripe-go/"+sizeName(n), func(b *testing.B) {
			h, _ := signature.Sign("stripe", sec(stripeSecret), body, signature.Options{})
			v := h.Get("Stripe-Signature")
			b.ReportAllocs()
			b.SetBytes(int64(n))
			for b.Loop() {
				if err := webhook.ValidatePayload(body, v, stripeSecret); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("go-github/"+sizeName(n), func(b *testing.B) {
			h, _ := signature.Sign("github", sec(githubSecret), body, signature.Options{})
			v := h.Get("X-Hub-Signature-256")
			key := []byte(githubSecret)
			b.ReportAllocs()
			b.SetBytes(int64(n))
			for b.Loop() {
				if _, err := github.ValidatePayloadFromBody("application/json", bytes.NewReader(body), v, key); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("slack-go/"+sizeName(n), func(b *testing.B) {
			h, _ := signature.Sign("slack", sec(slackSecret), body, signature.Options{})
			b.ReportAllocs()
			b.SetBytes(int64(n))
			for b.Loop() {
				sv, err := slack.NewSecretsVerifier(h, slackSecret)
				if err != nil {
					b.Fatal(err)
				}
				sv.Write(body)
				if err := sv.Ensure(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
