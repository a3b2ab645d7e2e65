package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/model"
)

// WebhookConfigFilter narrows ListWebhookConfigs. Zero value: everything.
type WebhookConfigFilter struct {
	Event   string // only configs subscribed to this event type
	Enabled *bool
}

const webhookConfigColumns = `tenant, id, url, description, events, scheme, secret, previous_secrets, headers, enabled, created_at, updated_at`

// InsertWebhookConfig stores a new config of c.Tenant. A second config of
// the tenant for the same URL is an apperr.ErrConflict.
func (s *Store) InsertWebhookConfig(ctx context.Context, c *model.WebhookConfig) error {
	args, err := webhookConfigArgs(c)
	if err != nil {
		return err
	}
	defer s.lockWrites()()
	_, err = s.db.ExecContext(ctx, `INSERT INTO webhook_configs (`+webhookConfigColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`, args...)
	if isUniqueViolation(err) {
		return apperr.New(apperr.ErrConflict, "a webhook config for %s already exists (change it with \"hookctl webhook-config update\")", c.URL)
	}
	return err
}

// GetWebhookConfig returns one config of the tenant or an apperr.ErrNotFound
// error (also for another tenant's id).
func (s *Store) GetWebhookConfig(ctx context.Context, tenant, id string) (*model.WebhookConfig, error) {
	return scanWebhookConfig(s.db.QueryRowContext(ctx, `SELECT `+webhookConfigColumns+` FROM webhook_configs WHERE tenant = ? AND id = ?`, tenant, id), id)
}

// ListWebhookConfigs returns the tenant's configs matching f, oldest first.
func (s *Store) ListWebhookConfigs(ctx context.Context, tenant string, f WebhookConfigFilter) ([]model.WebhookConfig, error) {
	q := `SELECT ` + webhookConfigColumns + ` FROM webhook_configs WHERE tenant = ?`
	args := []any{tenant}
	if f.Enabled != nil {
		q += ` AND enabled = ?`
		args = append(args, *f.Enabled)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []model.WebhookConfig{}
	for rows.Next() {
		c, err := scanWebhookConfig(rows, "")
		if err != nil {
			return nil, err
		}
		if f.Event != "" && !c.Subscribes(f.Event) {
			continue
		}
		out = append(out, *c)
	}
	return out, rows.Err()
}

// UpdateWebhookConfig applies change to the stored config inside one write
// transaction, so concurrent updates never lose each other's changes.
func (s *Store) UpdateWebhookConfig(ctx context.Context, tenant, id string, change func(*model.WebhookConfig) error) (*model.WebhookConfig, error) {
	var c *model.WebhookConfig
	err := s.writeTx(ctx, func(tx *txHandle) error {
		var err error
		c, err = scanWebhookConfig(tx.QueryRowContext(ctx, `SELECT `+webhookConfigColumns+` FROM webhook_configs WHERE tenant = ? AND id = ?`+s.db.forUpdate(), tenant, id), id)
		if err != nil {
			return err
		}
		if err := change(c); err != nil {
			return err
		}
		args, err := webhookConfigArgs(c)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE webhook_configs SET url=?, description=?, events=?, scheme=?, secret=?, previous_secrets=?, headers=?, enabled=?, created_at=?, updated_at=? WHERE tenant=? AND id=?`,
			append(args[2:], tenant, id)...)
		if isUniqueViolation(err) {
			return apperr.New(apperr.ErrConflict, "another webhook config already uses %s", c.URL)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// DeleteWebhookConfig removes a config of the tenant or returns apperr.ErrNotFound.
func (s *Store) DeleteWebhookConfig(ctx context.Context, tenant, id string) error {
	defer s.lockWrites()()
	res, err := s.db.ExecContext(ctx, `DELETE FROM webhook_configs WHERE tenant = ? AND id = ?`, tenant, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFoundConfig(id)
	}
	return nil
}

func notFoundConfig(id string) error {
	return apperr.NotFoundf("no webhook config %s (run \"hookctl webhook-config list\")", id)
}

func webhookConfigArgs(c *model.WebhookConfig) ([]any, error) {
	if err := needTenant(c.Tenant, c.ID); err != nil {
		return nil, err
	}
	events, err := json.Marshal(c.Events)
	if err != nil {
		return nil, err
	}
	prev := c.PreviousSecrets
	if prev == nil {
		prev = []model.PreviousSecret{}
	}
	previous, err := json.Marshal(prev)
	if err != nil {
		return nil, err
	}
	hdrs := c.Headers
	if hdrs == nil {
		hdrs = map[string]string{}
	}
	headers, err := json.Marshal(hdrs)
	if err != nil {
		return nil, err
	}
	return []any{c.Tenant, c.ID, c.URL, c.Description, string(events), c.Scheme, c.Secret, string(previous), string(headers),
		c.Enabled, formatTime(c.CreatedAt), formatTime(c.UpdatedAt)}, nil
}

type scanner interface{ Scan(dest ...any) error }

func scanWebhookConfig(row scanner, id string) (*model.WebhookConfig, error) {
	var c model.WebhookConfig
	var events, previous, headers, created, updated string
	err := row.Scan(&c.Tenant, &c.ID, &c.URL, &c.Description, &events, &c.Scheme, &c.Secret, &previous, &headers, &c.Enabled, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundConfig(id)
	}
	if err != nil {
		return nil, err
	}
	if err := errors.Join(
		json.Unmarshal([]byte(events), &c.Events),
		json.Unmarshal([]byte(previous), &c.PreviousSecrets),
		json.Unmarshal([]byte(headers), &c.Headers),
	); err != nil {
		return nil, fmt.Errorf("webhook config %s: corrupt stored JSON: %w", c.ID, err)
	}
	if c.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if c.UpdatedAt, err = parseTime(updated); err != nil {
		return nil, err
	}
	if len(c.PreviousSecrets) == 0 {
		c.PreviousSecrets = nil
	}
	if len(c.Headers) == 0 {
		c.Headers = nil
	}
	return &c, nil
}
