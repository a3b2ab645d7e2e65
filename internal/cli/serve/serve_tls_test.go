package serve

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/cmdtest"
)

// selfSigned writes a self-signed certificate for 127.0.0.1 and its key as
// PEM files in dir and returns their paths and a pool trusting it.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "hookctl test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestServeTLSFlags(t *testing.T) {
	dir := t.TempDir()
	cert, key, _ := selfSigned(t, dir)
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.crt")
	tests := []struct {
		args    string
		wantTLS bool
		wantErr string
	}{
		{"", false, ""},
		{"--tls-cert " + cert + " --tls-key " + key, true, ""},
		{"--tls-cert " + cert, false, "--tls-cert and --tls-key go together"},
		{"--tls-key " + key, false, "--tls-cert and --tls-key go together"},
		{"--tls-cert " + missing + " --tls-key " + key, false, "cannot read TLS file " + missing},
		{"--tls-cert " + garbage + " --tls-key " + key, false, "invalid TLS certificate/key"},
		{"--tls-cert " + key + " --tls-key " + cert, false, "invalid TLS certificate/key"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			got, ok := cmdtest.ParseFlags(t, cmdtest.New(t, false), NewCmdServe, tt.args, tt.wantErr)
			if ok && (got.TLS != nil) != tt.wantTLS {
				t.Fatalf("TLS = %v, want %v", got.TLS != nil, tt.wantTLS)
			}
		})
	}
}

// TestServeTLS: with --tls-cert/--tls-key, serve answers /healthz over
// https, prints and writes https:// URLs, and a plain http request fails.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	cert, key, pool := selfSigned(t, dir)
	env := cmdtest.New(t, false)
	env.Factory.Globals.DataDir = filepath.Join(dir, "data")
	ready := filepath.Join(dir, "ready")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := NewCmdServe(env.Factory, nil)
	cmd.SetArgs([]string{"--addr", "127.0.0.1:0", "--ready-file", ready, "--tls-cert", cert, "--tls-key", key})
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()

	var url string
	deadline := time.Now().Add(10 * time.Second)
	for url == "" {
		if b, err := os.ReadFile(ready); err == nil && len(b) > 0 {
			url = strings.TrimSpace(string(b))
			break
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended early: %v\n%s", err, env.ErrOut)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no ready file after 10s\n%s", env.ErrOut)
		}
	}
	if !strings.HasPrefix(url, "https://127.0.0.1:") {
		t.Fatalf("ready URL = %q, want https://127.0.0.1:…", url)
	}

	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get(url + "/healthz")
	if err != nil {
		t.Fatalf("https /healthz: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.TLS == nil {
		t.Fatalf("https /healthz = %d (TLS %v), want 200 over TLS", resp.StatusCode, resp.TLS != nil)
	}

	plain := &http.Client{Timeout: 5 * time.Second}
	resp, err = plain.Get("http://" + strings.TrimPrefix(url, "https://") + "/healthz")
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Fatal("plain http /healthz answered 200 on a TLS server")
		}
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	if !strings.Contains(env.ErrOut.String(), "Listening on https://127.0.0.1:") {
		t.Fatalf("stderr does not print the https URL:\n%s", env.ErrOut)
	}
}
