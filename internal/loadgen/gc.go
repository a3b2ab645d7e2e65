package loadgen

import (
	"os"
	"runtime/debug"
)

// GCPercent is the GOGC of a load run. Sending allocates at a high rate
// while the live heap stays small (counters, latencies, a bounded queue of
// deliveries to record), so with the default GOGC of 100 the collector runs
// hundreds of times a second. Letting the heap grow to five times the live
// set instead of twice raised requests/s by about 15% (recorded and --mock)
// on 2 CPUs in scripts/bench-send.sh, for ~15 MB more memory (maximum RSS
// 35 -> 48 MB for 20,000 recorded deliveries, 40 -> 54 MB for 100,000).
const GCPercent = 400

// RelaxGC sets GCPercent unless the user chose a GOGC, and returns the
// function that restores the previous setting. Run calls it.
func RelaxGC() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	prev := debug.SetGCPercent(GCPercent)
	return func() { debug.SetGCPercent(prev) }
}
