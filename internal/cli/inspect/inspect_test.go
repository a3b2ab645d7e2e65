package inspectcmd

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/cmdtest"
	"github.com/hookctl/hookctl/internal/inspect"
)

func TestFlags(t *testing.T) {
	for _, tc := range []struct{ line, addr, wantErr string }{
		{"", inspect.DefaultAddr, ""},
		{"--addr 127.0.0.1:0 --open", "127.0.0.1:0", ""},
		{"--addr :5000", ":5000", ""},
		{"--addr nope:port", "", "invalid inspector address"},
		{"--addr 127.0.0.1:99999", "", "port must be 0-65535"},
	} {
		got, ok := cmdtest.ParseFlags(t, cmdtest.New(t, false), NewCmdInspect, tc.line, tc.wantErr)
		if ok && got.Addr != tc.addr {
			t.Errorf("%q: addr %q, want %q", tc.line, got.Addr, tc.addr)
		}
	}
}

// --open hands the URL with its token to the factory's opener (never a
// real browser in tests); the page answers that URL; Ctrl-C ends the run.
func TestOpen(t *testing.T) {
	env := cmdtest.New(t, false)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var opened string
	env.Factory.OpenURL = func(u string) error {
		opened = u
		resp, err := http.Get(u) // follows the redirect; no cookie jar: 401 after it
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		cancel()
		return nil
	}
	err := inspectRun(ctx, &Options{Factory: env.Factory, Addr: "127.0.0.1:0", Open: true})
	if err != context.Canceled {
		t.Fatalf("run: %v", err)
	}
	if !strings.HasPrefix(opened, "http://127.0.0.1:") || !strings.Contains(opened, "/?token=") {
		t.Errorf("opened %q", opened)
	}
	if !strings.Contains(env.ErrOut.String(), "Inspector: "+opened) {
		t.Errorf("stderr %q", env.ErrOut)
	}
}
