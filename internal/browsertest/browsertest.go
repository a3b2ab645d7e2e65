// Package browsertest gives tests a real headless Chromium driven with
// chromedp: it finds the browser (HOOKCTL_TEST_CHROMIUM, else chromium,
// chromium-browser or google-chrome on PATH) and skips through package
// skiplog when there is none, so that CI (.ci/run) fails on the skip. Each
// page gets a browser of its own with a fresh user-data directory under the
// test's temporary directory, a deadline, and a watch on the console: an
// uncaught exception, a console error or a Content-Security-Policy violation
// fails the test.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/hookctl/hookctl/internal/skiplog"
	"github.com/hookctl/hookctl/internal/syncbuf"
)

// EnvChromium names the browser to use: a path, or a name looked up on PATH.
const EnvChromium = "HOOKCTL_TEST_CHROMIUM"

// SkipMessage is the message of a test that skipped for want of a browser.
const SkipMessage = "no chromium: set " + EnvChromium + " or apt-get install chromium"

// Names are the executables looked up on PATH when EnvChromium is unset.
var Names = []string{"chromium", "chromium-browser", "google-chrome"}

// DefaultTimeout bounds a page's whole life (browser start included) unless
// Options.Timeout says otherwise.
const DefaultTimeout = 60 * time.Second

// ErrNoChromium is returned by Find when no browser is installed.
var ErrNoChromium = errors.New(SkipMessage)

// Find returns the path of the browser: EnvChromium when set (an error when
// it names nothing executable), else the first of Names on PATH, else
// ErrNoChromium.
func Find() (string, error) {
	if v := os.Getenv(EnvChromium); v != "" {
		p, err := exec.LookPath(v)
		if err != nil {
			return "", fmt.Errorf("%s=%s: %w", EnvChromium, v, err)
		}
		return p, nil
	}
	for _, name := range Names {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoChromium
}

// Path returns the browser's path, skips t (recorded in the skip log) when
// none is installed, and fails t when EnvChromium names nothing executable.
func Path(t testing.TB) string {
	t.Helper()
	p, err := Find()
	if errors.Is(err, ErrNoChromium) {
		skiplog.Skip(t, SkipMessage)
	}
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Options configure a browser.
type Options struct {
	// ExecPath is the browser; empty means Find.
	ExecPath string
	// Dir holds the profile (Dir/profile) and the browser's HOME
	// (Dir/home); it must be fresh. Empty means a new temporary directory,
	// removed when the browser ends. The browser never sees the user's
	// home directory.
	Dir string
	// Width and Height of the window; 1280x800 when zero.
	Width, Height int
	// Timeout bounds the browser's life; DefaultTimeout when zero, none
	// when negative.
	Timeout time.Duration
	// Output receives the browser's stdout and stderr; it must be safe
	// for concurrent use.
	Output io.Writer
}

// Start starts a headless browser and opens a tab; the returned context runs
// chromedp actions in that tab, and cancel ends the browser. It is the part
// of the package that programs (scripts/) share with tests. The sandbox is
// turned off when running as root, where Chromium refuses to start with it.
func Start(parent context.Context, o Options) (context.Context, context.CancelFunc, error) {
	if o.ExecPath == "" {
		p, err := Find()
		if err != nil {
			return nil, nil, err
		}
		o.ExecPath = p
	}
	if o.Width == 0 {
		o.Width, o.Height = 1280, 800
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(o.ExecPath),
		chromedp.WindowSize(o.Width, o.Height),
		chromedp.Flag("disable-gpu", true),
		// No traffic of the browser's own (component updates, domain
		// reliability reports, pings) and no proxy: tests reach only
		// their own servers on 127.0.0.1.
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("no-proxy-server", true),
	)
	dir, removeDir := o.Dir, func() {}
	if dir == "" {
		d, err := os.MkdirTemp("", "hookctl-browser-")
		if err != nil {
			return nil, nil, err
		}
		dir, removeDir = d, func() { removeAll(d) }
	}
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		removeDir()
		return nil, nil, err
	}
	opts = append(opts,
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
		chromedp.Env("HOME="+home, "XDG_CONFIG_HOME="+home+"/.config", "XDG_CACHE_HOME="+home+"/.cache", "XDG_DATA_HOME="+home+"/.local/share"),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	if o.Output != nil {
		opts = append(opts, chromedp.CombinedOutput(o.Output))
	}
	ctx, cancelTimeout := parent, context.CancelFunc(func() {})
	if o.Timeout > 0 {
		ctx, cancelTimeout = context.WithTimeout(parent, o.Timeout)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)
	var once sync.Once
	cancel := func() {
		once.Do(func() {
			cancelTab()
			cancelAlloc() // waits until the browser process is gone
			cancelTimeout()
			removeDir()
		})
	}
	if err := chromedp.Do(tabCtx); err != nil { // starts the browser
		cancel()
		return nil, nil, fmt.Errorf("starting %s: %w", o.ExecPath, err)
	}
	return tabCtx, cancel, nil
}

// cspReporter makes every Content-Security-Policy violation a console
// error, which the page's watch then reports. It runs before the page's own
// scripts in every document, injected by the DevTools protocol (so the
// page's policy does not apply to it).
const cspReporter = `document.addEventListener('securitypolicyviolation', function (e) {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || '(inline)') +
    ' at ' + e.sourceFile + ':' + e.lineNumber + ' ' + (e.sample || ''));
}, true);`

// Page is one tab of a browser of its own, watched for console errors.
type Page struct {
	// Ctx runs chromedp actions in the tab. It ends at the page's deadline
	// and when the test ends.
	Ctx context.Context

	t      testing.TB
	output syncbuf.Buffer

	mu       sync.Mutex
	messages []chromedp.ConsoleMessage
	reported int // messages[:reported] were checked by CheckConsole
	allowed  []string
}

// New starts a browser for t (skipping when there is none) with a tab
// watched for errors: when t ends, every uncaught exception, console error
// and CSP violation the page produced fails it (see Allow). opts may be nil.
func New(t testing.TB, opts *Options) *Page {
	t.Helper()
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.ExecPath == "" {
		o.ExecPath = Path(t)
	}
	p := &Page{t: t}
	o.Output = &p.output
	ctx, cancel, err := Start(context.Background(), o)
	if err != nil {
		t.Fatalf("browsertest: %v\n%s", err, p.output.String())
	}
	t.Cleanup(func() {
		cancel()
		if t.Failed() && p.output.Len() > 0 {
			t.Logf("browser output:\n%s", lastLines(p.output.String(), 40))
		}
	})
	p.Ctx = ctx

	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument,
		page.AddScriptToEvaluateOnNewDocumentParams{Source: cspReporter}); err != nil {
		t.Fatalf("browsertest: injecting the CSP reporter: %v", err)
	}
	messages := chromedp.Console(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			p.mu.Lock()
			p.messages = append(p.messages, m)
			p.mu.Unlock()
		}
	}()
	// Registered after the cancel above, so it runs first, while the
	// browser is still there.
	t.Cleanup(func() {
		p.CheckConsole()
		cancel()
		<-done
	})
	return p
}

