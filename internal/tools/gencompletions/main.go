// Command gencompletions writes hookctl's shell completion scripts into a
// directory (the repository's completions/). It is run by `go generate ./...`
// through the directive in internal/cli/completion.go:
//
//	go run ../tools/gencompletions -dir ../../completions
//
// The scripts come from cli.CompletionScripts, which builds the command tree
// with a factory that opens nothing, so the output is the same on every
// machine.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/hookctl/hookctl/internal/cli"
)

func main() {
	dir := flag.String("dir", "completions", "directory to write the scripts into")
	flag.Parse()
	if err := run(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "gencompletions:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	scripts, err := cli.CompletionScripts()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	names := make([]string, 0, len(scripts))
	for name := range scripts {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := os.WriteFile(filepath.Join(dir, name), scripts[name], 0o644); err != nil {
			return err
		}
	}
	return nil
}
