package signature_test

// Byte-compatibility with the providers' official libraries, and benchmarks
// of our Verify next to theirs. These libraries are test-only dependencies:
// this file is in an external test package so the signature package itself
// never imports them.

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v84/github"
	"github.com/slack-go/slack"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stripe/stripe-go/v84/webhook"

	"github.com/hookctl/hookctl/internal/apperr"
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

// compatFailure is one request the libraries refuse: ours must refuse it too,
// as a verification failure (exit 5), never as a usage error (exit 2).
func checkOursRefuses(t *testing.T, scheme, secret string, h http.Header, body []byte, theirs error) {
	t.Helper()
	if theirs == nil {
		t.Fatalf("the library accepts the request; the case is wrong")
	}
	r := signature.Verify(scheme, sec(secret), h, body, signature.Options{})
	if r.OK {
		t.Fatalf("ours accepts what the library refuses (%v)", theirs)
	}
	if !errors.Is(r.Err, apperr.ErrVerification) || errors.Is(r.Err, apperr.ErrUsage) {
		t.Errorf("ours: %v is not a verification error (the library: %v)", r.Err, theirs)
	}
	// The schemeless path (detection) agrees when the headers are there.
	if a := signature.Verify(signature.Auto, sec(secret), h, body, signature.Options{}); a.OK || !errors.Is(a.Err, apperr.ErrVerification) {
		t.Errorf("auto: %+v, want a verification error", a)
	}
}

// TestCompatStandardWebhooksFailures: every request the Standard Webhooks
// library refuses — missing headers, a signature without "v1,", one that
// does not decode, another version, a wrong one, a bad timestamp — ours
// refuses with apperr.ErrVerification.
func TestCompatStandardWebhooksFailures(t *testing.T) {
	wh, _ := standardwebhooks.NewWebhook(stdSecret)
	body := payload(64)
	now := time.Now()
	good, _ := wh.Sign("msg_1", now, body)
	b64 := strings.TrimPrefix(good, "v1,")
	ts := strconv.FormatInt(now.Unix(), 10)
	std := func(id, ts, sig string) http.Header {
		h := http.Header{}
		for k, v := range map[string]string{"webhook-id": id, "webhook-timestamp": ts, "webhook-signature": sig} {
			if v != "" {
				h.Set(k, v)
			}
		}
		return h
	}
	for _, tt := range []struct {
		name string
		h    http.Header
	}{
		{"no headers", http.Header{}},
		{"no signature header", std("msg_1", ts, "")},
		{"no id header", std("", ts, good)},
		{"no v1 prefix", std("msg_1", ts, b64)},
		{"other version tag", std("msg_1", ts, "v2,"+b64)},
		{"does not decode", std("msg_1", ts, "v1,!!!not-base64")},
		{"wrong signature", std("msg_1", ts, "v1,"+strings.Repeat("A", 43)+"=")},
		{"signed for another id", std("msg_2", ts, good)},
		{"timestamp not a number", std("msg_1", "now", good)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			theirs := wh.Verify(body, tt.h)
			if tt.name == "no headers" {
				// No signature headers at all: only a named scheme diagnoses
				// it; auto finds nothing to verify, which is also exit 5.
				if theirs == nil {
					t.Fatal("library accepts")
				}
				for _, s := range []string{"standard", signature.Auto} {
					r := signature.Verify(s, sec(stdSecret), tt.h, body, signature.Options{})
					if r.OK || !errors.Is(r.Err, signature.ErrMissing) || !errors.Is(r.Err, apperr.ErrVerification) {
						t.Errorf("%s: %+v, want a missing-header verification error", s, r)
					}
				}
				return
			}
			checkOursRefuses(t, "standard", stdSecret, tt.h, body, theirs)
		})
	}
}

// svixVerify is the Svix library's header choice (svix-webhooks
// go/webhook.go: the svix-* set when all three headers are there, else the
// webhook-* set), then the same check, which is the Standard Webhooks
// library's. The Svix module is not a dependency (it brings its whole API
// client); this mirrors its 10 lines of header selection.
func svixVerify(wh *standardwebhooks.Webhook, body []byte, h http.Header) error {
	id, sig, ts := h.Get("svix-id"), h.Get("svix-signature"), h.Get("svix-timestamp")
	if id == "" || sig == "" || ts == "" {
		id, sig, ts = h.Get("webhook-id"), h.Get("webhook-signature"), h.Get("webhook-timestamp")
	}
	return wh.Verify(body, http.Header{"Webhook-Id": {id}, "Webhook-Signature": {sig}, "Webhook-Timestamp": {ts}})
}

