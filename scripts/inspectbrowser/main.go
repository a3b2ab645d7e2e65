// Command inspectbrowser drives the web inspector (hookctl webhook listen
// --inspect) in the headless Chromium of internal/browsertest, for two
// scripts:
//
//	inspectbrowser screenshots -hookctl BIN -out DIR    (scripts/screenshots.sh)
//	inspectbrowser bench -hookctl BIN [-n 20000] [-c 32] [-rounds 3] [-records 10000]
//	                                                    (scripts/bench-inspect.sh)
//
// screenshots seeds a temporary data directory through the CLI (webhook
// configs, signed and badly signed requests, deliveries that succeeded and
// failed, config instances), opens the inspector over it and writes PNGs of
// the main views.
//
// bench prints the listener's requests/s without the inspector and with it
// open in the browser (the page on the live stream), in turn in one run;
// then the time to the first render (body[data-ready]) with -records
// requests recorded, and the bytes the page transferred as Chromium saw them.
//
// Everything runs on 127.0.0.1 in temporary directories; nothing is left
// behind.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image/png"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/css"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/hookctl/hookctl/internal/browsertest"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "screenshots":
		err = screenshots(os.Args[2:])
	case "bench":
		err = bench(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "inspectbrowser:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: inspectbrowser screenshots -hookctl BIN -out DIR | bench -hookctl BIN [-n N] [-c C] [-rounds R] [-records N]")
	os.Exit(2)
}

// --- hookctl processes -------------------------------------------------------

// hk runs the hookctl binary over one data directory.
type hk struct {
	bin     string
	dataDir string
}

// run runs hookctl with args and returns its stdout; stderr goes into the
// error.
func (h hk) run(args ...string) (string, error) {
	cmd := exec.Command(h.bin, args...)
	cmd.Env = append(os.Environ(), "HOOKCTL_DATA_DIR="+h.dataDir, "NO_COLOR=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("hookctl %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out), nil
}

func (h hk) must(args ...string) string {
	out, err := h.run(args...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "inspectbrowser:", err)
		os.Exit(1)
	}
	return strings.TrimSpace(out)
}

// listener is a running `hookctl webhook listen`.
type listener struct {
	cmd       *exec.Cmd
	url       string // where webhooks go
	inspector string // the inspector's URL with its token; "" without --inspect
	done      chan struct{}
	logMu     sync.Mutex
	log       strings.Builder // stderr and the first lines of stdout
}

// inspectorURL matches the URL the inspector prints (with its token).
var inspectorURL = regexp.MustCompile(`https?://[^\s"']+[?&]token=[^\s"']+`)

// listen starts a listener on a free port of 127.0.0.1, with the inspector
// on another when inspect, and waits until both are up. stdout (one line
// per request with --format compact) is read and dropped in both cases, so
// the two cost the same.
func (h hk) listen(inspect bool, extra ...string) (*listener, error) {
	dir, err := os.MkdirTemp("", "inspectbrowser-")
	if err != nil {
		return nil, err
	}
	ready := filepath.Join(dir, "url")
	args := []string{"webhook", "listen", "--port", "0", "--ready-file", ready, "--format", "compact"}
	if inspect {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		args = append(args, fmt.Sprintf("--inspect=127.0.0.1:%d", port))
	}
	args = append(args, extra...)
	l := &listener{done: make(chan struct{})}
	l.cmd = exec.Command(h.bin, args...)
	l.cmd.Env = append(os.Environ(), "HOOKCTL_DATA_DIR="+h.dataDir, "NO_COLOR=1")
	stdout, err := l.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := l.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := l.cmd.Start(); err != nil {
		return nil, err
	}
	found := make(chan string, 2)
	var wg sync.WaitGroup
	scan := func(r io.Reader, keep int) {
		defer wg.Done()
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		n := 0
		for sc.Scan() {
			line := sc.Text()
			if n < keep {
				n++
				l.logMu.Lock()
				l.log.WriteString(line + "\n")
				l.logMu.Unlock()
				if m := inspectorURL.FindString(line); m != "" {
					found <- m
				}
			}
		}
	}
	wg.Add(2)
	go scan(stdout, 20)
	go scan(stderr, 1000)
	go func() {
		wg.Wait()
		l.cmd.Wait()
		os.RemoveAll(dir)
		close(l.done)
	}()
	deadline := time.After(20 * time.Second)
	for l.url == "" || (inspect && l.inspector == "") {
		select {
		case u := <-found:
			l.inspector = u
		case <-l.done:
			return nil, fmt.Errorf("hookctl %s exited:\n%s", strings.Join(args, " "), l.output())
		case <-deadline:
			l.stop()
			return nil, fmt.Errorf("hookctl %s: not ready after 20s:\n%s", strings.Join(args, " "), l.output())
		case <-time.After(20 * time.Millisecond):
			if b, err := os.ReadFile(ready); err == nil && len(b) > 0 {
				l.url = strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0])
			}
		}
	}
	return l, nil
}

