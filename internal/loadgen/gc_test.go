package loadgen

import (
	"context"
	"runtime/debug"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/dispatch"
	"github.com/hookctl/hookctl/internal/model"
)

// TestGCSetting: a run raises GOGC to GCPercent while it sends and
// restores it afterwards, also when it is cancelled; a GOGC chosen by the
// user, or KeepGC, leaves the setting alone.
func TestGCSetting(t *testing.T) {
	tests := []struct {
		name   string
		gogc   string // the environment variable
		start  int    // what the runtime made of it
		keep   bool
		cancel bool
		during int
	}{
		{"default GOGC is raised for the run", "", 100, false, false, GCPercent},
		{"and restored after a cancelled run", "", 100, false, true, GCPercent},
		{"a GOGC chosen by the user is kept", "150", 150, false, false, 150},
		{"KeepGC keeps it", "", 100, true, false, 100},
		{"whatever it was before", "", 75, false, false, GCPercent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GOGC", tt.gogc)
			defer debug.SetGCPercent(debug.SetGCPercent(tt.start))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var during []int
			deliver := func(ctx context.Context, _ dispatch.Event, _ dispatch.Target) (*model.Delivery, error) {
				during = append(during, gcPercent()) // one worker: no race
				if tt.cancel {
					cancel()
				}
				return delivery(200, time.Millisecond, ""), nil
			}
			if _, err := Run(ctx, Config{Deliver: deliver, Targets: oneTarget, Count: 3, Concurrency: 1, KeepGC: tt.keep}); (err != nil) != tt.cancel {
				t.Fatal(err)
			}
			if len(during) == 0 || during[0] != tt.during {
				t.Errorf("during the run GOGC = %v, want %d", during, tt.during)
			}
			if got := gcPercent(); got != tt.start {
				t.Errorf("after the run GOGC = %d, want %d", got, tt.start)
			}
		})
	}
}

func TestRelaxGC(t *testing.T) {
	t.Setenv("GOGC", "")
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	restore := RelaxGC()
	if got := gcPercent(); got != GCPercent {
		t.Errorf("GOGC = %d, want %d", got, GCPercent)
	}
	restore()
	if got := gcPercent(); got != 100 {
		t.Errorf("restored GOGC = %d, want 100", got)
	}
}

// gcPercent reads the current GOGC (SetGCPercent only returns it).
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}
