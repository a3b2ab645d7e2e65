package webhook

import (
	"context"
	"fmt"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/cli/receive"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/tunnel"
)

// tunnelStatus reports the tunnel's state changes (receive.WriteTunnelStatus).
func (r *listenRenderer) tunnelStatus(s tunnel.Status) {
	r.mu.Lock()
	defer r.mu.Unlock()
	receive.WriteTunnelStatus(r.opts.Factory.IOStreams, s, true, r.opts.Format == listenJSON)
}

// registration is what --register changed, so that it can be undone.
type registration struct {
	f       *cmdutil.Factory
	be      backend.Backend
	config  *model.WebhookConfig
	created bool
	oldURL  string
	keep    bool
}

// register points a webhook config at url: a new one, or opts.ConfigID's.
func register(ctx context.Context, f *cmdutil.Factory, opts *ListenOptions, url string) (*registration, error) {
	be, err := f.Backend()
	if err != nil {
		return nil, err
	}
	reg := &registration{f: f, be: be, keep: opts.Keep}
	ios := f.IOStreams
	st := ios.ErrStyles()
	if opts.ConfigID != "" {
		// The config's secret verifies what the listener receives.
		ctx := backend.WithShowSecret(ctx)
		old, err := be.GetWebhookConfig(ctx, opts.ConfigID)
		if err != nil {
			return nil, err
		}
		c, err := be.UpdateWebhookConfig(ctx, old.ID, backend.UpdateWebhookConfigParams{URL: &url})
		if err != nil {
			return nil, err
		}
		reg.config, reg.oldURL = c, old.URL
		fmt.Fprintf(ios.ErrOut, "%s Webhook config %s now points at %s%s\n", st.SuccessIcon(), c.ID, url, reg.undoNote("its URL is restored"))
		return reg, nil
	}
	scheme := opts.Scheme
	if scheme == "" || scheme == "auto" {
		scheme = "standard"
	}
	c, err := be.CreateWebhookConfig(ctx, backend.CreateWebhookConfigParams{
		URL: url, Events: opts.Events, Scheme: scheme, Description: "registered by hookctl webhook listen",
	})
	if apperr.IsKind(err, apperr.ErrConflict) {
		return nil, apperr.Wrap(apperr.ErrConflict, err, "%v: pass --config ID to reuse it", err)
	}
	if err != nil {
		return nil, err
	}
	reg.config, reg.created = c, true
	fmt.Fprintf(ios.ErrOut, "%s Registered webhook config %s for %s%s\n", st.SuccessIcon(), c.ID, url, reg.undoNote("it is deleted"))
	return reg, nil
}

func (r *registration) undoNote(what string) string {
	if r.keep {
		return " (kept after exit)"
	}
	return fmt.Sprintf(" (on exit %s; --keep to keep it)", what)
}

// undo removes or restores the registration. It runs after the command's
// context was cancelled (Ctrl-C), so it uses its own short deadline.
func (r *registration) undo() {
	if r.keep {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ios := r.f.IOStreams
	st := ios.ErrStyles()
	var err error
	if r.created {
		err = r.be.DeleteWebhookConfig(ctx, r.config.ID)
	} else {
		_, err = r.be.UpdateWebhookConfig(ctx, r.config.ID, backend.UpdateWebhookConfigParams{URL: &r.oldURL})
	}
	switch {
	case err != nil:
		fmt.Fprintf(ios.ErrOut, "%s could not undo the registration of %s: %v\n", st.WarningIcon(), r.config.ID, err)
	case r.created:
		fmt.Fprintf(ios.ErrOut, "%s\n", st.Muted.Render("Deleted webhook config "+r.config.ID+"."))
	default:
		fmt.Fprintf(ios.ErrOut, "%s\n", st.Muted.Render("Restored the URL of "+r.config.ID+" to "+r.oldURL+"."))
	}
}
