package signature

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// bigJSONBody is a ~5 MB JSON document shaped like a batch webhook.
func bigJSONBody(size int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"type":"device.batch","data":[`)
	for i := 0; b.Len() < size-64; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"dev_%08d","os":"android","name":"Pixel <%d>","tags":["a","b"],"n":%d}`, i, i, i)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// BenchmarkVerify5MB compares, side by side, what the listener spends on a
// 5 MB body whose signature passes (Verify) and fails (Verify, then
// DiagnoseResult as the listener does, or Diagnose which verifies again).
// Issue 14 point 6: fail must cost at most 2× pass.
func BenchmarkVerify5MB(b *testing.B) {
	body := bigJSONBody(5_000_000)
	good := signedGitHub("gh", body)
	bad := signedGitHub("other", body)
	opts := Options{Now: t0}
	b.Run("pass", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if !Verify("github", secrets("gh"), good, body, opts).OK {
				b.Fatal("does not verify")
			}
		}
	})
	b.Run("fail_verify+diagnose", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if Verify("github", secrets("gh"), bad, body, opts).OK {
				b.Fatal("verifies")
			}
			Diagnose("github", secrets("gh"), bad, body, opts)
		}
	})
	b.Run("fail_verify+diagnoseresult", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			r := Verify("github", secrets("gh"), bad, body, opts)
			if r.OK {
				b.Fatal("verifies")
			}
			DiagnoseResult(r, "github", secrets("gh"), bad, body, opts)
		}
	})
	b.Run("fail_diagnose", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			Diagnose("github", secrets("gh"), bad, body, opts)
		}
	})
}

func signedGitHub(secret string, body []byte) http.Header {
	return hdr("X-Hub-Signature-256", "sha256="+fmt.Sprintf("%x", macOf(secret, string(body))))
}

// Over MaxVariantBody the diagnosis says variants were not tried, and does
// not compute any HMAC beyond the one Verify did (no other scheme verified,
// no body re-encoded).
func TestDiagnoseBigBody(t *testing.T) {
	opts := Options{Now: t0}
	small := []byte(`{"b":1,"a":"x"}`)
	big := bigJSONBody(MaxVariantBody + 1000)
	for _, tt := range []struct {
		name    string
		scheme  string
		secrets []Secret
		h       func(body []byte) http.Header
		body    []byte
		cause   string
		msg     string
	}{
		{"small body still tries variants", "github", secrets("gh"), func(b []byte) http.Header { return signedGitHub("gh", append(b, '\n')) }, small, CauseBodyTrailingNL, `trailing "\n"`},
		{"big body, newline lost: not tried", "github", secrets("gh"), func(b []byte) http.Header { return signedGitHub("gh", append(b, '\n')) }, big, CauseWrongSecret, "body over 1 MiB: variants not tried"},
		{"big body, wrong secret", "github", secrets("other"), func(b []byte) http.Header { return signedGitHub("gh", b) }, big, CauseWrongSecret, "body over 1 MiB: variants not tried"},
		{"big body, other scheme's headers", "stripe", secrets("gh"), func(b []byte) http.Header { return signedGitHub("gh", b) }, big, CauseOtherSchemeHeaders, "GitHub (github) headers, not Stripe ones"},
		{"big body, verifies", "github", secrets("gh"), func(b []byte) http.Header { return signedGitHub("gh", b) }, big, CauseOK, "valid"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.h(bytes.Clone(tt.body))
			d := Diagnose(tt.scheme, tt.secrets, h, tt.body, opts)
			if d.Cause != tt.cause || !strings.Contains(d.Message, tt.msg) {
				t.Errorf("Diagnose = %q %q\n want %q containing %q", d.Cause, d.Message, tt.cause, tt.msg)
			}
			if strings.Contains(d.Message, "\n") {
				t.Errorf("message is not one line: %q", d.Message)
			}
		})
	}
}

// The search stops after MaxTries HMACs and says so.
func TestDiagnoseMaxTries(t *testing.T) {
	many := make([]Secret, MaxTries) // each secret: ≥ 5 body forms, so the cut is reached
	for i := range many {
		many[i] = Secret{Value: fmt.Sprintf("s%d", i)}
	}
	body := []byte(`{"b":1,"a":"x"}`)
	d := Diagnose("github", many, signedGitHub("nobody", body), body, Options{Now: t0})
	if d.Cause != CauseWrongSecret || !strings.Contains(d.Message, fmt.Sprintf("stopped after %d tries", MaxTries)) {
		t.Errorf("Diagnose = %q %q", d.Cause, d.Message)
	}
	// Within the budget a match is found and nothing is said about a cut.
	d = Diagnose("github", many[:2], signedGitHub("s1", append(bytes.Clone(body), '\n')), body, Options{Now: t0})
	if d.Cause != CauseBodyTrailingNL || d.SecretIndex != 1 || strings.Contains(d.Message, "stopped") {
		t.Errorf("Diagnose = %q %d %q", d.Cause, d.SecretIndex, d.Message)
	}
}
