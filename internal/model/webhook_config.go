// Package model holds the data types that cross layers: stored by the store,
// returned by a Backend, rendered by commands and served as JSON by the API.
package model

import (
	"strings"
	"time"
)

// Signature schemes a webhook config can sign with.
var ConfigSchemes = []string{"standard", "stripe", "github", "slack", "shopify", "hmac-sha256", "ricloud"}

// WebhookConfig is an endpoint registered to receive events.
type WebhookConfig struct {
	// Tenant owns the config; never in JSON (the API key decides it).
	Tenant          string            `json:"-"`
	ID              string            `json:"id"`
	URL             string            `json:"url"`
	Description     string            `json:"description,omitempty"`
	Events          []string          `json:"events"`
	Scheme          string            `json:"scheme"`
	Secret          string            `json:"secret,omitempty"`
	PreviousSecrets []PreviousSecret  `json:"previous_secrets,omitempty"`
	Headers         map[string]string `json:"headers,omitempty"`
	Enabled         bool              `json:"enabled"`
	CreatedAt       time.Time         `json:"created_at"`
	UpdatedAt       time.Time         `json:"updated_at"`
}

// PreviousSecret is a rotated-out secret that stays valid until ExpiresAt.
type PreviousSecret struct {
	Secret    string    `json:"secret"`
	ExpiresAt time.Time `json:"expires_at"`
}

// ActivePreviousSecrets returns the rotated secrets still valid at now.
func (c *WebhookConfig) ActivePreviousSecrets(now time.Time) []PreviousSecret {
	var out []PreviousSecret
	for _, p := range c.PreviousSecrets {
		if now.Before(p.ExpiresAt) {
			out = append(out, p)
		}
	}
	return out
}

// Redacted returns a copy without any secret material, for output that was
// not asked to show secrets.
func (c WebhookConfig) Redacted() WebhookConfig {
	c.Secret = ""
	if len(c.PreviousSecrets) > 0 {
		ps := make([]PreviousSecret, len(c.PreviousSecrets))
		for i, p := range c.PreviousSecrets {
			ps[i] = PreviousSecret{ExpiresAt: p.ExpiresAt}
		}
		c.PreviousSecrets = ps
	}
	return c
}

// Subscribes reports whether the config wants events of the given type.
func (c *WebhookConfig) Subscribes(eventType string) bool {
	for _, p := range c.Events {
		if MatchEvent(p, eventType) {
			return true
		}
	}
	return false
}

// MatchEvent matches an event subscription pattern: '*' stands for any run
// of characters (including '.' and '/'); everything else is literal and
// case-sensitive. An empty pattern matches nothing.
func MatchEvent(pattern, eventType string) bool {
	if pattern == "" {
		return false
	}
	if !strings.Contains(pattern, "*") {
		return pattern == eventType
	}
	// Greedy glob: the first part is a prefix, the last a suffix, and the
	// middle parts must appear in order in between.
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(eventType, parts[0]) {
		return false
	}
	rest := eventType[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(rest, mid)
		if i < 0 {
			return false
		}
		rest = rest[i+len(mid):]
	}
	return len(rest) >= len(last) && strings.HasSuffix(rest, last)
}
