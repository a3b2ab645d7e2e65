package cli

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/iostreams"
)

// TestEveryCommandHasExamples walks the command tree: every runnable command
// (DESIGN.md convention 7) shows how it is used, and at least one example
// runs the command itself.
func TestEveryCommandHasExamples(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f, cleanup := NewFactory(ios, func(string) string { return "" })
	defer cleanup()
	for _, problem := range exampleProblems(NewCmdRoot(f)) {
		t.Error(problem)
	}
}

// TestExampleWalkerFindsMissingExamples: the walker itself reports a
// runnable command without examples, and one whose examples run others.
func TestExampleWalkerFindsMissingExamples(t *testing.T) {
	run := func(*cobra.Command, []string) {}
	root := &cobra.Command{Use: "hookctl"}
	group := &cobra.Command{Use: "group"} // not runnable: no example needed
	group.AddCommand(
		&cobra.Command{Use: "good", Run: run, Example: "  hookctl group good --flag"},
		&cobra.Command{Use: "bare", Run: run},
		&cobra.Command{Use: "other", Run: run, Example: "  hookctl group good"},
	)
	root.AddCommand(group)
	got := exampleProblems(root)
	want := []string{`"hookctl group bare" has no Example`, `"hookctl group other": no example runs it`}
	if len(got) != len(want) || !strings.HasPrefix(got[0], want[0]) || !strings.HasPrefix(got[1], want[1]) {
		t.Fatalf("problems = %q, want %q", got, want)
	}
}

func exampleProblems(root *cobra.Command) []string {
	var problems []string
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Runnable() {
			if strings.TrimSpace(c.Example) == "" {
				problems = append(problems, fmt.Sprintf("%q has no Example", c.CommandPath()))
			} else if c.HasParent() && !runsItself(c) {
				problems = append(problems, fmt.Sprintf("%q: no example runs it:\n%s", c.CommandPath(), c.Example))
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	return problems
}

// runsItself reports whether an example line invokes c (by name or alias).
func runsItself(c *cobra.Command) bool {
	names := append([]string{c.Name()}, c.Aliases...)
	for _, line := range strings.Split(c.Example, "\n") {
		if !strings.Contains(line, "hookctl ") {
			continue
		}
		words := strings.Fields(line)
		if slices.ContainsFunc(names, func(n string) bool { return slices.Contains(words, n) }) {
			return true
		}
	}
	return false
}
