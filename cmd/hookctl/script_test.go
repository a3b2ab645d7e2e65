package main

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/hookctl/hookctl/internal/cli"
	"github.com/hookctl/hookctl/internal/scripttest"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"hookctl": func() { os.Exit(cli.Main(os.Args[1:])) },
	})
}

// TestScripts runs testdata/script/*.txtar against the real binary's Main.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "../../testdata/script",
		Setup:               scripttest.Setup,
		Cmds:                scripttest.Commands(),
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
	})
}
