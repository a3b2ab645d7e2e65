package webhook

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/dispatch"
	"github.com/hookctl/hookctl/internal/loadgen"
)

// LoadSummary is what load mode (--count > 1) prints.
type LoadSummary struct {
	Sent           int            `json:"sent"`
	Succeeded      int            `json:"succeeded"`
	Failed         int            `json:"failed"`
	Cancelled      int            `json:"cancelled,omitempty"` // cut off by Ctrl-C; not in the status codes
	Requests       int            `json:"requests"`            // HTTP requests, retries included
	Concurrency    int            `json:"concurrency"`
	DurationMS     float64        `json:"duration_ms"`
	RequestsPerSec float64        `json:"requests_per_sec"`
	LatencyMS      LatencySummary `json:"latency_ms"`
	StatusCodes    map[string]int `json:"status_codes"` // final status ("0" = no response) → deliveries
	Errors         map[string]int `json:"errors,omitempty"`
	Recorded       bool           `json:"recorded"`
	Unexpected     int            `json:"unexpected,omitempty"` // deliveries not meeting --expect-status
}

// LatencySummary holds percentiles of request latency in milliseconds.
type LatencySummary struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

func loadRun(ctx context.Context, opts *SendOptions, ev dispatch.Event, targets []dispatch.Target) error {
	var batch *dispatch.BatchRecorder
	var rec dispatch.Recorder
	if !opts.Mock {
		be, err := opts.Factory.Backend()
		if err != nil {
			return err
		}
		batch = dispatch.NewBatchRecorder(be.SaveDeliveries, 500, 0)
		rec = batch
	}
	d := newDispatcher(opts, loadClient(opts), rec)
	cfg := loadgen.Config{Deliver: d.Deliver, Event: ev, Targets: targets,
		Count: opts.Count, Concurrency: opts.Concurrency, Rate: opts.Rate}
	if opts.Expect != nil {
		cfg.Expect = opts.Expect.Match
	}
	var meter *progressMeter
	if ios := opts.Factory.IOStreams; ios.IsStderrTTY() {
		meter = newProgressMeter(ios.ErrOut, time.Now, ios.Width())
		cfg.Progress = meter.Update
	}
	res, runErr := loadgen.Run(ctx, cfg)
	if meter != nil {
		meter.Clear()
	}
	var recErr error
	if batch != nil {
		recErr = batch.Close()
	}
	if runErr != nil && ctx.Err() == nil {
		return runErr // nothing could be sent
	}
	if recErr != nil {
		return fmt.Errorf("recording deliveries: %w", recErr)
	}

	s := newLoadSummary(res, !opts.Mock)
	if err := renderLoadSummary(opts, s); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if opts.Expect != nil {
		if s.Unexpected > 0 {
			return apperr.New(apperr.ErrExpectation, "expected status %s, but %d of %d deliveries ended otherwise", opts.Expect, s.Unexpected, s.Sent)
		}
		return nil
	}
	if s.Failed > 0 {
		return fmt.Errorf("%d of %d deliveries failed", s.Failed, s.Sent)
	}
	return nil
}

// loadClient is httpClient with leanhttp in front of its transport (see
// loadgen.LeanClient): plain-http POSTs of load mode only.
func loadClient(opts *SendOptions) *http.Client {
	return loadgen.LeanClient(httpClient(opts), opts.Concurrency)
}

// newLoadSummary is the printed form of what the run did: milliseconds
// rounded to the microsecond, the rate to a tenth, status codes as strings.
func newLoadSummary(r loadgen.Summary, recorded bool) *LoadSummary {
	s := &LoadSummary{
		Sent: r.Sent, Succeeded: r.Succeeded, Failed: r.Failed, Cancelled: r.Cancelled,
		Requests: r.Requests, Concurrency: r.Concurrency, DurationMS: ms(r.Duration),
		RequestsPerSec: math.Round(r.RequestsPerSec*10) / 10,
		LatencyMS:      LatencySummary{P50: ms(r.Latency.P50), P95: ms(r.Latency.P95), P99: ms(r.Latency.P99), Max: ms(r.Latency.Max)},
		StatusCodes:    make(map[string]int, len(r.StatusCodes)), Errors: r.Errors,
		Recorded: recorded, Unexpected: r.Unexpected,
	}
	for c, n := range r.StatusCodes {
		s.StatusCodes[strconv.Itoa(c)] = n
	}
	return s
}

func ms(d time.Duration) float64 { return math.Round(float64(d.Microseconds())) / 1000 }

