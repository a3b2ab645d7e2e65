package webhook

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/cli/receive"
	"github.com/hookctl/hookctl/internal/cmdtest"
)

func TestSignFlags(t *testing.T) {
	tests := []struct {
		line    string
		wantErr string
		check   func(*SignOptions) bool
	}{
		{line: "--scheme github --secret s --data x", check: func(o *SignOptions) bool { return o.Scheme == "github" && o.Secrets[0] == "s" && o.Data == "x" }},
		{line: "--config whc_1 -d @f.json --timestamp 5 --id msg_1", check: func(o *SignOptions) bool {
			return o.ConfigID == "whc_1" && o.Data == "@f.json" && o.Timestamp == 5 && o.ID == "msg_1"
		}},
		{line: "--secret a --secret b -d x", check: func(o *SignOptions) bool { return len(o.Secrets) == 2 }},
		{line: "--secret s", wantErr: "--data is required"},
		{line: "--data x", wantErr: "a secret is required"},
		{line: "--data x --secret s --timestamp soon", wantErr: "invalid argument"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			if got, ok := cmdtest.ParseFlags(t, cmdtest.New(t, false), NewCmdSign, tt.line, tt.wantErr); ok && !tt.check(got) {
				t.Fatalf("opts = %+v", got)
			}
		})
	}
}

func TestVerifyFlags(t *testing.T) {
	tests := []struct {
		line    string
		wantErr string
	}{
		{line: "--secret s --request r.http"},
		{line: "--config whc_1 --body b.json -H 'X-A: 1'"},
		{line: "--secret s", wantErr: "nothing to verify"},
		{line: "--request r.http", wantErr: "a secret is required"},
		{line: "--secret s --request r.http --body b", wantErr: "not both"},
		{line: "--secret s --request r --tolerance forever", wantErr: "invalid argument"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			env := cmdtest.New(t, false)
			err := cmdtest.Exec(t, NewCmdVerify(env.Factory, func(context.Context, *VerifyOptions) error { return nil }), tt.line)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, apperr.ErrUsage) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want usage error %q", err, tt.wantErr)
			}
		})
	}
}

func TestSignThenVerifyRun(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	body := filepath.Join(dir, "body.json")
	os.WriteFile(body, []byte(`{"type":"push"}`), 0o600)

	tests := []struct {
		name     string
		scheme   string
		verifyAs string // secret given to verify
		bodyFile string
		wantErr  error
		wantOut  string
	}{
		{name: "standard ok", scheme: "standard", verifyAs: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", wantOut: "✓ verified (standard, secret #1)"},
		{name: "slack ok", scheme: "slack", verifyAs: "k", wantOut: "✓ verified (slack, secret #1)"},
		{name: "wrong secret", scheme: "shopify", verifyAs: "other", wantErr: apperr.ErrVerification, wantOut: "different secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := cmdtest.New(t, false)
			secret := tt.verifyAs
			if tt.wantErr != nil {
				secret = "right"
			}
			if err := signRun(ctx, &SignOptions{Factory: env.Factory, Scheme: tt.scheme, Secrets: []string{secret}, Data: "@" + body}); err != nil {
				t.Fatal(err)
			}
			var headers []string
			for _, l := range strings.Split(strings.TrimSpace(env.Out.String()), "\n") {
				headers = append(headers, l)
			}
			env.Out.Reset()
			err := verifyRun(ctx, &VerifyOptions{Factory: env.Factory, Scheme: "auto", Secrets: []string{tt.verifyAs}, Body: body, Headers: headers})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("verify err = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(env.Out.String(), tt.wantOut) {
				t.Errorf("output %q lacks %q", env.Out, tt.wantOut)
			}
		})
	}
}

func TestResolveSigningFromConfig(t *testing.T) {
	ctx := context.Background()
	env := cmdtest.New(t, false)
	c, _ := env.Local.CreateWebhookConfig(ctx, backend.CreateWebhookConfigParams{URL: "https://e.x", Scheme: "stripe"})
	rotated, _ := env.Local.RotateWebhookConfigSecret(ctx, c.ID, 3600e9)
	s, err := receive.ResolveSigning(ctx, env.Factory, "", nil, c.ID, "standard")
	if err != nil {
		t.Fatal(err)
	}
	if s.Scheme != "stripe" || len(s.Secrets) != 2 || s.Secrets[0].Value != rotated.Secret || s.Secrets[1].Value != c.Secret || s.Secrets[1].ExpiresAt.IsZero() {
		t.Fatalf("got %+v", s)
	}
	if _, err := receive.ResolveSigning(ctx, env.Factory, "", []string{"x"}, c.ID, ""); !errors.Is(err, apperr.ErrUsage) {
		t.Fatalf("--secret with --config: err = %v", err)
	}
	if _, err := receive.ResolveSigning(ctx, env.Factory, "", nil, "whc_missing", ""); !errors.Is(err, apperr.ErrNotFound) {
		t.Fatalf("missing config: err = %v", err)
	}
}
