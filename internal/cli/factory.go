package cli

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/config"
	"github.com/hookctl/hookctl/internal/dispatch"
	"github.com/hookctl/hookctl/internal/iostreams"
	"github.com/hookctl/hookctl/internal/model"
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
		// The server queues the validation event; report it as a local create does.
		r.OnValidationDeliveries = func(_ context.Context, _ *model.ConfigInstance, ds []*model.Delivery) {
			for _, d := range ds {
				reportValidation(f, d.URL, d, nil)
			}
		}
		return r, nil
	}
	dir := config.DataDir(f.Globals.DataDir, f.Getenv, file)
	s, err := store.Open(context.Background(), dir)
	if err != nil {
		return nil, err
	}
	local := backend.NewLocal(s, f.Now)
	local.OnConfigInstanceCreated = notifyValidation(f, local)
	return local, nil
}

// notifyValidation sends a new config instance's validation event to the
// subscribed webhook configs, recording the deliveries, and reports each
// outcome on stderr. Locally the CLI process is the provider; `hookctl
// serve` queues the same event instead.
func notifyValidation(f *cmdutil.Factory, local *backend.Local) func(context.Context, *model.ConfigInstance) {
	return func(ctx context.Context, ci *model.ConfigInstance) {
		ios := f.IOStreams
		st := ios.ErrStyles()
		enabled := true
		configs, err := local.ListWebhookConfigs(ctx, backend.ListWebhookConfigsParams{Event: model.EventConfigInstanceValidated, Enabled: &enabled})
		if err != nil {
			fmt.Fprintf(ios.ErrOut, "%s could not list webhook configs for the validation event: %v\n", st.WarningIcon(), err)
			return
		}
		d := dispatch.New(f.HTTPClient(), dispatch.SaveRecorder(local.SaveDeliveries))
		d.Policy = dispatch.Policy{Retries: 2, Timeout: 10 * time.Second}
		for _, r := range d.NotifyConfigInstance(ctx, configs, ci, f.Now()) {
			reportValidation(f, r.Target.URL, r.Delivery, r.Err)
		}
	}
}

// reportValidation prints the outcome of a validation event's delivery on stderr.
func reportValidation(f *cmdutil.Factory, url string, d *model.Delivery, err error) {
	ios := f.IOStreams
	st := ios.ErrStyles()
	switch {
	case err != nil:
		fmt.Fprintf(ios.ErrOut, "%s validation event to %s not sent: %v\n", st.FailureIcon(), url, err)
	case d.State == model.DeliverySucceeded:
		fmt.Fprintf(ios.ErrOut, "%s validation event delivered to %s (%d, %s)\n", st.SuccessIcon(), url, d.StatusCode, d.ID)
	default:
		fmt.Fprintf(ios.ErrOut, "%s validation event to %s failed: %s (see \"hookctl webhook deliveries show %s\")\n", st.FailureIcon(), url, deliveryFailure(d), d.ID)
	}
}

func deliveryFailure(d *model.Delivery) string {
	if n := len(d.Attempts); n > 0 && d.Attempts[n-1].Error != "" {
		return d.Attempts[n-1].Error
	}
	return fmt.Sprintf("status %d", d.StatusCode)
}
