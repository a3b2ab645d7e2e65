package signature

import (
	"net/http"
	"testing"
	"time"
)

// fuzzCheck is the invariant shared by the parser fuzz targets: Verify and
// Diagnose never panic on arbitrary headers, and whenever the scheme's parser
// accepts the headers, a request signed afresh with the parsed id and
// timestamp verifies.
func fuzzCheck(t *testing.T, scheme string, opts Options, h http.Header, body []byte) {
	sec := []Secret{{Value: "whsec_c2VjcmV0LWtleQ=="}}
	opts.Now = time.Unix(1700000000, 0)
	r := Verify(scheme, sec, h, body, opts)
	if r.OK && r.SecretIndex != 0 {
		t.Fatalf("OK without a secret index: %+v", r)
	}
	if !r.OK && r.Err == nil {
		t.Fatalf("not OK without an error: %+v", r)
	}
	_ = Diagnose(scheme, sec, h, body, opts)
	_ = Detect(h)

	def, err := registry[scheme].configure(&opts)
	if err != nil {
		t.Fatal(err)
	}
	var p parsed
	if def.parse(&def, h, &p) != nil || p.strict(&def) != nil {
		return
	}
	so := opts
	so.ID = p.id
	so.Timestamp = time.Unix(p.ts, 0)
	so.Tolerance = -1
	signed, err := Sign(scheme, sec, body, so)
	if err != nil {
		t.Fatalf("sign after a successful parse: %v", err)
	}
	if r := Verify(scheme, sec, signed, body, so); !r.OK {
		t.Fatalf("round trip after parse failed: %+v (headers %q)", r, signed)
	}
}

func FuzzParseStandard(f *testing.F) {
	f.Add("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", []byte(`{"test": 2432232314}`), false)
	f.Add("msg_1", "1700000000", "v1a,AAAA v1,bad v2,x", []byte("x"), true)
	f.Add("m", "0017", "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", []byte{}, false)
	f.Add("", "abc", "v1,", []byte(nil), true)
	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte, svix bool) {
		h := http.Header{}
		p := "Webhook-"
		if svix {
			p = "Svix-"
		}
		h[p+"Id"] = []string{id}
		h[p+"Timestamp"] = []string{ts}
		h[p+"Signature"] = []string{sig}
		fuzzCheck(t, "standard", Options{}, h, body)
	})
}

func FuzzParseStripe(f *testing.F) {
	f.Add("t=1492774577,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd,v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39", []byte("{}"))
	f.Add("t=1,v1=zz", []byte("x"))
	f.Add("v1=ab,t=", []byte(nil))
	f.Add("t=1,,v1=ab, v1=cd", []byte("body"))
	f.Fuzz(func(t *testing.T, v string, body []byte) {
		fuzzCheck(t, "stripe", Options{}, http.Header{"Stripe-Signature": {v}}, body)
	})
}

func FuzzParseRicloud(f *testing.F) {
	f.Add("t=1700000000,s=2Hq1qYqG1p0Zq0z1wQ8m1o0xq7R7c2y8v3m9w0a5b6c=", []byte("{}"))
	f.Add("t=1,s===", []byte("x"))
	f.Add("s=YWI=,t=99999999999999999999", []byte(nil))
	f.Fuzz(func(t *testing.T, v string, body []byte) {
		fuzzCheck(t, "ricloud", Options{}, http.Header{"Ricloud-Signature": {v}}, body)
	})
}

func FuzzParseSlack(f *testing.F) {
	f.Add("v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503", "1531420618", []byte("token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J"))
	f.Add("v0=", "", []byte(nil))
	f.Add("abcd", "12a", []byte("x"))
	f.Fuzz(func(t *testing.T, sig, ts string, body []byte) {
		h := http.Header{"X-Slack-Signature": {sig}, "X-Slack-Request-Timestamp": {ts}}
		fuzzCheck(t, "slack", Options{}, h, body)
	})
}

func FuzzParseGitHub(f *testing.F) {
	f.Add("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", "", []byte("Hello, World!"))
	f.Add("", "sha1=01234567890abcdef01234567890abcdef012345", []byte("x"))
	f.Add("sha256=", "sha1=zz", []byte(nil))
	f.Fuzz(func(t *testing.T, sig256, sig1 string, body []byte) {
		h := http.Header{}
		if sig256 != "" {
			h["X-Hub-Signature-256"] = []string{sig256}
		}
		if sig1 != "" {
			h["X-Hub-Signature"] = []string{sig1}
		}
		fuzzCheck(t, "github", Options{}, h, body)
	})
}

// FuzzParseSingle covers the single-value parsers: shopify, hmac-sha256 and
// the generic hmac with every algorithm, encoding and an optional prefix.
func FuzzParseSingle(f *testing.F) {
	f.Add(uint8(0), "YWJj", "", []byte("x"))
	f.Add(uint8(1), "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", "", []byte("Hello"))
	f.Add(uint8(2), "sha512=00ff", "sha512=", []byte("{}"))
	f.Add(uint8(7), "v1,YWI=", "v1,", []byte(nil))
	f.Fuzz(func(t *testing.T, mode uint8, v, prefix string, body []byte) {
		algos := []string{"sha1", "sha256", "sha512"}
		encs := []string{"hex", "base64"}
		var scheme string
		opts := Options{}
		switch mode % 4 {
		case 0:
			scheme = "shopify"
			fuzzCheck(t, scheme, opts, http.Header{"X-Shopify-Hmac-Sha256": {v}}, body)
			return
		case 1:
			scheme = "hmac-sha256"
			opts.Prefix = prefix
			fuzzCheck(t, scheme, opts, http.Header{"X-Sf-Signature": {v}}, body)
			return
		default:
			scheme = "hmac"
			opts = Options{Header: "X-Signature", Algorithm: algos[int(mode/4)%3], Encoding: encs[int(mode/12)%2], Prefix: prefix}
			fuzzCheck(t, scheme, opts, http.Header{"X-Signature": {v}}, body)
		}
	})
}
