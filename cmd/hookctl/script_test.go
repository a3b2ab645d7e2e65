package main

import (
	"os"
	"path/filepath"
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

// remoteScripts are the scripts about stored data that must behave the same
// against a `hookctl serve` (Remote backend). Scripts that inspect local
// files (concurrency.txtar) or start their own server (serve.txtar) stay
// local-only.
var remoteScripts = []string{
	"webhook_config.txtar",
	"config_instance.txtar",
	"config_instance_notify.txtar",
	"send.txtar",
	"send_deliveries.txtar",
	"exit_codes.txtar",
	"listen.txtar",
	"listen_ci.txtar",
	"listen_forward.txtar",
}

// TestScriptsRemote runs remoteScripts with HOOKCTL_API_URL/HOOKCTL_API_KEY
// pointing at an in-process API server.
func TestScriptsRemote(t *testing.T) {
	files := make([]string, len(remoteScripts))
	for i, name := range remoteScripts {
		files[i] = filepath.Join("../../testdata/script", name)
	}
	testscript.Run(t, testscript.Params{
		Files:               files,
		Setup:               scripttest.SetupRemote,
		Cmds:                scripttest.Commands(),
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
	})
}
