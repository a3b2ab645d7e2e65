package webhook

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/cmdtest"
	"github.com/hookctl/hookctl/internal/tunnel"
)

func TestTunnelStatusLines(t *testing.T) {
	env := cmdtest.New(t, false)
	r := newListenRenderer(&ListenOptions{Factory: env.Factory, Format: listenJSON}, func() {})
	u := mustURL(t, "https://abc.ngrok.test")
	r.tunnelStatus(tunnel.Status{State: tunnel.StateConnected, URL: u})
	r.tunnelStatus(tunnel.Status{State: tunnel.StateReconnecting, Err: errors.New("session closed")})
	for _, want := range []string{"Tunnel online: https://abc.ngrok.test", "Tunnel lost (session closed): reconnecting"} {
		if !strings.Contains(env.ErrOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, env.ErrOut)
		}
	}
	for _, want := range []string{`{"type":"tunnel","state":"connected","url":"https://abc.ngrok.test"`, `"state":"reconnecting","error":"session closed"`} {
		if !strings.Contains(env.Out.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, env.Out)
		}
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
