package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

const completionsDir = "../../completions"

// TestCompletionsUpToDate fails when the committed scripts in completions/
// differ from what the current command tree generates, e.g. after a command,
// flag or cobra upgrade was merged without regenerating them.
func TestCompletionsUpToDate(t *testing.T) {
	want, err := CompletionScripts()
	if err != nil {
		t.Fatal(err)
	}
	for _, shell := range Shells {
		name := CompletionFiles[shell]
		path := filepath.Join("completions", name)
		got, err := os.ReadFile(filepath.Join(completionsDir, name))
		if errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s is missing: run `go generate ./...` and commit the result", path)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want[name]) {
			t.Errorf("%s is stale (%s): run `go generate ./...` and commit the result",
				path, firstDifference(got, want[name]))
		}
	}

	// Nothing else lives in completions/: a leftover file would be shipped
	// in archives without anyone regenerating it.
	entries, err := os.ReadDir(completionsDir)
	if err != nil {
		t.Fatal(err)
	}
	var extra []string
	for _, e := range entries {
		if _, ok := want[e.Name()]; !ok {
			extra = append(extra, e.Name())
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		t.Errorf("completions/ holds files the generator does not write: %s", strings.Join(extra, ", "))
	}
}

// TestCompletionScriptsDeterministic guards the property the staleness test
// relies on: two generations give the same bytes, and nothing from the
// machine (paths, the build's version) ends up inside a script.
func TestCompletionScriptsDeterministic(t *testing.T) {
	a, err := CompletionScripts()
	if err != nil {
		t.Fatal(err)
	}
	b, err := CompletionScripts()
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	home, _ := os.UserHomeDir()
	for name, script := range a {
		if !bytes.Equal(script, b[name]) {
			t.Errorf("%s differs between two generations", name)
		}
		for _, s := range []string{wd, home, os.TempDir()} {
			if s != "" && s != "/" && bytes.Contains(script, []byte(s)) {
				t.Errorf("%s contains the machine-specific path %q", name, s)
			}
		}
		if !bytes.Contains(script, []byte("hookctl")) {
			t.Errorf("%s does not mention hookctl", name)
		}
	}
}

// firstDifference describes where two scripts diverge, for the failure message.
func firstDifference(got, want []byte) string {
	gl := strings.Split(string(got), "\n")
	wl := strings.Split(string(want), "\n")
	for i := 0; i < len(gl) && i < len(wl); i++ {
		if gl[i] != wl[i] {
			return fmt.Sprintf("first difference at line %d: committed %q, generated %q", i+1, gl[i], wl[i])
		}
	}
	return fmt.Sprintf("committed has %d lines, generated has %d", len(gl), len(wl))
}
