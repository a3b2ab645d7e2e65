package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"
)

func macOf(key, msg string) []byte {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// Diagnose is DiagnoseResult without a Verify result (diagnose verifies
// first): the tests' way in.
func Diagnose(scheme string, secrets []Secret, headers http.Header, body []byte, opts Options) Diagnosis {
	return diagnose(nil, scheme, secrets, headers, body, opts)
}

func TestDiagnose(t *testing.T) {
	const (
		whsec     = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
		body      = `{"b":1,"a":"x"}`
		ts        = "1614265330"
		msgID     = "msg_1"
		stripeKey = "whsec_c3RyaXBlLXNlY3JldA=="
	)
	now := t0
	stdKey, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(whsec, "whsec_"))
	stdHeaders := func(key []byte, b string) http.Header {
		return hdr("Webhook-Id", msgID, "Webhook-Timestamp", ts,
			"Webhook-Signature", "v1,"+base64.StdEncoding.EncodeToString(macOf(string(key), msgID+"."+ts+"."+b)))
	}
	stripeHeaders := func(key, b string) http.Header {
		return hdr("Stripe-Signature", "t="+ts+",v1="+hex.EncodeToString(macOf(key, ts+"."+b)))
	}
	gh := func(v string) http.Header { return hdr("X-Hub-Signature-256", v) }
	ghHex := hex.EncodeToString(macOf("gh", body))
	ghB64 := base64.StdEncoding.EncodeToString(macOf("gh", body))
	stripeDecoded, _ := base64.StdEncoding.DecodeString("c3RyaXBlLXNlY3JldA==")

	tests := []struct {
		name    string
		scheme  string
		secrets []Secret
		h       http.Header
		body    string
		opts    Options
		cause   string
		index   int
		msg     string
	}{
		{"ok", "standard", secrets(whsec), stdHeaders(stdKey, body), body, Options{}, CauseOK, 0, "valid"},
		{"auto ok", Auto, secrets(whsec), stdHeaders(stdKey, body), body, Options{}, CauseOK, 0, "valid"},
		{"whsec used raw", "standard", secrets(whsec), stdHeaders([]byte(whsec), body), body, Options{}, CauseSecretNotDecoded, 0, "not base64-decoded"},
		{"whsec stripped raw", "standard", secrets(whsec), stdHeaders([]byte(strings.TrimPrefix(whsec, "whsec_")), body), body, Options{}, CauseSecretNotDecoded, 0, "without whsec_"},
		{"stripe secret decoded", "stripe", secrets(stripeKey), stripeHeaders(string(stripeDecoded), body), body, Options{}, CauseSecretDecoded, 0, "base64-decoded"},
		{"stripe secret prefix dropped", "stripe", secrets(stripeKey), stripeHeaders(strings.TrimPrefix(stripeKey, "whsec_"), body), body, Options{}, CauseSecretPrefix, 0, "without its whsec_ prefix"},
		{"github base64", "github", secrets("gh"), gh("sha256=" + ghB64), body, Options{}, CauseEncodingMismatch, 0, "base64"},
		{"github no prefix", "github", secrets("gh"), gh(ghHex), body, Options{}, CausePrefixMissing, 0, `"sha256="`},
		{"scalefusion extra prefix", "hmac-sha256", secrets("gh"), hdr("X-SF-Signature", "sha256="+ghHex), body, Options{}, CausePrefixExtra, 0, `"sha256="`},
		{"standard no v1,", "standard", secrets(whsec), func() http.Header {
			h := stdHeaders(stdKey, body)
			h.Set("Webhook-Signature", strings.TrimPrefix(h.Get("Webhook-Signature"), "v1,"))
			return h
		}(), body, Options{}, CausePrefixMissing, 0, `"v1,"`},
		{"shopify hex", "shopify", secrets("gh"), hdr("X-Shopify-Hmac-Sha256", ghHex), body, Options{}, CauseEncodingMismatch, 0, "hex"},
		{"newline lost", "github", secrets("gh"), gh("sha256=" + hex.EncodeToString(macOf("gh", body+"\n"))), body, Options{}, CauseBodyTrailingNL, 0, `trailing "\n"`},
		{"crlf lost", "github", secrets("gh"), gh("sha256=" + hex.EncodeToString(macOf("gh", body+"\r\n"))), body, Options{}, CauseBodyTrailingNL, 0, `"\r\n"`},
		{"newline added", "github", secrets("gh"), gh("sha256=" + ghHex), body + "\n", Options{}, CauseBodyTrailingNL, 0, "removed"},
		{"crlf added", "github", secrets("gh"), gh("sha256=" + ghHex), body + "\r\n", Options{}, CauseBodyTrailingNL, 0, `"\r\n" is removed`},
		{"json indented by receiver", "stripe", secrets(stripeKey), stripeHeaders(stripeKey, body), "{\n  \"b\": 1,\n  \"a\": \"x\"\n}", Options{}, CauseBodyReserialized, 0, "compact JSON"},
		{"json sorted by sender", "stripe", secrets(stripeKey), stripeHeaders(stripeKey, `{"a":"x","b":1}`), body, Options{}, CauseBodyReserialized, 0, "sorted keys"},
		{"json indented by sender", "github", secrets("gh"), gh("sha256=" + hex.EncodeToString(macOf("gh", "{\n  \"b\": 1,\n  \"a\": \"x\"\n}"))), body, Options{}, CauseBodyReserialized, 0, "indented"},
		{"rotated expired", "github", []Secret{{Value: "new"}, {Value: "gh", ExpiresAt: now.Add(-3 * time.Hour)}}, gh("sha256=" + ghHex), body, Options{}, CauseRotatedExpired, 1, "rotated secret #2 that expired 3h ago"},
		{"too old", "standard", secrets(whsec), stdHeaders(stdKey, body), body, Options{Now: now.Add(742 * time.Second)}, CauseTimestampTooOld, 0, "742s in the past"},
		{"too new", "standard", secrets(whsec), stdHeaders(stdKey, body), body, Options{Now: now.Add(-400 * time.Second)}, CauseTimestampTooNew, 0, "400s in the future"},
		{"other scheme verifies", "stripe", secrets("gh"), gh("sha256=" + ghHex), body, Options{}, CauseOtherSchemeHeaders, 0, "verifies as github"},
		{"other scheme wrong secret", "slack", secrets("nope"), gh("sha256=" + ghHex), body, Options{}, CauseOtherSchemeHeaders, -1, "GitHub (github) headers"},
		{"wrong secret", "github", secrets("other", "another"), gh("sha256=" + ghHex), body, Options{}, CauseWrongSecret, -1, "No variant of the given secret(s) matches: the sender used a different secret"},
		{"missing header", "github", secrets("gh"), hdr("Content-Type", "x"), body, Options{}, CauseMissingHeader, -1, "absent"},
		{"auto nothing", Auto, secrets("gh"), hdr("Content-Type", "x"), body, Options{}, CauseMissingHeader, -1, "No known signature headers"},
		{"malformed", "slack", secrets("s"), hdr("X-Slack-Signature", "v0=ab", "X-Slack-Request-Timestamp", "yesterday"), body, Options{}, CauseMalformedHeader, -1, "not a unix time"},
		{"no secret", "github", nil, gh("sha256=" + ghHex), body, Options{}, CauseNoSecret, -1, "No secret"},
		{"unknown", "acme", secrets("x"), gh("sha256=" + ghHex), body, Options{}, CauseUnknownScheme, -1, "unknown signature scheme"},
		{"hmac no header", "hmac", secrets("x"), gh("sha256=" + ghHex), body, Options{}, CauseInvalidOptions, -1, "header name"},
		{"combined: expired and newline", "github", []Secret{{Value: "gh", ExpiresAt: now.Add(-time.Hour)}}, gh("sha256=" + ghHex), body + "\n", Options{}, CauseBodyTrailingNL, 0, "expired secret #1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			if opts.Now.IsZero() {
				opts.Now = now
			}
			d := Diagnose(tt.scheme, tt.secrets, tt.h, []byte(tt.body), opts)
			if d.Cause != tt.cause || d.SecretIndex != tt.index || !strings.Contains(d.Message, tt.msg) {
				t.Errorf("Diagnose = cause %q index %d\n  message %q\n  want cause %q index %d containing %q", d.Cause, d.SecretIndex, d.Message, tt.cause, tt.index, tt.msg)
			}
			// DiagnoseResult, given what Verify said, says the same.
			r := Verify(tt.scheme, tt.secrets, tt.h, []byte(tt.body), opts)
			if d2 := DiagnoseResult(r, tt.scheme, tt.secrets, tt.h, []byte(tt.body), opts); d2.Cause != d.Cause || d2.Message != d.Message || d2.SecretIndex != d.SecretIndex {
				t.Errorf("DiagnoseResult = %q %q, Diagnose = %q %q", d2.Cause, d2.Message, d.Cause, d.Message)
			}
			if d.Message == "" || strings.Count(d.Message, "\n") > 0 {
				t.Errorf("message should be one line: %q", d.Message)
			}
		})
	}
}
