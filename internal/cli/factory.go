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
	f.OpenURL = cmdutil.BrowserOpener(getenv)
	f.Prompter = func() prompt.Prompter { return prompt.NewSurvey(os.Stdin, os.Stdout, os.Stderr) }
	f.HTTPClient = sync.OnceValue(func() *http.Client { return &http.Client{Timeout: 30 * time.Second} })

	var (
		once   sync.Once
		be     backend.Backend
		remote *backend.Remote // be, in remote mode
		err    error
	)
	open := func() {
		once.Do(func() {
			var file *config.File
			if file, err = config.Load(f.Getenv); err != nil {
				return
			}
			if remote, err = openRemote(f, file); remote != nil {
				be = remote
			} else if err == nil {
				be, err = openLocal(f, file)
			}
		})
	}
	f.Backend = func() (backend.Backend, error) {
		open()
		return be, err
	}
	f.Remote = func() (*backend.Remote, error) {
		open()
		return remote, err
	}
	cleanup = func() {
		if be != nil {
			be.Close()
		}
	}
	return f, cleanup
}

// openRemote returns the Remote of the configured API URL (--api-url,
// HOOKCTL_API_URL, config api_url), or nil when there is none (local mode).
func openRemote(f *cmdutil.Factory, file *config.File) (*backend.Remote, error) {
	apiURL := config.APIURL(f.Globals.APIURL, f.Getenv, file)
	if apiURL == "" {
		return nil, nil
	}
	key := config.APIKey(f.Getenv, file)
	if key == "" {
		return nil, apperr.New(apperr.ErrAuth, "no API key for %s: create one on the server with \"hookctl api-key create --name NAME\" and export HOOKCTL_API_KEY=hk_…", apiURL)
	}
	return cmdutil.NewRemote(f, apiURL, key)
}

// openLocal opens the Local backend over the data dir.
func openLocal(f *cmdutil.Factory, file *config.File) (backend.Backend, error) {
	s, err := cmdutil.OpenStore(context.Background(), f, file)
	if err != nil {
		return nil, err
	}
	// Locally the CLI process is the provider: it sends the validation
	// event of a new config instance itself (`hookctl serve` queues it).
	return backend.NewLocal(s, f.Now, backend.WithNotifier(backend.DirectNotifier{Client: f.HTTPClient})), nil
}
