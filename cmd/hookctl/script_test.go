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
// against a `hookctl serve` (Remote backend). Local-only: concurrency.txtar
// (several processes on one local database file), serve.txtar and
// serve_kill.txtar (they start their own server over the local store and
// create API keys there), and the scripts that use no stored data
// (colour, completion, sign_verify).
var remoteScripts = []string{
	"webhook_config.txtar",
	"config_instance.txtar",
	"config_instance_notify.txtar",
	"send.txtar",
	"send_deliveries.txtar",
	"send_load.txtar",
	"exit_codes.txtar",
	"listen.txtar",
	"listen_ci.txtar",
	"listen_forward.txtar",
	"listen_tunnel.txtar",
	"validate_serve.txtar",
	"flags_webhook.txtar",
	"flags_wc.txtar",
	"flags_ci.txtar",
	"webhook_config_test.txtar",
	"inspect.txtar",
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
