package webhook

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/loadgen"
)

func TestProgressLine(t *testing.T) {
	tests := []struct {
		name    string
		p       loadgen.Progress
		elapsed time.Duration
		want    string
	}{
		{"under way", loadgen.Progress{Count: 20000, Sent: 5000, Succeeded: 4990, Failed: 10}, 2 * time.Second,
			"Sent 5000/20000 (25%)  succeeded 4990  failed 10  2500.0/s  ETA 6s"},
		{"nothing yet", loadgen.Progress{Count: 10}, 0,
			"Sent 0/10 (0%)  succeeded 0  failed 0  0.0/s  ETA -"},
		{"cancelled shown when there are some", loadgen.Progress{Count: 100, Sent: 40, Succeeded: 30, Failed: 2, Cancelled: 8}, 4 * time.Second,
			"Sent 40/100 (40%)  succeeded 30  failed 2  cancelled 8  10.0/s  ETA 6s"},
		{"done", loadgen.Progress{Count: 3, Sent: 3, Succeeded: 3}, time.Second,
			"Sent 3/3 (100%)  succeeded 3  failed 0  3.0/s  ETA 0s"},
		{"minutes", loadgen.Progress{Count: 10000, Sent: 100, Succeeded: 100}, 10 * time.Second,
			"Sent 100/10000 (1%)  succeeded 100  failed 0  10.0/s  ETA 16m30s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := progressLine(tt.p, tt.elapsed); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// fakeClock advances by step every time it is read.
type fakeClock struct {
	t    time.Time
	step time.Duration
}

func (c *fakeClock) now() time.Time { c.t = c.t.Add(c.step); return c.t }

// TestProgressMeterThrottle: M updates over a second of the fake clock
// draw at most 11 times (the first at once, then one per 100 ms), each
// drawing returns to the start of the line and blanks what the previous,
// longer one left, and Clear blanks the line.
func TestProgressMeterThrottle(t *testing.T) {
	for _, updates := range []int{5, 100, 10000} {
		var buf bytes.Buffer
		clock := &fakeClock{t: time.Unix(0, 0), step: time.Second / time.Duration(updates)}
		m := newProgressMeter(&buf, clock.now, 0)
		for i := range updates {
			m.Update(loadgen.Progress{Count: updates, Sent: i + 1, Succeeded: i + 1})
		}
		draws := strings.Count(buf.String(), "\r")
		if limit := min(updates, 11); draws < min(updates, 10) || draws > limit {
			t.Errorf("%d updates in 1s: %d refreshes, want at most %d (and about that many)", updates, draws, limit)
		}
		buf.Reset()
		m.Update(loadgen.Progress{Count: 1}) // after a second: drawn
		if !strings.HasPrefix(buf.String(), "\rSent 0/1 ") || !strings.HasSuffix(buf.String(), "ETA -"+strings.Repeat(" ", len(buf.String())-len("\rSent 0/1 (0%)  succeeded 0  failed 0  0.0/s  ETA -"))) {
			t.Errorf("a shorter line does not blank the longer one: %q", buf.String())
		}
		buf.Reset()
		m.Clear()
		m.Update(loadgen.Progress{Count: 1})
		if got := buf.String(); got != "\r"+strings.Repeat(" ", len("Sent 0/1 (0%)  succeeded 0  failed 0  0.0/s  ETA -"))+"\r" {
			t.Errorf("clear wrote %q", got)
		}
	}
}

func TestProgressMeterFitsTheTerminal(t *testing.T) {
	var buf bytes.Buffer
	m := newProgressMeter(&buf, (&fakeClock{step: time.Second}).now, 20)
	m.Update(loadgen.Progress{Count: 100000, Sent: 1})
	if got := buf.String(); got != "\rSent 1/100000 (0%) " {
		t.Errorf("got %q", got)
	}
}

// TestLoadProgressOnlyOnATerminal: webhook send --count draws progress on
// stderr when it is a terminal (cleared before the summary), and writes
// nothing there when piped.
func TestLoadProgressOnlyOnATerminal(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	for _, tty := range []bool{false, true} {
		env, _ := sendEnv(t)
		env.Factory.IOStreams.SetTTY(tty)
		o := baseOpts(env)
		o.Type, o.To, o.Secret = "ping", srv.URL+"/hook", "s"
		o.Count, o.Concurrency = 20, 2
		if err := sendRun(context.Background(), o); err != nil {
			t.Fatal(err)
		}
		errOut := env.ErrOut.String()
		if !tty {
			if errOut != "" {
				t.Errorf("piped: stderr %q, want nothing", errOut)
			}
			continue
		}
		if !strings.HasPrefix(errOut, "\rSent ") || !strings.HasSuffix(errOut, " \r") || strings.Contains(errOut, "\n") {
			t.Errorf("terminal: stderr %q, want the progress line, cleared", errOut)
		}
		if !strings.Contains(env.Out.String(), "Succeeded  20\n") {
			t.Errorf("summary:\n%s", env.Out.String())
		}
	}
}