// TestCompatStandardWebhooksHeaderSets: a request verifies when either
// library accepts it — the Svix one reads svix-* first, the Standard
// Webhooks one only webhook-* — so with both sets present either set
// verifies; when neither verifies, the refusal is a verification error.
func TestCompatStandardWebhooksHeaderSets(t *testing.T) {
	wh, _ := standardwebhooks.NewWebhook(stdSecret)
	body := payload(64)
	now := time.Now()
	ts := strconv.FormatInt(now.Unix(), 10)
	good, _ := wh.Sign("msg_1", now, body)
	bad := "v1," + strings.Repeat("A", 43) + "="
	set := func(h http.Header, prefix, sig string) {
		h.Set(prefix+"-id", "msg_1")
		h.Set(prefix+"-timestamp", ts)
		h.Set(prefix+"-signature", sig)
	}
	for _, tt := range []struct {
		name             string
		webhook, svix    string // signature of each set; "" = set absent
		wantSvix, wantSW bool   // the libraries accept
	}{
		{"svix set only", "", good, true, false},
		{"webhook set only", good, "", true, true},
		{"both, svix valid", bad, good, true, false},
		{"both, webhook valid", good, bad, false, true},
		{"both valid", good, good, true, true},
		{"both wrong", bad, bad, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.webhook != "" {
				set(h, "webhook", tt.webhook)
			}
			if tt.svix != "" {
				set(h, "svix", tt.svix)
			}
			gotSvix, gotSW := svixVerify(wh, body, h) == nil, wh.Verify(body, h) == nil
			if gotSvix != tt.wantSvix || gotSW != tt.wantSW {
				t.Fatalf("libraries: svix %v standard-webhooks %v, case expects %v %v", gotSvix, gotSW, tt.wantSvix, tt.wantSW)
			}
			r := signature.Verify("standard", sec(stdSecret), h, body, signature.Options{})
			if want := gotSvix || gotSW; r.OK != want {
				t.Errorf("ours OK=%v (%v), want %v", r.OK, r.Err, want)
			}
			if !r.OK && !errors.Is(r.Err, apperr.ErrVerification) {
				t.Errorf("ours: %v is not a verification error", r.Err)
			}
			if a := signature.Verify(signature.Auto, sec(stdSecret), h, body, signature.Options{}); a.OK != r.OK {
				t.Errorf("auto OK=%v, standard OK=%v", a.OK, r.OK)
			}
		})
	}
}

// TestCompatStandardWebhooksSignatureLines: the library checks every
// space-separated entry of the signature header (rotation); ours does too,
// and also when the entries come as several header lines (http.Header.Get
// gives the library only the first line; the lines mean the same list).
func TestCompatStandardWebhooksSignatureLines(t *testing.T) {
	wh, _ := standardwebhooks.NewWebhook(stdSecret)
	body := payload(64)
	now := time.Now()
	ts := strconv.FormatInt(now.Unix(), 10)
	good, _ := wh.Sign("msg_1", now, body)
	other := "v1," + strings.Repeat("A", 43) + "="
	base := func() http.Header {
		h := http.Header{}
		h.Set("webhook-id", "msg_1")
		h.Set("webhook-timestamp", ts)
		return h
	}
	// One line, the match last among several entries (and a v1a one).
	one := base()
	one.Set("webhook-signature", other+" v1a,"+strings.Repeat("B", 86)+"== "+good)
	if err := wh.Verify(body, one); err != nil {
		t.Fatalf("library rejects a list with the match last: %v", err)
	}
	if r := signature.Verify("standard", sec(stdSecret), one, body, signature.Options{}); !r.OK {
		t.Errorf("ours rejects a list with the match last: %v", r.Err)
	}
	// The same entries as header lines: the match on the last line.
	lines := base()
	lines.Add("webhook-signature", other)
	lines.Add("webhook-signature", "v2,xyz "+other)
	lines.Add("webhook-signature", good)
	if r := signature.Verify("standard", sec(stdSecret), lines, body, signature.Options{}); !r.OK {
		t.Errorf("ours rejects the match on the third webhook-signature line: %v", r.Err)
	}
	joined := base()
	joined.Set("webhook-signature", strings.Join(lines.Values("webhook-signature"), " "))
	if err := wh.Verify(body, joined); err != nil {
		t.Errorf("library rejects the lines joined into one list: %v", err)
	}
	// No line matches: a verification failure.
	none := base()
	none.Add("webhook-signature", other)
	none.Add("webhook-signature", "v1,!!!")
	if r := signature.Verify("standard", sec(stdSecret), none, body, signature.Options{}); r.OK || !errors.Is(r.Err, signature.ErrMismatch) || !errors.Is(r.Err, apperr.ErrVerification) {
		t.Errorf("no line matches: %+v, want a mismatch", r)
	}
}

