package store

import (
	"context"

	"github.com/hookctl/hookctl/internal/model"
)

// CompleteWebhookConfigs returns the tenant's configs whose id starts with
// prefix, for shell completion: only ID, URL, Description and Enabled are
// filled (no secrets, events or headers are read or decoded), in id order.
// It reads the primary key's range, so 10,000 configs take milliseconds.
func (s *Store) CompleteWebhookConfigs(ctx context.Context, tenant, prefix string) ([]model.WebhookConfig, error) {
	q := `SELECT id, url, description, enabled FROM webhook_configs WHERE tenant = ?`
	args := []any{tenant}
	if prefix != "" {
		upper, ok := prefixUpperBound(prefix)
		if !ok {
			return []model.WebhookConfig{}, nil // ids are ASCII: nothing starts with this
		}
		q += ` AND id >= ? AND id < ?`
		args = append(args, prefix, upper)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []model.WebhookConfig{}
	for rows.Next() {
		c := model.WebhookConfig{Tenant: tenant}
		if err := rows.Scan(&c.ID, &c.URL, &c.Description, &c.Enabled); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// prefixUpperBound is the smallest ASCII string greater than every string
// starting with prefix; ok is false when prefix is not printable ASCII.
func prefixUpperBound(prefix string) (string, bool) {
	for i := 0; i < len(prefix); i++ {
		if prefix[i] < 0x20 || prefix[i] >= 0x7f {
			return "", false
		}
	}
	return prefix[:len(prefix)-1] + string(prefix[len(prefix)-1]+1), true
}
