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
// Remote backend. HOOKCTL_DATA_DIR points at a regular file, so a command
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
	notADir := filepath.Join(env.WorkDir, ".local-store-must-not-be-used")
	if err := os.WriteFile(notADir, []byte("remote mode: the local store must not be opened\n"), 0o600); err != nil {
		return err
	}
	env.Setenv("HOOKCTL_DATA_DIR", notADir)
	env.Setenv("HOOKCTL_API_URL", in.URL)
	env.Setenv("HOOKCTL_API_KEY", in.Key)
	return nil
}