// Allow makes console errors whose text contains substr acceptable (for a
// test that provokes one on purpose). Exceptions and CSP violations are
// never acceptable.
func (p *Page) Allow(substr string) {
	p.mu.Lock()
	p.allowed = append(p.allowed, substr)
	p.mu.Unlock()
}

// Messages returns what the page wrote to the console so far.
func (p *Page) Messages() []chromedp.ConsoleMessage {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]chromedp.ConsoleMessage(nil), p.messages...)
}

// Problems returns the console messages that fail a test: uncaught
// exceptions, CSP violations, and errors not allowed by Allow.
func (p *Page) Problems() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.problems(0)
}

func (p *Page) problems(from int) []string {
	var out []string
	for _, m := range p.messages[from:] {
		if !bad(m, p.allowed) {
			continue
		}
		where := ""
		if m.URL != "" {
			where = fmt.Sprintf(" (%s:%d)", m.URL, m.Line+1)
		}
		out = append(out, m.String()+where)
	}
	return out
}

func bad(m chromedp.ConsoleMessage, allowed []string) bool {
	if m.IsException() || isCSP(m) {
		return true
	}
	if m.Type != chromedp.ConsoleError {
		return false
	}
	for _, a := range allowed {
		if strings.Contains(m.Text, a) {
			return false
		}
	}
	return true
}

func isCSP(m chromedp.ConsoleMessage) bool {
	return strings.Contains(m.Text, "CSP violation") || strings.Contains(m.Text, "Content Security Policy")
}

// CheckConsole fails the test with every problem (see Problems) seen since
// the last call. New calls it when the test ends; a test may call it
// earlier.
func (p *Page) CheckConsole() {
	p.t.Helper()
	// Flush: a round trip through the page makes sure the messages sent
	// before it have been delivered to the watch.
	if p.Ctx.Err() == nil {
		ctx, cancel := context.WithTimeout(p.Ctx, 5*time.Second)
		_, _ = chromedp.Run(ctx, chromedp.Evaluate[int](`1`))
		cancel()
		p.settle()
	}
	p.mu.Lock()
	probs := p.problems(p.reported)
	p.reported = len(p.messages)
	p.mu.Unlock()
	for _, pr := range probs {
		p.t.Errorf("browser console: %s", pr)
	}
}

// settle waits until the console watch has taken every message it was sent
// before now: a marker logged by the page comes back through it.
func (p *Page) settle() {
	marker := fmt.Sprintf("browsertest-settle-%d", time.Now().UnixNano())
	ctx, cancel := context.WithTimeout(p.Ctx, 5*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`console.debug(`+quote(marker)+`)`)); err != nil {
		return
	}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		p.mu.Lock()
		for i := len(p.messages) - 1; i >= 0; i-- {
			if p.messages[i].Text == marker {
				p.messages = append(p.messages[:i], p.messages[i+1:]...)
				p.reported = min(p.reported, len(p.messages))
				p.mu.Unlock()
				return
			}
		}
		p.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Do runs actions in the tab and fails the test on error.
func (p *Page) Do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.Ctx, actions...); err != nil {
		p.t.Fatalf("browser: %v%s", err, p.consoleSuffix())
	}
}

