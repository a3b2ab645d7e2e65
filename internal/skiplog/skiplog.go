// Package skiplog lets CI see the tests that skipped for want of a service
// (RabbitMQ, PostgreSQL, Chromium) without go test -v: a test that skips
// appends a line to the file named by HOOKCTL_TEST_SKIP_LOG, and .ci/run
// fails when that file is not empty after go test.
package skiplog

import (
	"fmt"
	"os"
	"testing"
)

// EnvFile names the file to which Skip appends one line per skipped test.
const EnvFile = "HOOKCTL_TEST_SKIP_LOG"

// Skip records "TestName: message" in the skip log (when one is set) and
// skips t with message.
func Skip(t testing.TB, message string) {
	t.Helper()
	if log := os.Getenv(EnvFile); log != "" {
		if f, err := os.OpenFile(log, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644); err == nil {
			fmt.Fprintf(f, "%s: %s\n", t.Name(), message)
			f.Close()
		}
	}
	t.Skip(message)
}

// Env returns the value of the environment variable name (a service's URL),
// or records and skips t with message (Skip) when it is unset or empty.
func Env(t testing.TB, name, message string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		Skip(t, message)
	}
	return v
}
