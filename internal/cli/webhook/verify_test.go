package webhook

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/cmdtest"
)

// TestVerifyExitKinds: a request whose signature is missing, malformed,
// mis-prefixed or wrong is a verification failure (exit 5) with a verdict
// and a diagnosis on stdout; only unusable command input is a usage error
// (exit 2).
func TestVerifyExitKinds(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	body := filepath.Join(dir, "body.txt")
	os.WriteFile(body, []byte("Hello, World!"), 0o600)
	const secret = "It's a Secret to Everybody"
	const vector = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	std := func(sig ...string) []string {
		h := []string{"webhook-id: msg_1", "webhook-timestamp: 1614265330"}
		for _, s := range sig {
			h = append(h, "webhook-signature: "+s)
		}
		return h
	}
	tests := []struct {
		name    string
		scheme  string
		secret  string
		body    string
		headers []string
		want    error
		wantOut string // in stdout (verdict) or the error
	}{
		{"verified", "github", secret, body, []string{"X-Hub-Signature-256: sha256=" + vector}, nil, "✓ verified"},
		{"no signature headers, auto", "", secret, body, []string{"Content-Type: text/plain"}, apperr.ErrVerification, "No known signature headers"},
		{"no signature header, github", "github", secret, body, nil, apperr.ErrVerification, "absent"},
		{"no sha256= prefix", "github", secret, body, []string{"X-Hub-Signature-256: " + vector}, apperr.ErrVerification, `sha256=`},
		{"does not decode", "github", secret, body, []string{"X-Hub-Signature-256: sha256=xyz"}, apperr.ErrVerification, "not verified"},
		{"mis-prefixed", "github", secret, body, []string{"X-Hub-Signature-256: sha1=" + vector}, apperr.ErrVerification, "not verified"},
		{"wrong", "github", "other", body, []string{"X-Hub-Signature-256: sha256=" + vector}, apperr.ErrVerification, "different secret"},
		{"standard without v1,", "standard", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", body, std("g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="), apperr.ErrVerification, "not verified"},
		{"standard missing id", "standard", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", body, []string{"webhook-signature: v1,abc"}, apperr.ErrVerification, "webhook-id"},
		{"unknown scheme", "rot13", secret, body, []string{"X-Hub-Signature-256: sha256=" + vector}, apperr.ErrUsage, "unknown signature scheme"},
		{"unreadable body file", "github", secret, filepath.Join(dir, "missing.txt"), []string{"X-Hub-Signature-256: sha256=" + vector}, apperr.ErrUsage, "cannot read"},
		{"bad whsec secret", "standard", "whsec_!!", body, std("v1,YWI="), apperr.ErrUsage, "not valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := cmdtest.New(t, false)
			scheme := tt.scheme
			if scheme == "" {
				scheme = "auto"
			}
			err := verifyRun(ctx, &VerifyOptions{Factory: env.Factory, Scheme: scheme, Secrets: []string{tt.secret}, Body: tt.body, Headers: tt.headers, Now: 1614265330})
			if tt.want == nil {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
			} else if !errors.Is(err, tt.want) || (tt.want == apperr.ErrVerification && errors.Is(err, apperr.ErrUsage)) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			got := env.Out.String()
			if err != nil {
				got += err.Error()
			}
			if !strings.Contains(got, tt.wantOut) {
				t.Errorf("output %q lacks %q", got, tt.wantOut)
			}
			if tt.want == apperr.ErrVerification && !strings.Contains(env.Out.String(), "why:") && !strings.Contains(env.Out.String(), "not verified") {
				t.Errorf("no verdict on stdout: %q", env.Out.String())
			}
		})
	}
}