// TestCompatStripeFailures: what stripe-go refuses (no header, no
// timestamp, no v1 entry, an entry that does not decode, a wrong one) ours
// refuses as a verification failure.
func TestCompatStripeFailures(t *testing.T) {
	body := payload(64)
	now := time.Now()
	t0 := strconv.FormatInt(now.Unix(), 10)
	p := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: stripeSecret, Timestamp: now})
	v1 := p.Header[strings.Index(p.Header, "v1=")+3:]
	for _, tt := range []struct{ name, header string }{
		{"no header", ""},
		{"no timestamp", "v1=" + v1},
		{"only v0", "t=" + t0 + ",v0=" + v1},
		{"does not decode", "t=" + t0 + ",v1=zz"},
		{"wrong signature", "t=" + t0 + ",v1=" + strings.Repeat("0", 64)},
		{"not key=value", "t=" + t0 + "," + v1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.header != "" {
				h.Set("Stripe-Signature", tt.header)
			}
			theirs := webhook.ValidatePayload(body, tt.header, stripeSecret)
			if tt.header == "" {
				if theirs == nil {
					t.Fatal("library accepts")
				}
				if r := signature.Verify("stripe", sec(stripeSecret), h, body, signature.Options{}); r.OK || !errors.Is(r.Err, apperr.ErrVerification) {
					t.Errorf("ours: %+v, want a verification error", r)
				}
				return
			}
			checkOursRefuses(t, "stripe", stripeSecret, h, body, theirs)
		})
	}
}

// TestCompatGitHubFailures: go-github refuses a missing signature, one
// without its "sha256=" prefix, one that does not decode and a wrong one;
// so does ours, as a verification failure.
func TestCompatGitHubFailures(t *testing.T) {
	body := []byte("Hello, World!")
	const vector = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	if _, err := github.ValidatePayloadFromBody("application/json", bytes.NewReader(body), "sha256="+vector, []byte(githubSecret)); err != nil {
		t.Fatalf("library rejects the docs' vector: %v", err)
	}
	for _, tt := range []struct{ name, sig string }{
		{"no signature", ""},
		{"no sha256= prefix", vector},
		{"does not decode", "sha256=xyz"},
		{"wrong", "sha256=" + strings.Repeat("0", 64)},
		{"prefix of another algorithm", "sha512=" + vector},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, theirs := github.ValidatePayloadFromBody("application/json", bytes.NewReader(body), tt.sig, []byte(githubSecret))
			h := http.Header{}
			if tt.sig != "" {
				h.Set("X-Hub-Signature-256", tt.sig)
			}
			if tt.sig == "" {
				if theirs == nil {
					t.Fatal("library accepts")
				}
				if r := signature.Verify("github", sec(githubSecret), h, body, signature.Options{}); r.OK || !errors.Is(r.Err, signature.ErrMissing) || !errors.Is(r.Err, apperr.ErrVerification) {
					t.Errorf("ours: %+v, want a missing-header verification error", r)
				}
				return
			}
			checkOursRefuses(t, "github", githubSecret, h, body, theirs)
		})
	}
}

// TestCompatSlackFailures: slack-go refuses a signature without "v0=", one
// that does not decode and a wrong one; so does ours.
func TestCompatSlackFailures(t *testing.T) {
	body := payload(64)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	for _, tt := range []struct{ name, sig string }{
		{"no v0= prefix", strings.Repeat("a", 64)},
		{"does not decode", "v0=zz"},
		{"wrong", "v0=" + strings.Repeat("0", 64)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			h.Set("X-Slack-Signature", tt.sig)
			h.Set("X-Slack-Request-Timestamp", ts)
			sv, theirs := slack.NewSecretsVerifier(h, slackSecret)
			if theirs == nil {
				sv.Write(body)
				theirs = sv.Ensure()
			}
			checkOursRefuses(t, "slack", slackSecret, h, body, theirs)
		})
	}
}
