package cli

import (
	"context"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/config"
	"github.com/hookctl/hookctl/internal/iostreams"
	"github.com/hookctl/hookctl/internal/prompt"
	"github.com/hookctl/hookctl/internal/store"
)

// NewFactory wires the production dependencies. cleanup closes whatever
// was opened (the database) and must run before the process exits.
func NewFactory(ios *iostreams.IOStreams, getenv func(string) string) (f *cmdutil.Factory, cleanup func()) {
	f = &cmdutil.Factory{
		IOStreams: ios,
		Getenv:    getenv,
		Now:       time.Now,
		Globals:   &cmdutil.Globals{},
	}
	f.Prompter = func() prompt.Prompter { return prompt.NewSurvey(os.Stdin, os.Stdout, os.Stderr) }
	f.HTTPClient = sync.OnceValue(func() *http.Client { return &http.Client{Timeout: 30 * time.Second} })

	var (
		once sync.Once
		be   backend.Backend
		err  error
	)
	f.Backend = func() (backend.Backend, error) {
		once.Do(func() { be, err = openBackend(f) })
		return be, err
	}
	cleanup = func() {
		if be != nil {
			be.Close()
		}
	}
	return f, cleanup
}

// openBackend returns Remote when an API URL is configured (--api-url,
// HOOKCTL_API_URL, config api_url), otherwise Local over the data dir.
func openBackend(f *cmdutil.Factory) (backend.Backend, error) {
	file, err := config.Load(f.Getenv)
	if err != nil {
		return nil, err
	}
	if apiURL := config.APIURL(f.Globals.APIURL, f.Getenv, file); apiURL != "" {
		key := config.APIKey(f.Getenv, file)
		if key == "" {
			return nil, apperr.New(apperr.ErrAuth, "no API key for %s: create one on the server with \"hookctl api-key create --name NAME\" and export HOOKCTL_API_KEY=hk_…", apiURL)
		}
		r, err := cmdutil.NewRemote(f, apiURL, key)
		if err != nil {
			return nil, err // not a typed nil in the interface: cleanup checks be != nil
		}
		return r, nil
	}
	dir := config.DataDir(f.Globals.DataDir, f.Getenv, file)
	s, err := store.Open(context.Background(), dir)
	if err != nil {
		return nil, err
	}
	// Locally the CLI process is the provider: it sends the validation
	// event of a new config instance itself (`hookctl serve` queues it).
	return backend.NewLocal(s, f.Now, backend.WithNotifier(backend.DirectNotifier{Client: f.HTTPClient})), nil
}
