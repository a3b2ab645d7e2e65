// Package cmdutil is what every command package shares: the Factory that
// builds dependencies lazily, output rendering, and flag helpers.
package cmdutil

import (
	"net/http"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/iostreams"
	"github.com/hookctl/hookctl/internal/prompt"
)

// Factory gives commands their dependencies. Functions are called lazily so
// that `hookctl --help` opens no database.
type Factory struct {
	IOStreams *iostreams.IOStreams
	// Prompter returns the interactive prompter. Callers check
	// IOStreams.CanPrompt first.
	Prompter func() prompt.Prompter
	Backend  func() (backend.Backend, error)
	// Remote is the client of the `hookctl serve` that Backend talks to in
	// remote mode, and nil locally; the capabilities only a server has
	// (Sender, SourceClient, server-side recording) come from it.
	Remote     func() (*backend.Remote, error)
	HTTPClient func() *http.Client
	Now        func() time.Time
	Getenv     func(string) string
	// Globals are the root's persistent flags, filled before any RunE.
	Globals *Globals
	// OpenURL opens a URL in the user's browser (inspect --open); tests
	// replace it. nil: not available.
	OpenURL func(url string) error

	// warnedPlainHTTP: NewRemote warned about a key over plain http.
	warnedPlainHTTP bool
}

// Globals are the flags every command accepts.
type Globals struct {
	DataDir  string
	Database string // --database: a PostgreSQL URL instead of SQLite in DataDir
	APIURL   string // --api-url: use a remote `hookctl serve` instead of the local store
	Output   string // text | json
	Query    string // gjson path applied to JSON output
	NoColor  bool
	Debug    bool
}

// Sender is the server's sender in remote mode; nil locally, where the CLI
// delivers itself.
func (f *Factory) Sender() (backend.Sender, error) {
	r, err := f.remote()
	if r == nil {
		return nil, err
	}
	return r, nil
}

// SourceClient is the server's inbound-source API, or a usage error outside
// remote mode (sources live on a server).
func (f *Factory) SourceClient() (*backend.Remote, error) {
	r, err := f.remote()
	if err == nil && r == nil {
		err = apperr.Usagef("sources live on \"hookctl serve\": pass --api-url (or set HOOKCTL_API_URL) and HOOKCTL_API_KEY")
	}
	return r, err
}

// RecordsOnServer reports whether stored data lives on a server (remote
// mode): a request relayed from it was recorded there when it arrived.
func (f *Factory) RecordsOnServer() (bool, error) {
	r, err := f.remote()
	return r != nil, err
}

func (f *Factory) remote() (*backend.Remote, error) {
	if f.Remote == nil {
		return nil, nil
	}
	return f.Remote()
}