func renderLoadSummary(opts *SendOptions, s *LoadSummary) error {
	f := opts.Factory
	if f.Globals.WantsJSON() {
		return cmdutil.PrintJSON(f.IOStreams, s, f.Globals.Query)
	}
	st := f.IOStreams.Styles()
	var b strings.Builder
	row := func(k, v string) { fmt.Fprintf(&b, "%s %s\n", st.Key.Render(fmt.Sprintf("%-10s", k)), v) }
	row("Sent", fmt.Sprintf("%d deliveries, %d requests, concurrency %d", s.Sent, s.Requests, s.Concurrency))
	row("Succeeded", strconv.Itoa(s.Succeeded))
	row("Failed", strconv.Itoa(s.Failed))
	if s.Cancelled > 0 {
		row("Cancelled", strconv.Itoa(s.Cancelled))
	}
	row("Duration", fmt.Sprintf("%.3fs", s.DurationMS/1000))
	row("Rate", fmt.Sprintf("%.1f requests/s", s.RequestsPerSec))
	row("Latency", fmt.Sprintf("p50 %.3fms  p95 %.3fms  p99 %.3fms  max %.3fms", s.LatencyMS.P50, s.LatencyMS.P95, s.LatencyMS.P99, s.LatencyMS.Max))
	codes := make([]string, 0, len(s.StatusCodes))
	for c := range s.StatusCodes {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	var parts []string
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%s×%d", c, s.StatusCodes[c]))
	}
	row("Status", strings.Join(parts, "  "))
	for e, n := range s.Errors {
		row("Error", fmt.Sprintf("%d× %s", n, e))
	}
	if !s.Recorded {
		row("Recorded", "no (--mock)")
	}
	_, err := fmt.Fprint(f.IOStreams.Out, b.String())
	return err
}

// progressEvery is the shortest time between two refreshes of the progress
// line: at most 10 a second.
const progressEvery = 100 * time.Millisecond

// progressMeter draws load mode's live progress on one line of stderr (a
// terminal): each refresh returns to the start of the line with \r and
// blanks what is left of the previous one; Clear blanks it at the end. Its
// Update is loadgen.Config.Progress: called by every worker after every
// delivery, it draws at most once per progressEvery of its clock, and a
// worker finding another one drawing goes on without waiting.
type progressMeter struct {
	w     io.Writer
	now   func() time.Time
	every time.Duration
	width int // the terminal's columns; 0: unknown

	mu    sync.Mutex
	start time.Time
	next  time.Time // no refresh before
	drawn int       // length of the line on screen; 0: none
}

func newProgressMeter(w io.Writer, now func() time.Time, width int) *progressMeter {
	return &progressMeter{w: w, now: now, every: progressEvery, width: width, start: now()}
}

// Update refreshes the line with p unless the last refresh is too recent.
func (m *progressMeter) Update(p loadgen.Progress) {
	if !m.mu.TryLock() {
		return // another worker is drawing
	}
	defer m.mu.Unlock()
	t := m.now()
	if t.Before(m.next) {
		return
	}
	m.next = t.Add(m.every)
	line := progressLine(p, t.Sub(m.start))
	if m.width > 1 && len(line) > m.width-1 {
		line = line[:m.width-1] // one line: a wrapped one cannot be redrawn with \r
	}
	pad := max(m.drawn-len(line), 0)
	fmt.Fprint(m.w, "\r"+line+strings.Repeat(" ", pad))
	m.drawn = len(line)
}

// Clear blanks the line (the summary is printed next).
func (m *progressMeter) Clear() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.drawn > 0 {
		fmt.Fprint(m.w, "\r"+strings.Repeat(" ", m.drawn)+"\r")
	}
	m.drawn = 0
	m.next = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC) // nothing more
}

// progressLine is the progress line (ASCII only, so that its length is its
// width): deliveries done of the count, their outcomes, the rate of
// deliveries since the start and the time the rest will take at that rate.
func progressLine(p loadgen.Progress, elapsed time.Duration) string {
	var b strings.Builder
	pct := 0
	if p.Count > 0 {
		pct = p.Sent * 100 / p.Count
	}
	fmt.Fprintf(&b, "Sent %d/%d (%d%%)  succeeded %d  failed %d", p.Sent, p.Count, pct, p.Succeeded, p.Failed)
	if p.Cancelled > 0 {
		fmt.Fprintf(&b, "  cancelled %d", p.Cancelled)
	}
	rate := 0.0
	if elapsed > 0 {
		rate = float64(p.Sent) / elapsed.Seconds()
	}
	eta := "-"
	if left := p.Count - p.Sent; left <= 0 {
		eta = "0s"
	} else if rate > 0 {
		eta = time.Duration(float64(left) / rate * float64(time.Second)).Round(time.Second).String()
	}
	fmt.Fprintf(&b, "  %.1f/s  ETA %s", rate, eta)
	return b.String()
}
