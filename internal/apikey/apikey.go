// Package apikey creates and checks the API keys of `hookctl serve`.
//
// A key is "hk_" followed by 32 random bytes in lowercase base32 (52
// characters). Only its SHA-256 is stored: the key has 256 bits of entropy,
// so a fast hash is enough, and lookups by hash are followed by a
// constant-time comparison.
package apikey

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/ids"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/store"
)

// Prefix starts every key.
const Prefix = "hk_"

// DefaultTenant is the tenant of keys created without one.
const DefaultTenant = model.DefaultTenant

// EnvVar is the environment variable clients read the key from.
const EnvVar = "HOOKCTL_API_KEY"

// keyLen is len(Prefix) + base32 of 32 bytes without padding.
const keyLen = len(Prefix) + 52

var encoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Generate returns a fresh key.
func Generate() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return Prefix + encoding.EncodeToString(b)
}

// Hash is the hex SHA-256 of a key, as stored.
func Hash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// WellFormed reports whether key looks like a hookctl API key.
func WellFormed(key string) bool {
	if len(key) != keyLen || !strings.HasPrefix(key, Prefix) {
		return false
	}
	_, err := encoding.DecodeString(key[len(Prefix):])
	return err == nil
}

// Create makes a key, stores its hash and returns the key (to print once)
// with its record.
func Create(ctx context.Context, s *store.Store, name, tenant string, now time.Time) (string, *model.APIKey, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", nil, apperr.Usagef("--name is required: say who or what will use the key, e.g. --name ci")
	}
	if tenant == "" {
		tenant = DefaultTenant
	}
	if err := model.ValidateTenant(tenant); err != nil {
		return "", nil, err
	}
	key := Generate()
	k := &model.APIKey{
		ID:        ids.New(ids.APIKey),
		Name:      name,
		Tenant:    tenant,
		Prefix:    key[:len(Prefix)+6],
		CreatedAt: now.UTC(),
	}
	if err := s.InsertAPIKey(ctx, k, Hash(key)); err != nil {
		return "", nil, err
	}
	return key, k, nil
}

// Authenticator checks keys against a store.
type Authenticator struct {
	Store *store.Store
	Now   func() time.Time
	// TouchEvery limits how often last_used_at is written for one key.
	TouchEvery time.Duration
	// OnTouchError, if set, hears of failures to write last_used_at
	// (which never fail the call).
	OnTouchError func(keyID string, err error)
}

// ErrNoKeys is in the chain of the error for a server without any key.
var ErrNoKeys = errors.New("no API keys")

// Authenticate returns the key record of a valid, unrevoked key, or an
// apperr.ErrAuth error that says what to do.
func (a *Authenticator) Authenticate(ctx context.Context, key string) (*model.APIKey, error) {
	if key == "" {
		n, err := a.Store.CountActiveAPIKeys(ctx)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, apperr.Wrap(apperr.ErrAuth, ErrNoKeys, "this server has no API keys yet: create one with \"hookctl api-key create --name NAME\" on the server's data dir and send it in the X-API-Key header")
		}
		return nil, apperr.New(apperr.ErrAuth, "missing API key: send it in the X-API-Key header (or Authorization: Bearer KEY)")
	}
	invalid := apperr.New(apperr.ErrAuth, "invalid API key")
	if !WellFormed(key) {
		return nil, invalid
	}
	h := Hash(key)
	k, stored, err := a.Store.APIKeyByHash(ctx, h)
	if apperr.IsKind(err, apperr.ErrNotFound) {
		return nil, invalid
	}
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(h), []byte(stored)) != 1 {
		return nil, invalid
	}
	if k.Revoked() {
		return nil, apperr.New(apperr.ErrAuth, "API key %s was revoked", k.ID)
	}
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	t := now().UTC()
	if k.LastUsedAt == nil || t.Sub(*k.LastUsedAt) >= a.TouchEvery {
		// Bookkeeping only: a failed write (a full disk) must not fail the
		// call it describes; the next call after TouchEvery tries again.
		if err := a.Store.TouchAPIKey(ctx, k.ID, t); err == nil {
			k.LastUsedAt = &t
		} else if a.OnTouchError != nil {
			a.OnTouchError(k.ID, err)
		}
	}
	return k, nil
}