// Navigate loads url and waits for the load event.
func (p *Page) Navigate(url string) {
	p.t.Helper()
	p.Do(chromedp.Navigate(url))
}

// Ready is the selector of a page that finished its first render.
const Ready = `body[data-ready="1"]`

// WaitReady waits for body[data-ready="1"].
func (p *Page) WaitReady() {
	p.t.Helper()
	p.WaitVisible(Ready)
}

// WaitVisible waits until an element matching the CSS selector is visible.
func (p *Page) WaitVisible(sel string) {
	p.t.Helper()
	if err := chromedp.Do(p.Ctx, chromedp.WaitVisible(chromedp.CSS(sel))); err != nil {
		p.t.Fatalf("browser: waiting for %s: %v%s", sel, err, p.consoleSuffix())
	}
}

// WaitPresent waits until an element matches the CSS selector.
func (p *Page) WaitPresent(sel string) {
	p.t.Helper()
	if err := chromedp.Do(p.Ctx, chromedp.WaitReady(chromedp.CSS(sel))); err != nil {
		p.t.Fatalf("browser: waiting for %s: %v%s", sel, err, p.consoleSuffix())
	}
}

// WaitTrue waits until the JavaScript expression is truthy, evaluating it
// every 50ms until the page's deadline; what describes it in the failure
// message.
func (p *Page) WaitTrue(expr, what string) {
	p.t.Helper()
	_, err := chromedp.Run(p.Ctx, chromedp.Poll[bool](`!!(`+expr+`)`,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(0)))
	if err != nil {
		p.t.Fatalf("browser: waiting for %s (%s): %v%s", what, expr, err, p.consoleSuffix())
	}
}

// Eval evaluates a JavaScript expression and returns its value as T.
func Eval[T any](p *Page, expr string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.Ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		p.t.Fatalf("browser: %s: %v%s", expr, err, p.consoleSuffix())
	}
	return v
}

// Text returns the text content of the first element matching sel (which
// must exist).
func (p *Page) Text(sel string) string {
	p.t.Helper()
	return Eval[string](p, `(function(){const e=document.querySelector(`+quote(sel)+`);if(!e)throw new Error('no element '+`+quote(sel)+`);return e.textContent})()`)
}

// Attr returns an attribute of the first element matching sel ("" when
// absent; the element must exist).
func (p *Page) Attr(sel, name string) string {
	p.t.Helper()
	return Eval[string](p, `(function(){const e=document.querySelector(`+quote(sel)+`);if(!e)throw new Error('no element '+`+quote(sel)+`);return e.getAttribute(`+quote(name)+`)||''})()`)
}

// Count returns how many elements match sel.
func (p *Page) Count(sel string) int {
	p.t.Helper()
	return Eval[int](p, `document.querySelectorAll(`+quote(sel)+`).length`)
}

// Click clicks the first visible element matching sel with the mouse. When
// the page replaces the element between the query and the click (a list
// re-rendered by a live update), it queries again.
func (p *Page) Click(sel string) {
	p.t.Helper()
	for {
		err := chromedp.Do(p.Ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
		if err == nil {
			return
		}
		if !isStaleNode(err) || p.Ctx.Err() != nil {
			p.t.Fatalf("browser: clicking %s: %v%s", sel, err, p.consoleSuffix())
		}
	}
}

// isStaleNode reports whether err says that a node found by a query left
// the document before the action on it.
func isStaleNode(err error) bool {
	m := err.Error()
	return strings.Contains(m, "Could not find node") || strings.Contains(m, "No node with given id") ||
		strings.Contains(m, "Node is detached") || strings.Contains(m, "Cannot find context with specified id")
}

// SetValue sets the value of a form field (input, textarea, select) as a
// user would, firing input and change events.
func (p *Page) SetValue(sel, value string) {
	p.t.Helper()
	Eval[bool](p, `(function(){const e=document.querySelector(`+quote(sel)+`);if(!e)throw new Error('no element '+`+quote(sel)+`);
e.focus();e.value=`+quote(value)+`;e.dispatchEvent(new Event('input',{bubbles:true}));e.dispatchEvent(new Event('change',{bubbles:true}));return true})()`)
}

func (p *Page) consoleSuffix() string {
	ms := p.Messages()
	if len(ms) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\nbrowser console:")
	for _, m := range ms {
		b.WriteString("\n  " + m.String())
	}
	return b.String()
}

// quote makes s a JavaScript string literal.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x2028 || r == 0x2029 || r == '<' || r == '>':
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// Quote makes s a JavaScript string literal (for expressions given to
// WaitTrue and Eval).
func Quote(s string) string { return quote(s) }

// removeAll removes dir, retrying for a few seconds: the browser's helper
// processes (crashpad) can still write there just after it exits.
func removeAll(dir string) {
	for i := 0; i < 100; i++ {
		if err := os.RemoveAll(dir); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// lastLines returns the last n lines of s, without Chromium's complaints
// about the missing D-Bus (noise on every headless start).
func lastLines(s string, n int) string {
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		if !strings.Contains(l, "dbus") {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
