package scripttest

import (
	"os"
	"path/filepath"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/hookctl/hookctl/internal/server/servertest"
)

// SetupRemote is Setup plus an in-process API server on 127.0.0.1:0 with
// its own data dir and an API key, exported as HOOKCTL_API_URL and
// HOOKCTL_API_KEY: every stored-data command of the script goes through the
// Remote backend. HOOKCTL_DATA_DIR's hookctl.db is a directory, so a command
// that opened the local store by mistake fails loudly.
func SetupRemote(env *testscript.Env) error {
	if err := Setup(env); err != nil {
		return err
	}
	in, err := servertest.Start(filepath.Join(env.WorkDir, ".server-data"))
	if err != nil {
		return err
	}
	env.Defer(func() { in.Close() })
	// The data dir exists (user event templates live there) but its
	// database is a directory, so opening the local store fails loudly.
	dataDir := filepath.Join(env.WorkDir, ".local-data")
	if err := os.MkdirAll(filepath.Join(dataDir, "hookctl.db", "remote-mode-must-not-open-the-local-store"), 0o700); err != nil {
		return err
	}
	env.Setenv("HOOKCTL_DATA_DIR", dataDir)
	env.Setenv("HOOKCTL_API_URL", in.URL)
	env.Setenv("HOOKCTL_API_KEY", in.Key)
	return nil
}
