package webhook

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
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
	res, runErr := loadgen.Run(ctx, cfg)
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