func (l *listener) output() string {
	l.logMu.Lock()
	defer l.logMu.Unlock()
	return l.log.String()
}

// stop interrupts the listener and waits for it (killing it after 10s).
func (l *listener) stop() {
	l.cmd.Process.Signal(os.Interrupt)
	select {
	case <-l.done:
	case <-time.After(10 * time.Second):
		l.cmd.Process.Kill()
		<-l.done
	}
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// --- the browser ---------------------------------------------------------------

// readyProbe records, in every document, when body[data-ready="1"] first
// appears (performance.now(): milliseconds since the navigation started).
const readyProbe = `(function () {
  function check() {
    if (window.__readyAt === undefined && document.body && document.body.dataset.ready === '1') {
      window.__readyAt = performance.now();
    }
  }
  new MutationObserver(check).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-ready'], childList: true});
})();`

// browser is one headless Chromium with one tab.
type browser struct {
	ctx    context.Context
	cancel context.CancelFunc

	mu        sync.Mutex
	resources map[network.RequestID]*resource
	streams   int // text/event-stream responses seen
}

type resource struct {
	url, mime string
	typ       network.ResourceType
	bytes     float64
	done      bool
}

func newBrowser(width, height int) (*browser, error) {
	ctx, cancel, err := browsertest.Start(context.Background(), browsertest.Options{Width: width, Height: height, Timeout: 5 * time.Minute})
	if err != nil {
		return nil, err
	}
	b := &browser{ctx: ctx, cancel: cancel, resources: map[network.RequestID]*resource{}}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument,
		page.AddScriptToEvaluateOnNewDocumentParams{Source: readyProbe}); err != nil {
		cancel()
		return nil, err
	}
	// The browser's cache is off so that every load transfers the page.
	if _, err := chromedp.Call(ctx, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true}); err != nil {
		cancel()
		return nil, err
	}
	err = chromedp.Listen(ctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			b.resources[ev.RequestID] = &resource{url: ev.Request.URL, typ: ev.Type}
		case *network.EventResponseReceived:
			if r := b.resources[ev.RequestID]; r != nil {
				r.mime = ev.Response.MimeType
				if ev.Response.MimeType == "text/event-stream" {
					b.streams++
				}
			}
		case *network.EventLoadingFinished:
			if r := b.resources[ev.RequestID]; r != nil {
				r.bytes, r.done = ev.EncodedDataLength, true
			}
		case *network.EventLoadingFailed:
			if r := b.resources[ev.RequestID]; r != nil {
				r.done = true
			}
		}
	})
	if err != nil {
		cancel()
		return nil, err
	}
	return b, nil
}

func (b *browser) close() { b.cancel() }

