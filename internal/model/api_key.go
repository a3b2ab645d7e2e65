package model

import (
	"regexp"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
)

// DefaultTenant owns everything made without a tenant: local CLI use, and
// keys created without --tenant (and rows from before tenants existed).
const DefaultTenant = "default"

// tenantRE: no dots, so the routing keys event.{tenant}.{datasource}.{event}
// stay unambiguous.
var tenantRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// ValidateTenant checks a tenant name (a usage error: exit 2, or 422 in
// the API).
func ValidateTenant(t string) error {
	if !tenantRE.MatchString(t) {
		return apperr.New(apperr.ErrInvalid, "invalid tenant %q: use 1 to 63 lowercase letters, digits, '_' and '-', starting with a letter or digit (no dots)", t)
	}
	return nil
}

// APIKey is a key that authenticates calls to `hookctl serve`. The key
// itself is never stored or returned after creation; Prefix helps people
// recognise it.
type APIKey struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Tenant     string     `json:"tenant"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// Revoked reports whether the key was revoked.
func (k *APIKey) Revoked() bool { return k.RevokedAt != nil }
