package browsertest

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// dataPage is a page given as a data: URL, so the self-test needs no server.
func dataPage(html string) string {
	return "data:text/html;charset=utf-8," + url.PathEscape(html)
}

func TestLoadsADataPage(t *testing.T) {
	p := New(t, nil)
	p.Navigate(dataPage(`<!doctype html><title>t</title><body><p id=x>hello</p>
<script>document.body.dataset.ready = "1"; console.log("up")</script>`))
	p.WaitReady()
	if got := p.Text("#x"); got != "hello" {
		t.Errorf("text = %q", got)
	}
	if got := Eval[string](p, `navigator.userAgent`); !strings.Contains(got, "HeadlessChrome") {
		t.Errorf("user agent %q: not headless", got)
	}
	if n := p.Count("p"); n != 1 {
		t.Errorf("count = %d", n)
	}
	if probs := p.Problems(); len(probs) != 0 {
		t.Errorf("problems: %v", probs)
	}
}

func TestWaitTrueAndClick(t *testing.T) {
	p := New(t, nil)
	p.Navigate(dataPage(`<!doctype html><body><button id=b>go</button><input id=i><select id=s><option value=a>a<option value=b>b</select><p id=out></p>
<script>
b.onclick = () => setTimeout(() => out.textContent = "clicked " + i.value + " " + s.value, 100);
s.onchange = () => document.title = "changed";
</script>`))
	p.SetValue("#i", "typed")
	p.SetValue("#s", "b")
	p.Click("#b")
	p.WaitTrue(`document.querySelector('#out').textContent === 'clicked typed b'`, "the click's effect")
	if got := Eval[string](p, `document.title`); got != "changed" {
		t.Errorf("change event not fired: title %q", got)
	}
}

// fakeT records failures instead of failing, to test that the watch fails
// a test.
type fakeT struct {
	testing.TB
	errors []string
}

func (f *fakeT) Errorf(format string, args ...any) {
	f.errors = append(f.errors, format)
}

func TestProblemsSeesExceptionsErrorsAndCSP(t *testing.T) {
	p := New(t, nil)
	// A policy that forbids inline handlers and outside images; the
	// page's own script is allowed by its hash-free 'unsafe-inline'.
	p.Navigate(dataPage(`<!doctype html><meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; img-src 'none'">
<body><script>
console.error("boom: on purpose");
console.error("allowed noise");
document.body.innerHTML += '<img src="http://127.0.0.1:9/x.png">';
setTimeout(() => { throw new Error("uncaught on purpose") }, 0);
setTimeout(() => { document.body.dataset.ready = "1" }, 10);
</script>`))
	p.WaitReady()
	p.Allow("allowed noise")
	p.WaitTrue(`true`, "a round trip")
	p.settle()
	probs := strings.Join(p.Problems(), "\n")
	for _, want := range []string{"boom: on purpose", "uncaught on purpose", "CSP violation: img-src"} {
		if !strings.Contains(probs, want) {
			t.Errorf("problems lack %q:\n%s", want, probs)
		}
	}
	if strings.Contains(probs, "allowed noise") {
		t.Errorf("allowed message reported:\n%s", probs)
	}
	// Clear them so that the real check at the end passes.
	p.mu.Lock()
	p.messages, p.reported = nil, 0
	p.mu.Unlock()
}

func TestCheckConsoleFailsTheTest(t *testing.T) {
	p := New(t, nil)
	p.Navigate(dataPage(`<body><script>console.error("bad")</script>`))
	f := &fakeT{TB: t}
	p.t = f
	p.CheckConsole()
	p.t = t
	if len(f.errors) == 0 {
		t.Error("CheckConsole did not fail the test on a console error")
	}
	p.mu.Lock()
	p.messages, p.reported = nil, 0
	p.mu.Unlock()
}

func TestStartRemovesItsDirectory(t *testing.T) {
	path := Path(t)
	before, _ := filepath.Glob(filepath.Join(os.TempDir(), "hookctl-browser-*"))
	ctx, cancel, err := Start(t.Context(), Options{ExecPath: path})
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	cancel()
	after, _ := filepath.Glob(filepath.Join(os.TempDir(), "hookctl-browser-*"))
	if len(after) > len(before) {
		t.Errorf("left behind: %v (before: %v)", after, before)
	}
}

func TestFindHonoursTheVariable(t *testing.T) {
	t.Setenv(EnvChromium, filepath.Join(t.TempDir(), "no-such-browser"))
	if _, err := Find(); err == nil || strings.Contains(err.Error(), SkipMessage) {
		t.Errorf("Find with a wrong %s: err = %v, want a lookup error (not a skip)", EnvChromium, err)
	}
	t.Setenv(EnvChromium, "")
	t.Setenv("PATH", t.TempDir())
	if _, err := Find(); err != ErrNoChromium {
		t.Errorf("Find with nothing installed: err = %v, want ErrNoChromium", err)
	}
}

func TestCheckConsoleReportsEachProblemOnce(t *testing.T) {
	p := New(t, nil)
	p.Navigate(dataPage(`<body><script>console.error("once")</script>`))
	f := &fakeT{TB: t}
	p.t = f
	p.CheckConsole()
	p.CheckConsole()
	p.t = t
	if len(f.errors) != 1 {
		t.Errorf("%d errors reported for one console error, want 1", len(f.errors))
	}
}
