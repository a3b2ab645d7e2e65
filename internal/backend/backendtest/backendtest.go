// Package backendtest is the contract every backend.Backend implementation
// must meet. The same tests run against Local (the store) and Remote (the
// HTTP API of a real server), so that commands behave identically on both.
//
// To add the contract of a new sub-interface (say ConfigInstances): write
// config_instances.go in this package with
//
//	func ConfigInstances(t *testing.T, newBackend NewBackend) { … t.Run(…) … }
//
// and add it to suites below. Every sub-test calls newBackend(t) for a fresh,
// empty backend (closed by t.Cleanup).
package backendtest

import (
	"errors"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/backend"
)

// NewBackend returns a fresh, empty backend; it registers its own cleanup.
type NewBackend func(t *testing.T) backend.Backend

var suites = []struct {
	name string
	run  func(t *testing.T, newBackend NewBackend)
}{
	{"WebhookConfigs", WebhookConfigs},
	{"ConfigInstances", ConfigInstances},
	{"Deliveries", Deliveries},
	{"Requests", Requests},
}

// Run runs the whole contract against the backends newBackend returns.
func Run(t *testing.T, newBackend NewBackend) {
	for _, s := range suites {
		t.Run(s.name, func(t *testing.T) { s.run(t, newBackend) })
	}
}

// wantErr fails unless err is of kind and its message contains each part.
func wantErr(t *testing.T, err error, kind error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want %v", kind)
	}
	if !errors.Is(err, kind) {
		t.Fatalf("err = %q (%T), want kind %v", err, err, kind)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Fatalf("err = %q, want it to contain %q", err, p)
		}
	}
}

// wantErrMessage fails unless err is of kind with exactly msg.
func wantErrMessage(t *testing.T, err error, kind error, msg string) {
	t.Helper()
	wantErr(t, err, kind)
	if err.Error() != msg {
		t.Fatalf("err = %q, want %q", err, msg)
	}
}

func must[T any](t *testing.T) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
