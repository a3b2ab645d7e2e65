package ngrokfake_test

import (
	"crypto/x509"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/tunnel/ngrokfake"
)

func TestStartAndClose(t *testing.T) {
	fake, err := ngrokfake.Start(ngrokfake.Options{AcceptTokens: []string{"a"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(fake.Addr(), "127.0.0.1:") {
		t.Errorf("Addr = %q", fake.Addr())
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(fake.CertPEM()) {
		t.Error("CertPEM is not a PEM certificate")
	}
	fake.SetAcceptTokens("b", "c")
	if got := fake.AcceptTokens(); len(got) != 2 || got[0] != "b" {
		t.Errorf("AcceptTokens = %v", got)
	}
	if _, err := fake.Dial(t.Context(), "https://nobody.ngrok.test"); err == nil || !strings.Contains(err.Error(), "ERR_NGROK_3200") {
		t.Errorf("Dial to an unbound host: err = %v, want ERR_NGROK_3200", err)
	}
	if err := fake.Close(); err != nil {
		t.Error(err)
	}
}
