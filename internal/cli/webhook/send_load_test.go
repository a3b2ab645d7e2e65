package webhook

import (
	"runtime/debug"
	"testing"
)

func TestRelaxGC(t *testing.T) {
	tests := []struct {
		name   string
		gogc   string // the environment variable
		start  int    // what the runtime made of it
		during int
	}{
		{"default GOGC is raised for the run", "", 100, loadGCPercent},
		{"a GOGC chosen by the user is kept", "150", 150, 150},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GOGC", tt.gogc)
			defer debug.SetGCPercent(debug.SetGCPercent(tt.start))
			restore := relaxGC()
			if got := gcPercent(); got != tt.during {
				t.Errorf("during the run GOGC = %d, want %d", got, tt.during)
			}
			restore()
			if got := gcPercent(); got != tt.start {
				t.Errorf("after the run GOGC = %d, want %d", got, tt.start)
			}
		})
	}
}

// gcPercent reads the current GOGC (SetGCPercent only returns it).
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}
