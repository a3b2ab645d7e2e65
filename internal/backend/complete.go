package backend

import (
	"context"

	"github.com/hookctl/hookctl/internal/model"
)

// CompleteWebhookConfigs lists the tenant's configs whose id starts with
// prefix for shell completion: ID, URL, Description and Enabled only.
// (Remote has no such call: completion there lists the configs.)
func (l *Local) CompleteWebhookConfigs(ctx context.Context, prefix string) ([]model.WebhookConfig, error) {
	return l.store.CompleteWebhookConfigs(ctx, l.tenant, prefix)
}
