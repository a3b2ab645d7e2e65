package backend

import (
	"context"
	"slices"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/ids"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/store"
)

// Local is the Backend over the embedded store, for one tenant: every
// read and write is scoped to it (NewLocal: the default tenant, as the CLI
// uses the store; ForTenant: the tenant of an API key, in the server).
type Local struct {
	store  *store.Store
	now    func() time.Time
	tenant string
	// notifier sends the validation event of new config instances (nil:
	// none is sent).
	notifier Notifier
	// publish, when set, means source events are published to a broker:
	// each accepted one is queued in the publish outbox in its own
	// transaction, and publish is called once it is committed.
	publish func()
}

// LocalOption configures NewLocal.
type LocalOption func(*Local)

// WithNotifier sends the validation event of each new config instance
// through n, to the subscribed webhook configs of its tenant.
func WithNotifier(n Notifier) LocalOption { return func(l *Local) { l.notifier = n } }

// WithPublishing queues every accepted source event in the store's publish
// outbox (in the transaction that records it) and calls poke once it is
// committed, to wake the publisher (internal/publish). poke must not block.
func WithPublishing(poke func()) LocalOption { return func(l *Local) { l.publish = poke } }

// NewLocal wraps an open store. now may be nil (time.Now).
func NewLocal(s *store.Store, now func() time.Time, opts ...LocalOption) *Local {
	if now == nil {
		now = time.Now
	}
	l := &Local{store: s, now: now, tenant: model.DefaultTenant}
	for _, o := range opts {
		o(l)
	}
	return l
}

// ForTenant returns a Local over the same store scoped to tenant.
func (l *Local) ForTenant(tenant string) *Local {
	c := *l
	c.tenant = tenant
	return &c
}

// Scoped is ForTenant as a Backend: what the API server is given, to scope
// each request to the tenant of its API key.
func (l *Local) Scoped(tenant string) Backend { return l.ForTenant(tenant) }

// Tenant is the tenant this Local is scoped to.
func (l *Local) Tenant() string { return l.tenant }

// Close closes the store.
func (l *Local) Close() error { return l.store.Close() }

func (l *Local) CreateWebhookConfig(ctx context.Context, p CreateWebhookConfigParams) (*model.WebhookConfig, error) {
	if err := ValidateEndpointURL(p.URL); err != nil {
		return nil, err
	}
	events := p.Events
	if len(events) == 0 {
		events = []string{"*"}
	}
	if err := ValidateEventPatterns(events); err != nil {
		return nil, err
	}
	scheme := p.Scheme
	if scheme == "" {
		scheme = "standard"
	}
	if err := ValidateScheme(scheme); err != nil {
		return nil, err
	}
	if err := ValidateHeaders(p.Headers); err != nil {
		return nil, err
	}
	secret := p.Secret
	if secret == "" {
		secret = GenerateSecret(scheme)
	}
	now := l.now().UTC()
	c := &model.WebhookConfig{
		Tenant:      l.tenant,
		ID:          ids.New(ids.WebhookConfig),
		URL:         p.URL,
		Description: p.Description,
		Events:      dedupe(events),
		Scheme:      scheme,
		Secret:      secret,
		Headers:     p.Headers,
		Enabled:     !p.Disabled,
		CreatedAt:   now,
		UpdatedAt:   now,
	}
	if err := l.store.InsertWebhookConfig(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

func (l *Local) ListWebhookConfigs(ctx context.Context, p ListWebhookConfigsParams) ([]model.WebhookConfig, error) {
	return l.store.ListWebhookConfigs(ctx, l.tenant, store.WebhookConfigFilter{Event: p.Event, Enabled: p.Enabled})
}

func (l *Local) GetWebhookConfig(ctx context.Context, id string) (*model.WebhookConfig, error) {
	return l.store.GetWebhookConfig(ctx, l.tenant, id)
}

func (l *Local) UpdateWebhookConfig(ctx context.Context, id string, p UpdateWebhookConfigParams) (*model.WebhookConfig, error) {
	if p.URL != nil {
		if err := ValidateEndpointURL(*p.URL); err != nil {
			return nil, err
		}
	}
	if err := ValidateEventPatterns(p.AddEvents); err != nil {
		return nil, err
	}
	if err := ValidateHeaders(p.SetHeaders); err != nil {
		return nil, err
	}
	return l.store.UpdateWebhookConfig(ctx, l.tenant, id, func(c *model.WebhookConfig) error {
		if p.URL != nil {
			c.URL = *p.URL
		}
		if p.Description != nil {
			c.Description = *p.Description
		}
		if p.Enabled != nil {
			c.Enabled = *p.Enabled
		}
		for _, e := range p.RemoveEvents {
			if !slices.Contains(c.Events, e) {
				return apperr.Usagef("webhook config %s is not subscribed to %q (it has: %v)", c.ID, e, c.Events)
			}
			c.Events = slices.DeleteFunc(c.Events, func(x string) bool { return x == e })
		}
		c.Events = dedupe(append(c.Events, p.AddEvents...))
		if len(c.Events) == 0 {
			return apperr.Usagef("a webhook config needs at least one event: add one with --add-event, or use --disable to pause it")
		}
		for k, v := range p.SetHeaders {
			if c.Headers == nil {
				c.Headers = map[string]string{}
			}
			c.Headers[k] = v
		}
		for _, k := range p.RemoveHeaders {
			delete(c.Headers, k)
		}
		c.UpdatedAt = l.now().UTC()
		return nil
	})
}

func (l *Local) DeleteWebhookConfig(ctx context.Context, id string) error {
	return l.store.DeleteWebhookConfig(ctx, l.tenant, id)
}

func (l *Local) RotateWebhookConfigSecret(ctx context.Context, id string, keepOld time.Duration) (*model.WebhookConfig, error) {
	if keepOld < 0 {
		return nil, apperr.Usagef("--keep-old must not be negative")
	}
	return l.store.UpdateWebhookConfig(ctx, l.tenant, id, func(c *model.WebhookConfig) error {
		now := l.now().UTC()
		c.PreviousSecrets = c.ActivePreviousSecrets(now)
		if keepOld > 0 {
			c.PreviousSecrets = append([]model.PreviousSecret{{Secret: c.Secret, ExpiresAt: now.Add(keepOld)}}, c.PreviousSecrets...)
		}
		c.Secret = GenerateSecret(c.Scheme)
		c.UpdatedAt = now
		return nil
	})
}

// dedupe keeps the first occurrence of each element, preserving order.
func dedupe(xs []string) []string {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}
