package server

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Metrics is a small Prometheus text-format registry (no client library).
// The server registers its HTTP metrics; other parts of `hookctl serve`
// add theirs with NewCounterVec, NewGaugeFunc and NewHistogramVec, e.g. the
// dispatcher:
//
//	deliveries := m.NewCounterVec("hookctl_deliveries_total", "Deliveries by outcome.", "outcome")
//	deliveries.Inc("succeeded")
//	m.NewGaugeFunc("hookctl_queue_depth", "Deliveries waiting to be sent.", func() float64 { return float64(q.Len()) })
type Metrics struct {
	mu         sync.Mutex
	collectors []collector
	names      map[string]bool
}

type collector interface {
	name() string
	write(w io.Writer)
}

// NewMetrics returns an empty registry.
func NewMetrics() *Metrics { return &Metrics{names: map[string]bool{}} }

func (m *Metrics) register(c collector) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.names[c.name()] {
		panic("metrics: duplicate metric " + c.name())
	}
	m.names[c.name()] = true
	m.collectors = append(m.collectors, c)
}

// WriteText writes every metric in the Prometheus text exposition format.
func (m *Metrics) WriteText(w io.Writer) {
	m.mu.Lock()
	cs := append([]collector(nil), m.collectors...)
	m.mu.Unlock()
	for _, c := range cs {
		c.write(w)
	}
}

// ContentType is the media type of WriteText's output.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// CounterVec is a counter with labels.
type CounterVec struct {
	metricName, help string
	labels           []string
	mu               sync.Mutex
	values           map[string]float64 // key: label values joined by \xff
}

// NewCounterVec registers a counter with the given label names.
func (m *Metrics) NewCounterVec(name, help string, labels ...string) *CounterVec {
	c := &CounterVec{metricName: name, help: help, labels: labels, values: map[string]float64{}}
	m.register(c)
	return c
}

// Inc adds 1 to the series with these label values (one per label name).
func (c *CounterVec) Inc(labelValues ...string) { c.Add(1, labelValues...) }

// Add adds v (≥ 0) to the series with these label values.
func (c *CounterVec) Add(v float64, labelValues ...string) {
	if len(labelValues) != len(c.labels) {
		panic(fmt.Sprintf("metrics: %s wants %d label values, got %d", c.metricName, len(c.labels), len(labelValues)))
	}
	c.mu.Lock()
	c.values[strings.Join(labelValues, "\xff")] += v
	c.mu.Unlock()
}

func (c *CounterVec) name() string { return c.metricName }

func (c *CounterVec) write(w io.Writer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n", c.metricName, escapeHelp(c.help), c.metricName)
	for _, k := range sortedKeys(c.values) {
		fmt.Fprintf(w, "%s%s %s\n", c.metricName, labelString(c.labels, k, ""), formatFloat(c.values[k]))
	}
}

// GaugeFunc is a gauge read from a function at scrape time.
type GaugeFunc struct {
	metricName, help string
	fn               func() float64
}

// NewGaugeFunc registers a gauge whose value fn returns when scraped.
func (m *Metrics) NewGaugeFunc(name, help string, fn func() float64) *GaugeFunc {
	g := &GaugeFunc{metricName: name, help: help, fn: fn}
	m.register(g)
	return g
}

func (g *GaugeFunc) name() string { return g.metricName }

func (g *GaugeFunc) write(w io.Writer) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n%s %s\n", g.metricName, escapeHelp(g.help), g.metricName, g.metricName, formatFloat(g.fn()))
}

// DefaultBuckets are latency buckets in seconds.
var DefaultBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// HistogramVec is a histogram with labels.
type HistogramVec struct {
	metricName, help string
	labels           []string
	buckets          []float64
	mu               sync.Mutex
	series           map[string]*histogram
}

type histogram struct {
	counts []uint64 // per bucket, not cumulative
	count  uint64
	sum    float64
}

// NewHistogramVec registers a histogram with the given upper bounds (sorted).
func (m *Metrics) NewHistogramVec(name, help string, buckets []float64, labels ...string) *HistogramVec {
	h := &HistogramVec{metricName: name, help: help, labels: labels, buckets: buckets, series: map[string]*histogram{}}
	m.register(h)
	return h
}

// Observe records v in the series with these label values.
func (h *HistogramVec) Observe(v float64, labelValues ...string) {
	if len(labelValues) != len(h.labels) {
		panic(fmt.Sprintf("metrics: %s wants %d label values, got %d", h.metricName, len(h.labels), len(labelValues)))
	}
	k := strings.Join(labelValues, "\xff")
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.series[k]
	if s == nil {
		s = &histogram{counts: make([]uint64, len(h.buckets))}
		h.series[k] = s
	}
	i := sort.SearchFloat64s(h.buckets, v) // first bucket with bound ≥ v
	if i < len(h.buckets) {
		s.counts[i]++
	}
	s.count++
	s.sum += v
}

// ObserveDuration records d in seconds.
func (h *HistogramVec) ObserveDuration(d time.Duration, labelValues ...string) {
	h.Observe(d.Seconds(), labelValues...)
}

func (h *HistogramVec) name() string { return h.metricName }

func (h *HistogramVec) write(w io.Writer) {
	h.mu.Lock()
	defer h.mu.Unlock()
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s histogram\n", h.metricName, escapeHelp(h.help), h.metricName)
	keys := make([]string, 0, len(h.series))
	for k := range h.series {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s := h.series[k]
		var cum uint64
		for i, b := range h.buckets {
			cum += s.counts[i]
			fmt.Fprintf(w, "%s_bucket%s %d\n", h.metricName, labelString(h.labels, k, `le="`+formatFloat(b)+`"`), cum)
		}
		fmt.Fprintf(w, "%s_bucket%s %d\n", h.metricName, labelString(h.labels, k, `le="+Inf"`), s.count)
		fmt.Fprintf(w, "%s_sum%s %s\n", h.metricName, labelString(h.labels, k, ""), formatFloat(s.sum))
		fmt.Fprintf(w, "%s_count%s %d\n", h.metricName, labelString(h.labels, k, ""), s.count)
	}
}

func labelString(names []string, key, extra string) string {
	var parts []string
	if len(names) > 0 {
		values := strings.Split(key, "\xff")
		for i, n := range names {
			parts = append(parts, n+`="`+escapeLabel(values[i])+`"`)
		}
	}
	if extra != "" {
		parts = append(parts, extra)
	}
	if len(parts) == 0 {
		return ""
	}
	return "{" + strings.Join(parts, ",") + "}"
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func escapeLabel(s string) string { return labelEscaper.Replace(s) }

var helpEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`)

func escapeHelp(s string) string { return helpEscaper.Replace(s) }

func formatFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func sortedKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
