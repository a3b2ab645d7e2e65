package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/model"
)

const apiKeyColumns = `id, name, tenant, prefix, created_at, last_used_at, revoked_at`

// InsertAPIKey stores a new key with the hex SHA-256 of its secret text.
func (s *Store) InsertAPIKey(ctx context.Context, k *model.APIKey, hash string) error {
	defer s.lockWrites()()
	_, err := s.db.ExecContext(ctx, `INSERT INTO api_keys (id, name, tenant, prefix, hash, created_at) VALUES (?,?,?,?,?,?)`,
		k.ID, k.Name, k.Tenant, k.Prefix, hash, formatTime(k.CreatedAt))
	if isUniqueViolation(err) {
		return apperr.New(apperr.ErrConflict, "an API key with the same hash already exists; create another one")
	}
	return err
}

// ListAPIKeys returns every key, revoked ones included, oldest first.
func (s *Store) ListAPIKeys(ctx context.Context) ([]model.APIKey, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []model.APIKey{}
	for rows.Next() {
		var k model.APIKey
		if err := scanAPIKey(rows, &k, nil); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// CountActiveAPIKeys counts the keys that are not revoked.
func (s *Store) CountActiveAPIKeys(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM api_keys WHERE revoked_at IS NULL`).Scan(&n)
	return n, err
}

// APIKeyByHash returns the key whose hash is hash, with the stored hash, or
// an apperr.ErrNotFound error.
func (s *Store) APIKeyByHash(ctx context.Context, hash string) (*model.APIKey, string, error) {
	var k model.APIKey
	var stored string
	err := scanAPIKey(s.db.QueryRowContext(ctx, `SELECT `+apiKeyColumns+`, hash FROM api_keys WHERE hash = ?`, hash), &k, &stored)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", apperr.NotFoundf("no such API key")
	}
	if err != nil {
		return nil, "", err
	}
	return &k, stored, nil
}

// GetAPIKey returns one key by id or an apperr.ErrNotFound error.
func (s *Store) GetAPIKey(ctx context.Context, id string) (*model.APIKey, error) {
	var k model.APIKey
	err := scanAPIKey(s.db.QueryRowContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE id = ?`, id), &k, nil)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFoundAPIKey(id)
	}
	if err != nil {
		return nil, err
	}
	return &k, nil
}

// RevokeAPIKey marks a key revoked. Revoking a revoked key is an
// apperr.ErrConflict; an unknown id apperr.ErrNotFound.
func (s *Store) RevokeAPIKey(ctx context.Context, id string, now time.Time) (*model.APIKey, error) {
	var k model.APIKey
	err := s.writeTx(ctx, func(tx *txHandle) error {
		err := scanAPIKey(tx.QueryRowContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE id = ?`+s.db.forUpdate(), id), &k, nil)
		if errors.Is(err, sql.ErrNoRows) {
			return notFoundAPIKey(id)
		}
		if err != nil {
			return err
		}
		if k.RevokedAt != nil {
			return apperr.New(apperr.ErrConflict, "API key %s was already revoked at %s", id, k.RevokedAt.UTC().Format(time.RFC3339))
		}
		now = now.UTC()
		if _, err := tx.ExecContext(ctx, `UPDATE api_keys SET revoked_at = ? WHERE id = ?`, formatTime(now), id); err != nil {
			return err
		}
		k.RevokedAt = &now
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &k, nil
}

// TouchAPIKey records that a key was used at now.
func (s *Store) TouchAPIKey(ctx context.Context, id string, now time.Time) error {
	defer s.lockWrites()()
	_, err := s.db.ExecContext(ctx, `UPDATE api_keys SET last_used_at = ? WHERE id = ?`, formatTime(now), id)
	return err
}

func notFoundAPIKey(id string) error {
	return apperr.NotFoundf("no API key %s (run \"hookctl api-key list\")", id)
}

func scanAPIKey(row scanner, k *model.APIKey, hash *string) error {
	var created string
	var lastUsed, revoked sql.NullString
	dest := []any{&k.ID, &k.Name, &k.Tenant, &k.Prefix, &created, &lastUsed, &revoked}
	if hash != nil {
		dest = append(dest, hash)
	}
	if err := row.Scan(dest...); err != nil {
		return err
	}
	var err error
	if k.CreatedAt, err = parseTime(created); err != nil {
		return err
	}
	if k.LastUsedAt, err = parseNullTime(lastUsed); err != nil {
		return err
	}
	k.RevokedAt, err = parseNullTime(revoked)
	return err
}

func parseNullTime(s sql.NullString) (*time.Time, error) {
	if !s.Valid {
		return nil, nil
	}
	t, err := parseTime(s.String)
	if err != nil {
		return nil, err
	}
	return &t, nil
}