// open loads url, waits for the first render and returns the page's own
// time to it (navigation start → data-ready) and the wall time around it.
func (b *browser) open(url string) (inPage, wall time.Duration, err error) {
	b.mu.Lock()
	b.resources = map[network.RequestID]*resource{}
	b.streams = 0
	b.mu.Unlock()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	t0 := time.Now()
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(browsertest.Ready))); err != nil {
		return 0, 0, fmt.Errorf("opening the inspector: %w", err)
	}
	wall = time.Since(t0)
	ms, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`window.__readyAt`))
	if err != nil {
		return 0, 0, err
	}
	return time.Duration(ms * float64(time.Millisecond)), wall, nil
}

// waitStream waits until the page has its live stream (an event-stream
// response) open.
func (b *browser) waitStream() error {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		b.mu.Lock()
		n := b.streams
		b.mu.Unlock()
		if n > 0 {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return errors.New("the page opened no event stream (text/event-stream) in 20s")
}

// weight waits until every resource the page started (but its event
// streams) has finished, and returns them.
func (b *browser) weight() ([]resource, error) {
	deadline := time.Now().Add(20 * time.Second)
	for {
		b.mu.Lock()
		pending := 0
		var out []resource
		for _, r := range b.resources {
			if r.mime == "text/event-stream" || r.typ == network.ResourceTypeEventSource {
				continue
			}
			if !r.done {
				pending++
			}
			out = append(out, *r)
		}
		b.mu.Unlock()
		if pending == 0 {
			sort.Slice(out, func(i, j int) bool { return out[i].bytes > out[j].bytes })
			return out, nil
		}
		if time.Now().After(deadline) {
			return out, fmt.Errorf("%d resources still loading after 20s", pending)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (b *browser) eval(expr string) (string, error) {
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[string](expr))
}

// waitTrue waits until the JavaScript expression is truthy.
func (b *browser) waitTrue(expr string) error {
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!(`+expr+`)`, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(0)))
	if err != nil {
		return fmt.Errorf("waiting for %s: %w", expr, err)
	}
	return nil
}

// addStyle adds CSS to the page through DevTools (its CSP does not apply).
func (b *browser) addStyle(text string) error {
	tree, err := chromedp.Call(b.ctx, page.GetFrameTree, cdp.Empty{})
	if err != nil {
		return err
	}
	sheet, err := chromedp.Call(b.ctx, css.CreateStyleSheet, css.CreateStyleSheetParams{FrameID: tree.FrameTree.Frame.ID})
	if err != nil {
		return err
	}
	_, err = chromedp.Call(b.ctx, css.SetStyleSheetText, css.SetStyleSheetTextParams{StyleSheetID: sheet.StyleSheetID, Text: text})
	return err
}

func (b *browser) click(sel string) error {
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)); err != nil {
		return fmt.Errorf("clicking %s: %w", sel, err)
	}
	return nil
}

func (b *browser) screenshot(path string) error {
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return err
	}
	// Chromium compresses for speed; the README's copies are kept small.
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, img); err != nil {
		return err
	}
	if buf.Len() > len(raw) {
		buf.Reset()
		buf.Write(raw)
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// --- bench -----------------------------------------------------------------------

// loadRun sends n events to url, c at a time, with hookctl's load mode
// (--mock: the sender records nothing) and returns requests per second.
func loadRun(bin, url string, n, c int) (float64, error) {
	dir, err := os.MkdirTemp("", "inspectbrowser-send-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	out, err := hk{bin: bin, dataDir: dir}.run("webhook", "send", "device.enrolled", "--to", url, "--secret", "s3cret",
		"--count", fmt.Sprint(n), "--concurrency", fmt.Sprint(c), "--mock", "-o", "json")
	if err != nil {
		return 0, err
	}
	var s struct {
		Sent           int     `json:"sent"`
		Succeeded      int     `json:"succeeded"`
		RequestsPerSec float64 `json:"requests_per_sec"`
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		return 0, fmt.Errorf("send's summary: %v: %s", err, out)
	}
	if s.Succeeded != n {
		return 0, fmt.Errorf("send: %d of %d succeeded", s.Succeeded, n)
	}
	return s.RequestsPerSec, nil
}

func bench(args []string) error {
	fs := flag.NewFlagSet("bench", flag.ExitOnError)
	bin := fs.String("hookctl", "hookctl", "hookctl binary")
	n := fs.Int("n", 20000, "requests per round and mode")
	c := fs.Int("c", 32, "concurrent senders")
	rounds := fs.Int("rounds", 3, "rounds (each runs every mode once, in turn)")
	records := fs.Int("records", 10000, "requests recorded before the first-render measurement")
	loads := fs.Int("loads", 3, "cold page loads for the first-render measurement")
	diag := fs.Bool("diag", false, "two more modes that change the open page, to see where its cost is: noanim (no highlight animation of new rows) and cap (at most 200 rows kept in the list)")
	fs.Parse(args)

	fmt.Printf("listener: %d requests per run, %d concurrent (hookctl webhook send --count --mock), recording on, --format compact\n", *n, *c)
	fmt.Printf("modes in turn each round: off = no --inspect; inspect = --inspect, no page; stream = --inspect, its event stream read by a\n")
	fmt.Printf("Go client (no browser); open = --inspect with the page open in headless chromium on the live stream\n")
	fmt.Printf("CPU: seconds used during the load by the listener and by chromium (all its processes); rows: request rows in the page after it\n\n")
	modes := []string{"off", "inspect", "stream", "open"}
	if *diag {
		modes = append(modes, "noanim", "cap")
	}
	rates := map[string][]float64{}
	fmt.Printf("%-6s %10s %10s %10s %10s %9s   %s\n", "round", "off req/s", "inspect", "stream", "open", "open/off", "CPU s (listener off / open, chromium), rows")
	for r := 0; r <= *rounds; r++ {
		row := map[string]result{}
		for _, mode := range modes {
			res, err := benchOne(*bin, mode, *n, *c)
			if err != nil {
				return fmt.Errorf("round %d, %s: %w", r, mode, err)
			}
			row[mode] = res
		}
		label := fmt.Sprint(r)
		if r == 0 {
			label = "warmup"
		} else {
			for m, v := range row {
				rates[m] = append(rates[m], v.rate)
				// Ratios within a round: the machine's drift between
				// rounds moves both.
				rates[m+"/off"] = append(rates[m+"/off"], v.rate/row["off"].rate)
			}
		}
		fmt.Printf("%-6s %10.0f %10.0f %10.0f %10.0f %9.2f   %.1f / %.1f, %.1f, %d rows\n", label,
			row["off"].rate, row["inspect"].rate, row["stream"].rate, row["open"].rate, row["open"].rate/row["off"].rate,
			row["off"].listenerCPU, row["open"].listenerCPU, row["open"].browserCPU, row["open"].rows)
		if *diag {
			for _, m := range []string{"noanim", "cap"} {
				fmt.Printf("  %-8s %10.0f req/s (%.2f of off), chromium %.1f CPU s, %d rows\n", m, row[m].rate, row[m].rate/row["off"].rate, row[m].browserCPU, row[m].rows)
			}
		}
	}
	fmt.Printf("%-6s %10.0f %10.0f %10.0f %10.0f %9.2f   (median of the rounds' ratios: inspect/off %.2f, stream/off %.2f)\n", "median",
		median(rates["off"]), median(rates["inspect"]), median(rates["stream"]), median(rates["open"]),
		median(rates["open/off"]), median(rates["inspect/off"]), median(rates["stream/off"]))
	if *diag {
		fmt.Printf("  median noanim/off %.2f, cap/off %.2f\n", median(rates["noanim/off"]), median(rates["cap/off"]))
	}
	fmt.Println()

	return benchRender(*bin, *records, *loads)
}

type result struct {
	rate        float64
	listenerCPU float64 // seconds
	browserCPU  float64
	rows        int
}

// benchOne starts a listener in mode, loads it and returns requests/s.
func benchOne(bin, mode string, n, c int) (result, error) {
	var res result
	dir, err := os.MkdirTemp("", "inspectbrowser-data-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	h := hk{bin: bin, dataDir: dir}
	l, err := h.listen(mode != "off")
	if err != nil {
		return res, err
	}
	defer l.stop()
	var b *browser
	browserPid := 0
	switch mode {
	case "open", "noanim", "cap":
		if b, err = newBrowser(1280, 800); err != nil {
			return res, err
		}
		defer b.close()
		if _, _, err := b.open(l.inspector); err != nil {
			return res, err
		}
		if err := b.waitStream(); err != nil {
			return res, err
		}
		browserPid = chromedp.FromContext(b.ctx).Browser.Process().Pid
		switch mode {
		case "noanim":
			if err := b.addStyle(`.list tr.fresh{animation:none!important}`); err != nil {
				return res, err
			}
		case "cap":
			if _, err := b.eval(`(function(){const tb = document.querySelector('[data-testid=request-list]');
new MutationObserver(() => { while (tb.children.length > 200) tb.lastElementChild.remove(); }).observe(tb, {childList: true}); return ''})()`); err != nil {
				return res, err
			}
		}
	case "stream":
		stop, err := readStream(l.inspector)
		if err != nil {
			return res, err
		}
		defer stop()
	}
	l0, b0 := cpuSeconds(l.cmd.Process.Pid, false), cpuSeconds(browserPid, true)
	res.rate, err = loadRun(bin, l.url, n, c)
	if err != nil {
		return res, err
	}
	res.listenerCPU = cpuSeconds(l.cmd.Process.Pid, false) - l0
	if b != nil {
		// The page saw the load: its list has rows.
		if err := b.waitTrue(`document.querySelectorAll('[data-testid=request-row]').length > 0`); err != nil {
			return res, fmt.Errorf("the open page shows no request after the load: %w", err)
		}
		res.browserCPU = cpuSeconds(browserPid, true) - b0
		rows, err := b.eval(`String(document.querySelectorAll('[data-testid=request-row]').length)`)
		if err != nil {
			return res, err
		}
		fmt.Sscan(rows, &res.rows)
	}
	return res, nil
}

// readStream reads the inspector's event stream (as the page does, with
// the token header instead of the cookie) until stop, once it said ready.
func readStream(inspector string) (stop func(), err error) {
	i := strings.Index(inspector, "?token=")
	if i < 0 {
		return nil, fmt.Errorf("no token in %s", inspector)
	}
	base, token := strings.TrimSuffix(inspector[:i], "/"), inspector[i+len("?token="):]
	if t, err := url.QueryUnescape(token); err == nil {
		token = t
	}
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/events", nil)
	if err != nil {
		cancel()
		return nil, err
	}
	req.Header.Set("X-Hookctl-Token", token)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		cancel()
		resp.Body.Close()
		return nil, fmt.Errorf("GET /api/events: %s", resp.Status)
	}
	ready := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 16<<20)
		once := sync.Once{}
		for sc.Scan() {
			if sc.Text() == "event: ready" {
				once.Do(func() { close(ready) })
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		cancel()
		return nil, errors.New("the event stream said nothing in 10s")
	}
	return func() { cancel(); resp.Body.Close(); <-done }, nil
}

// cpuSeconds is the user+system CPU time of pid (and, with tree, of its
// live descendants and the children they waited for), from /proc.
func cpuSeconds(pid int, tree bool) float64 {
	if pid <= 0 {
		return 0
	}
	type proc struct{ ppid, ticks int }
	procs := map[int]proc{}
	read := func(p int) (proc, bool) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p))
		if err != nil {
			return proc{}, false
		}
		s := string(b)
		// Fields after the command name, which is in parentheses.
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
		if len(f) < 15 {
			return proc{}, false
		}
		var v [5]int
		for i, idx := range []int{1, 11, 12, 13, 14} { // ppid utime stime cutime cstime
			fmt.Sscan(f[idx], &v[i])
		}
		return proc{ppid: v[0], ticks: v[1] + v[2] + v[3] + v[4]}, true
	}
	if !tree {
		p, _ := read(pid)
		return float64(p.ticks) / 100
	}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		var p int
		if _, err := fmt.Sscan(e.Name(), &p); err == nil {
			if pr, ok := read(p); ok {
				procs[p] = pr
			}
		}
	}
	var total int
	for p, pr := range procs {
		for q := p; q > 1; q = procs[q].ppid {
			if q == pid {
				total += pr.ticks
				break
			}
			if _, ok := procs[q]; !ok {
				break
			}
		}
	}
	return float64(total) / 100
}

func benchRender(bin string, records, loads int) error {
	dir, err := os.MkdirTemp("", "inspectbrowser-data-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	h := hk{bin: bin, dataDir: dir}
	l, err := h.listen(true)
	if err != nil {
		return err
	}
	defer l.stop()

	// The page weight of an empty history first.
	empty, err := pageWeight(l.inspector)
	if err != nil {
		return err
	}
	if _, err := loadRun(bin, l.url, records, 32); err != nil {
		return err
	}
	var inPage, wall []float64
	var full []resource
	for i := 0; i < loads; i++ {
		b, err := newBrowser(1280, 800)
		if err != nil {
			return err
		}
		ip, w, err := b.open(l.inspector)
		if err == nil {
			err = b.waitTrue(`document.querySelectorAll('[data-testid=request-row]').length > 0`)
		}
		if err == nil && i == 0 {
			full, err = b.weight()
		}
		b.close()
		if err != nil {
			return err
		}
		inPage = append(inPage, float64(ip.Milliseconds()))
		wall = append(wall, float64(w.Milliseconds()))
	}
	fmt.Printf("time to first render (body[data-ready]) with %d requests recorded, %d cold loads (new browser, cache off):\n", records, loads)
	fmt.Printf("  median %.0f ms from navigation start (page's clock); %.0f ms wall (navigate → ready seen by chromedp); all: %v ms\n\n", median(inPage), median(wall), inPage)
	printWeight("page weight, empty history", empty)
	printWeight(fmt.Sprintf("page weight, %d requests recorded (first render)", records), full)
	return nil
}

func pageWeight(url string) ([]resource, error) {
	b, err := newBrowser(1280, 800)
	if err != nil {
		return nil, err
	}
	defer b.close()
	if _, _, err := b.open(url); err != nil {
		return nil, err
	}
	return b.weight()
}

func printWeight(title string, rs []resource) {
	var total float64
	byKind := map[string]float64{}
	for _, r := range rs {
		total += r.bytes
		byKind[kind(r)] += r.bytes
	}
	fmt.Printf("%s: %d resources, %.1f KB transferred (event stream excluded)\n", title, len(rs), total/1000)
	var kinds []string
	for k := range byKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		fmt.Printf("  %-10s %8.1f KB\n", k, byKind[k]/1000)
	}
	for _, r := range rs {
		u := r.url
		if i := strings.Index(u, "?"); i >= 0 {
			u = u[:i]
		}
		fmt.Printf("    %8.1f KB  %-10s %s\n", r.bytes/1000, kind(r), u)
	}
	fmt.Println()
}

func kind(r resource) string {
	switch {
	case r.typ == network.ResourceTypeDocument:
		return "html"
	case r.typ == network.ResourceTypeScript:
		return "script"
	case r.typ == network.ResourceTypeStylesheet:
		return "css"
	case r.typ == network.ResourceTypeXHR || r.typ == network.ResourceTypeFetch:
		return "api"
	default:
		return strings.ToLower(string(r.typ))
	}
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// --- screenshots -----------------------------------------------------------------

func screenshots(args []string) error {
	fs := flag.NewFlagSet("screenshots", flag.ExitOnError)
	bin := fs.String("hookctl", "hookctl", "hookctl binary")
	out := fs.String("out", "docs/screenshots", "directory of the PNGs")
	fs.Parse(args)
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "inspectbrowser-data-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	h := hk{bin: *bin, dataDir: dir}

	// A receiver for the deliveries: 200 on /hooks, 500 on /broken.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		if strings.HasPrefix(r.URL.Path, "/broken") {
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte(`{"error":"database is locked"}`))
			return
		}
		w.Write([]byte(`{"message":"ok"}`))
	})}
	go srv.Serve(ln)
	defer srv.Close()
	recv := "http://" + ln.Addr().String()

	// Webhook configs.
	devices := h.must("webhook-config", "create", "--url", recv+"/hooks/devices", "--event", "device.*",
		"--scheme", "standard", "--description", "Device lifecycle", "-q", "id")
	secret := h.must("webhook-config", "get", devices, "--show-secret", "-q", "secret")
	orders := h.must("webhook-config", "create", "--url", recv+"/broken/orders", "--event", "orders/*",
		"--scheme", "shopify", "--description", "Shop orders (failing receiver)", "-q", "id")
	h.must("webhook-config", "create", "--url", recv+"/hooks/github", "--event", "push", "--event", "ping",
		"--scheme", "github", "--description", "CI on push", "-q", "id")

	// Deliveries (succeeded, and failed with retries).
	for _, ev := range []string{"device.enrolled", "device.locked", "device.unlocked", "device.reboot"} {
		h.must("webhook", "send", ev, "--config", devices, "-q", "id")
	}
	h.run("webhook", "send", "orders/create", "--config", orders, "--retries", "1", "--retry-delay", "10ms", "-q", "id")

	// Config instances: two waiting for review, one approved.
	for i, content := range []string{
		`{"max_speed": 2.5, "zones": ["warehouse", "dock"], "lidar": {"enabled": true, "range_m": 30}}`,
		`{"max_speed": 9, "zones": [], "lidar": {"enabled": false}}`,
		`{"max_speed": 1.5, "zones": ["lab"], "lidar": {"enabled": true, "range_m": 12}}`,
	} {
		f := filepath.Join(dir, fmt.Sprintf("ci%d.json", i))
		if err := os.WriteFile(f, []byte(content), 0o644); err != nil {
			return err
		}
		id := h.must("config-instance", "create", "--config-type", "cfg_type_motion", "--device", fmt.Sprintf("dvc_robot_%02d", i+1), "--file", f, "-q", "id")
		if i == 2 {
			h.must("config-instance", "approve", id, "--message", "Tested on the lab robot")
		}
	}

	// The listener with the inspector, verifying with the devices config.
	l, err := h.listen(true, "--config", devices, "--forward-to", recv+"/hooks/app")
	if err != nil {
		return err
	}
	defer l.stop()
	send := func(ev, sec string, extra ...string) error {
		a := append([]string{"webhook", "send", ev, "--to", strings.TrimSuffix(l.url, "/") + "/webhooks/devices", "--scheme", "standard", "--secret", sec, "--mock", "-q", "id"}, extra...)
		_, err := h.run(a...)
		return err
	}
	for _, ev := range []string{"device.enrolled", "device.locked", "user.signed_in", "device.reboot", "device.sim_swap"} {
		if err := send(ev, secret); err != nil {
			return err
		}
	}
	// One with a wrong secret: ✗ and its diagnosis.
	if err := send("device.unlocked", "whsec_"+strings.Repeat("A", 32)); err != nil {
		return err
	}
	if err := send("device.enrolled", secret, "--platform", "ios"); err != nil {
		return err
	}

	b, err := newBrowser(1280, 800)
	if err != nil {
		return err
	}
	defer b.close()
	if err := chromedp.Do(b.ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		return err
	}
	if _, _, err := b.open(l.inspector); err != nil {
		return err
	}
	shot := func(name string) error {
		p := filepath.Join(*out, name)
		if err := b.screenshot(p); err != nil {
			return err
		}
		fmt.Println(p)
		return nil
	}
	// Requests: the list, with the badly signed request's detail open.
	if err := b.waitTrue(`document.querySelectorAll('[data-testid=request-row]').length >= 7`); err != nil {
		return err
	}
	bad := `[...document.querySelectorAll('[data-testid=request-row]')].find(r => (r.querySelector('[data-testid=verify-badge]')||{}).textContent?.includes('✗'))`
	if _, err := b.eval(`(function(){const r = ` + bad + `; if (!r) throw new Error('no ✗ row'); r.setAttribute('data-shot','1'); return ''})()`); err != nil {
		return err
	}
	if err := b.click(`[data-testid=request-row][data-shot="1"]`); err != nil {
		return err
	}
	if err := b.waitTrue(`(document.querySelector('[data-testid=verify-reason]')||{}).textContent`); err != nil {
		return err
	}
	if err := shot("requests.png"); err != nil {
		return err
	}
	// Deliveries.
	if err := b.click(`[data-testid=tab-deliveries]`); err != nil {
		return err
	}
	if err := b.waitTrue(`document.querySelectorAll('[data-testid=delivery-row]').length >= 5`); err != nil {
		return err
	}
	// The failed one's payload and attempts.
	if _, err := b.eval(`(function(){const r = [...document.querySelectorAll('[data-testid=delivery-row]')].find(r => r.textContent.includes('500')); if (!r) throw new Error('no failed delivery'); r.click(); return ''})()`); err != nil {
		return err
	}
	if err := b.waitTrue(`(document.querySelector('[data-testid=delivery-payload]')||{}).textContent && document.querySelectorAll('[data-testid=attempt]').length >= 2`); err != nil {
		return err
	}
	if err := shot("deliveries.png"); err != nil {
		return err
	}
	// Config instances, the first one under review.
	if err := b.click(`[data-testid=tab-instances]`); err != nil {
		return err
	}
	if err := b.waitTrue(`document.querySelectorAll('[data-testid=instance-row]').length >= 3`); err != nil {
		return err
	}
	// The one with max_speed 9, being rejected with two parameter errors.
	if _, err := b.eval(`(function(){const r = [...document.querySelectorAll('[data-testid=instance-row]')].find(r => r.textContent.includes('dvc_robot_02')); if (!r) throw new Error('no instance of dvc_robot_02'); r.click(); return ''})()`); err != nil {
		return err
	}
	if err := b.waitTrue(`(function(){const d = document.querySelector('[data-testid=instance-detail]'); const a = document.querySelector('[data-testid=approve]'); return d && !d.hidden && d.dataset.status === 'validating' && a && a.offsetParent !== null})()`); err != nil {
		return err
	}
	for i := 0; i < 2; i++ {
		if err := b.click(`[data-testid=add-param-error]`); err != nil {
			return err
		}
	}
	if _, err := b.eval(`(function(){
function set(e, v) { e.value = v; e.dispatchEvent(new Event('input', {bubbles: true})); }
set(document.querySelector('[data-testid=instance-message]'), 'Too fast for the warehouse, and no lidar');
const rows = document.querySelectorAll('[data-testid=param-error-row]');
set(rows[0].querySelector('[data-testid=param-path]'), 'max_speed'); set(rows[0].querySelector('[data-testid=param-message]'), 'must be at most 3 m/s');
set(rows[1].querySelector('[data-testid=param-path]'), 'lidar.enabled'); set(rows[1].querySelector('[data-testid=param-message]'), 'must be true in shared zones');
document.activeElement && document.activeElement.blur(); return ''})()`); err != nil {
		return err
	}
	if err := shot("instances.png"); err != nil {
		return err
	}
	// Webhook configs.
	if err := b.click(`[data-testid=tab-configs]`); err != nil {
		return err
	}
	if err := b.waitTrue(`document.querySelectorAll('[data-testid=config-row]').length >= 3`); err != nil {
		return err
	}
	// A test event sent to the first one.
	if err := b.click(`[data-testid=config-row] [data-testid=send-test]`); err != nil {
		return err
	}
	if err := b.waitTrue(`/✓|✗/.test((document.querySelector('[data-testid=config-row] [data-testid=config-row-result]')||{}).textContent||'')`); err != nil {
		return err
	}
	return shot("configs.png")
}
