package dispatch

import (
	"context"
	"net/http"
	"time"

	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/signature"
)

// NotifyConfigInstance sends the config_instance.target_status.validated
// event for ci, shaped like the provider's, to every enabled config
// subscribed to it. A validation server answers it by approving or rejecting.
func (d *Dispatcher) NotifyConfigInstance(ctx context.Context, configs []model.WebhookConfig, ci *model.ConfigInstance, now time.Time) []Result {
	targets := Subscribed(configs, model.EventConfigInstanceValidated)
	if len(targets) == 0 {
		return nil
	}
	ev := Event{
		Type:    model.EventConfigInstanceValidated,
		EventID: ci.ID,
		Body:    model.ValidatedEvent(ci, now),
		Headers: http.Header{"Content-Type": {"application/json"}},
	}
	return d.DeliverAll(ctx, ev, targets, 8)
}

// ConfigSecrets returns a config's current secret first, then its rotated
// secrets with their expiry (expired ones are not used to sign, but let a
// verifier diagnose them).
func ConfigSecrets(c *model.WebhookConfig) []signature.Secret {
	out := []signature.Secret{{Value: c.Secret}}
	for _, p := range c.PreviousSecrets {
		out = append(out, signature.Secret{Value: p.Secret, ExpiresAt: p.ExpiresAt})
	}
	return out
}
