package amqptest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeTB records a skip instead of ending the test, so that testing URL's
// skip does not print the marker that .ci/run looks for.
type fakeTB struct {
	testing.TB
	skipped string
}

func (f *fakeTB) Helper()       {}
func (f *fakeTB) Name() string  { return "TestFake" }
func (f *fakeTB) Skip(a ...any) { f.skipped = fmt.Sprint(a...) }

func TestURL(t *testing.T) {
	log := filepath.Join(t.TempDir(), "skips")
	t.Setenv(EnvSkipLog, log)

	t.Setenv(EnvURL, "amqp://guest:guest@127.0.0.1:5999/")
	f := &fakeTB{TB: t}
	if got := URL(f); got != "amqp://guest:guest@127.0.0.1:5999/" || f.skipped != "" {
		t.Fatalf("URL = %q, skipped %q", got, f.skipped)
	}
	if _, err := os.Stat(log); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("skip log written without a skip: %v", err)
	}

	t.Setenv(EnvURL, "")
	f = &fakeTB{TB: t}
	URL(f)
	if !strings.HasPrefix(f.skipped, SkipMarker) || !strings.Contains(f.skipped, "needs RabbitMQ") {
		t.Fatalf("skip message %q", f.skipped)
	}
	b, err := os.ReadFile(log)
	if err != nil || string(b) != "TestFake: "+SkipMessage+"\n" {
		t.Fatalf("skip log %q, %v", b, err)
	}
}
