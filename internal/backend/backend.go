// Package backend is the seam between commands and stored data. Commands use
// only the Backend interface; Local implements it over the embedded store,
// and a remote implementation talks to `hookctl serve`.
package backend

import (
	"context"
	"time"

	"github.com/hookctl/hookctl/internal/model"
)

// Backend is everything a command may do with stored data.
type Backend interface {
	WebhookConfigs
	ConfigInstances
	Deliveries
	Requests
	// Close releases the backend's resources.
	Close() error
}

// WebhookConfigs manages registered endpoints.
type WebhookConfigs interface {
	CreateWebhookConfig(ctx context.Context, p CreateWebhookConfigParams) (*model.WebhookConfig, error)
	ListWebhookConfigs(ctx context.Context, p ListWebhookConfigsParams) ([]model.WebhookConfig, error)
	GetWebhookConfig(ctx context.Context, id string) (*model.WebhookConfig, error)
	UpdateWebhookConfig(ctx context.Context, id string, p UpdateWebhookConfigParams) (*model.WebhookConfig, error)
	DeleteWebhookConfig(ctx context.Context, id string) error
	// RotateWebhookConfigSecret replaces the secret; the old one stays valid
	// for keepOld (0 drops it at once).
	RotateWebhookConfigSecret(ctx context.Context, id string, keepOld time.Duration) (*model.WebhookConfig, error)
}

// CreateWebhookConfigParams describes a new config. Empty Events means all
// events; empty Scheme means "standard"; empty Secret means generate one.
type CreateWebhookConfigParams struct {
	URL         string            `json:"url"`
	Events      []string          `json:"events,omitempty"`
	Description string            `json:"description,omitempty"`
	Scheme      string            `json:"scheme,omitempty"`
	Secret      string            `json:"secret,omitempty"`
	Headers     map[string]string `json:"headers,omitempty"`
	Disabled    bool              `json:"disabled,omitempty"`
}

// ListWebhookConfigsParams filters a listing.
type ListWebhookConfigsParams struct {
	Event   string `json:"event,omitempty"`   // configs that would receive this event type
	Enabled *bool  `json:"enabled,omitempty"` // nil: both
}

// UpdateWebhookConfigParams changes a config; nil/empty fields are left alone.
type UpdateWebhookConfigParams struct {
	URL           *string           `json:"url,omitempty"`
	Description   *string           `json:"description,omitempty"`
	AddEvents     []string          `json:"add_events,omitempty"`
	RemoveEvents  []string          `json:"remove_events,omitempty"`
	Enabled       *bool             `json:"enabled,omitempty"`
	SetHeaders    map[string]string `json:"set_headers,omitempty"`
	RemoveHeaders []string          `json:"remove_headers,omitempty"`
}
