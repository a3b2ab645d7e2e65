// Package cmdutil is what every command package shares: the Factory that
// builds dependencies lazily, output rendering, and flag helpers.
package cmdutil

import (
	"net/http"
	"time"

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
	Prompter   func() prompt.Prompter
	Backend    func() (backend.Backend, error)
	HTTPClient func() *http.Client
	Now        func() time.Time
	Getenv     func(string) string
	// Globals are the root's persistent flags, filled before any RunE.
	Globals *Globals

	// warnedPlainHTTP: NewRemote warned about a key over plain http.
	warnedPlainHTTP bool
}

// Globals are the flags every command accepts.
type Globals struct {
	DataDir string
	APIURL  string // --api-url: use a remote `hookctl serve` instead of the local store
	Output  string // text | json
	Query   string // gjson path applied to JSON output
	NoColor bool
	Debug   bool
}
