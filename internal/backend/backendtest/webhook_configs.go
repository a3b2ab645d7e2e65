package backendtest

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/model"
)

func ptr[T any](v T) *T { return &v }

// WebhookConfigs is the contract of backend.WebhookConfigs.
func WebhookConfigs(t *testing.T, newBackend NewBackend) {
	// The contract is that of a command that uses secrets: Remote asks the
	// server for them only under WithShowSecret (Local returns them always).
	ctx := backend.WithShowSecret(context.Background())
	cfg := must[*model.WebhookConfig](t)

	t.Run("CreateDefaults", func(t *testing.T) {
		be := newBackend(t)
		c := cfg(be.CreateWebhookConfig(ctx, backend.CreateWebhookConfigParams{URL: "https://example.com/hooks"}))
		if !strings.HasPrefix(c.ID, "whc_") || c.Scheme != "standard" || !slices.Equal(c.Events, []string{"*"}) || !c.Enabled {
			t.Fatalf("defaults: %+v", c)
		}
		if !strings.HasPrefix(c.Secret, "whsec_") {
			t.Fatalf("create must return the generated secret, got %q", c.Secret)
		}
		if c.CreatedAt.IsZero() || !c.UpdatedAt.Equal(c.CreatedAt) || c.CreatedAt.Location() != time.UTC {
			t.Fatalf("times: created %v updated %v", c.CreatedAt, c.UpdatedAt)
		}
	})

	t.Run("CreateAndGetRoundTrip", func(t *testing.T) {
		be := newBackend(t)
		p := backend.CreateWebhookConfigParams{URL: "http://127.0.0.1:9/x", Events: []string{"a.*", "b", "a.*"}, Description: "d",
			Scheme: "github", Secret: "s3cret", Headers: map[string]string{"X-Team": "fleet"}, Disabled: true}
		c := cfg(be.CreateWebhookConfig(ctx, p))
		if !slices.Equal(c.Events, []string{"a.*", "b"}) {
			t.Fatalf("events are deduplicated in order: %v", c.Events)
		}
		got := cfg(be.GetWebhookConfig(ctx, c.ID))
		if got.URL != p.URL || got.Description != "d" || got.Scheme != "github" || got.Secret != "s3cret" ||
			got.Headers["X-Team"] != "fleet" || got.Enabled || !slices.Equal(got.Events, c.Events) || !got.CreatedAt.Equal(c.CreatedAt) {
			t.Fatalf("get = %+v, want %+v", got, c)
		}
	})

	t.Run("CreateErrors", func(t *testing.T) {
		be := newBackend(t)
		_, err := be.CreateWebhookConfig(ctx, backend.CreateWebhookConfigParams{URL: "not-a-url"})
		wantErrMessage(t, err, apperr.ErrUsage, `invalid URL "not-a-url": must start with http:// or https://`)
		_, err = be.CreateWebhookConfig(ctx, backend.CreateWebhookConfigParams{})
		wantErr(t, err, apperr.ErrUsage, "--url is required")
		_, err = be.CreateWebhookConfig(ctx, backend.CreateWebhookConfigParams{URL: "https://x.example", Scheme: "rot13"})
		wantErr(t, err, apperr.ErrUsage, `unknown scheme "rot13"`)
		_, err = be.CreateWebhookConfig(ctx, backend.CreateWebhookConfigParams{URL: "https://x.example", Events: []string{"bad event"}})
		wantErr(t, err, apperr.ErrUsage, "invalid event pattern")
		_, err = be.CreateWebhookConfig(ctx, backend.CreateWebhookConfigParams{URL: "https://x.example", Headers: map[string]string{"bad header": "v"}})
		wantErr(t, err, apperr.ErrUsage, "invalid header name")

		cfg(be.CreateWebhookConfig(ctx, backend.CreateWebhookConfigParams{URL: "https://dup.example"}))
		_, err = be.CreateWebhookConfig(ctx, backend.CreateWebhookConfigParams{URL: "https://dup.example"})
		wantErrMessage(t, err, apperr.ErrConflict, `a webhook config for https://dup.example already exists (change it with "hookctl webhook-config update")`)
	})

	t.Run("GetUnknown", func(t *testing.T) {
		be := newBackend(t)
		_, err := be.GetWebhookConfig(ctx, "whc_unknown")
		wantErrMessage(t, err, apperr.ErrNotFound, `no webhook config whc_unknown (run "hookctl webhook-config list")`)
	})

	t.Run("ListAndFilters", func(t *testing.T) {
		be := newBackend(t)
		list := must[[]model.WebhookConfig](t)
		empty := list(be.ListWebhookConfigs(ctx, backend.ListWebhookConfigsParams{}))
		if empty == nil || len(empty) != 0 {
			t.Fatalf("empty list = %#v, want an empty non-nil slice", empty)
		}
		a := cfg(be.CreateWebhookConfig(ctx, backend.CreateWebhookConfigParams{URL: "https://a.example", Events: []string{"device.*"}}))
		b := cfg(be.CreateWebhookConfig(ctx, backend.CreateWebhookConfigParams{URL: "https://b.example", Events: []string{"user.signed_in"}}))
		c := cfg(be.CreateWebhookConfig(ctx, backend.CreateWebhookConfigParams{URL: "https://c.example", Disabled: true}))
		ids := func(cs []model.WebhookConfig) []string {
			var out []string
			for _, c := range cs {
				out = append(out, c.ID)
			}
			return out
		}
		all := list(be.ListWebhookConfigs(ctx, backend.ListWebhookConfigsParams{}))
		if got := ids(all); !slices.Equal(got, []string{a.ID, b.ID, c.ID}) {
			t.Fatalf("list = %v, want oldest first", got)
		}
		if all[0].Secret != a.Secret {
			t.Fatalf("list must carry secrets (commands redact them): %q", all[0].Secret)
		}
		if got := ids(list(be.ListWebhookConfigs(ctx, backend.ListWebhookConfigsParams{Event: "device.enrolled"}))); !slices.Equal(got, []string{a.ID, c.ID}) {
			t.Fatalf("event filter = %v", got)
		}
		if got := ids(list(be.ListWebhookConfigs(ctx, backend.ListWebhookConfigsParams{Enabled: ptr(false)}))); !slices.Equal(got, []string{c.ID}) {
			t.Fatalf("disabled filter = %v", got)
		}
		if got := ids(list(be.ListWebhookConfigs(ctx, backend.ListWebhookConfigsParams{Enabled: ptr(true), Event: "user.signed_in"}))); !slices.Equal(got, []string{b.ID}) {
			t.Fatalf("enabled+event filter = %v", got)
		}
	})

	t.Run("Update", func(t *testing.T) {
		be := newBackend(t)
		c := cfg(be.CreateWebhookConfig(ctx, backend.CreateWebhookConfigParams{URL: "https://u.example", Events: []string{"a", "b"},
			Headers: map[string]string{"X-Old": "1"}}))
		u := cfg(be.UpdateWebhookConfig(ctx, c.ID, backend.UpdateWebhookConfigParams{
			URL: ptr("https://u.example/v2"), Description: ptr("new"), AddEvents: []string{"c"}, RemoveEvents: []string{"a"},
			Enabled: ptr(false), SetHeaders: map[string]string{"X-New": "2"}, RemoveHeaders: []string{"X-Old"},
		}))
		if u.URL != "https://u.example/v2" || u.Description != "new" || !slices.Equal(u.Events, []string{"b", "c"}) || u.Enabled ||
			u.Headers["X-New"] != "2" || u.Headers["X-Old"] != "" || u.Secret != c.Secret {
			t.Fatalf("update = %+v", u)
		}
		got := cfg(be.GetWebhookConfig(ctx, c.ID))
		if got.URL != u.URL || !slices.Equal(got.Events, u.Events) || got.UpdatedAt.Before(got.CreatedAt) {
			t.Fatalf("stored = %+v", got)
		}
		_, err := be.UpdateWebhookConfig(ctx, c.ID, backend.UpdateWebhookConfigParams{RemoveEvents: []string{"nope"}})
		wantErr(t, err, apperr.ErrUsage, `not subscribed to "nope"`)
		_, err = be.UpdateWebhookConfig(ctx, c.ID, backend.UpdateWebhookConfigParams{RemoveEvents: []string{"b", "c"}})
		wantErr(t, err, apperr.ErrUsage, "at least one event")
		_, err = be.UpdateWebhookConfig(ctx, c.ID, backend.UpdateWebhookConfigParams{URL: ptr("ftp://x")})
		wantErr(t, err, apperr.ErrUsage, "invalid URL")
		_, err = be.UpdateWebhookConfig(ctx, "whc_unknown", backend.UpdateWebhookConfigParams{Enabled: ptr(true)})
		wantErrMessage(t, err, apperr.ErrNotFound, `no webhook config whc_unknown (run "hookctl webhook-config list")`)

		cfg(be.CreateWebhookConfig(ctx, backend.CreateWebhookConfigParams{URL: "https://other.example"}))
		_, err = be.UpdateWebhookConfig(ctx, c.ID, backend.UpdateWebhookConfigParams{URL: ptr("https://other.example")})
		wantErr(t, err, apperr.ErrConflict, "already uses https://other.example")
	})

	t.Run("Delete", func(t *testing.T) {
		be := newBackend(t)
		c := cfg(be.CreateWebhookConfig(ctx, backend.CreateWebhookConfigParams{URL: "https://d.example"}))
		if err := be.DeleteWebhookConfig(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		_, err := be.GetWebhookConfig(ctx, c.ID)
		wantErr(t, err, apperr.ErrNotFound)
		err = be.DeleteWebhookConfig(ctx, c.ID)
		wantErrMessage(t, err, apperr.ErrNotFound, `no webhook config `+c.ID+` (run "hookctl webhook-config list")`)
	})

	t.Run("RotateSecret", func(t *testing.T) {
		be := newBackend(t)
		c := cfg(be.CreateWebhookConfig(ctx, backend.CreateWebhookConfigParams{URL: "https://r.example"}))
		r := cfg(be.RotateWebhookConfigSecret(ctx, c.ID, time.Hour))
		if r.Secret == c.Secret || !strings.HasPrefix(r.Secret, "whsec_") {
			t.Fatalf("rotate must return a new secret: %q", r.Secret)
		}
		if len(r.PreviousSecrets) != 1 || r.PreviousSecrets[0].Secret != c.Secret {
			t.Fatalf("previous = %+v, want the old secret", r.PreviousSecrets)
		}
		if d := time.Until(r.PreviousSecrets[0].ExpiresAt); d < 55*time.Minute || d > 65*time.Minute {
			t.Fatalf("old secret expires in %v, want about 1h", d)
		}
		got := cfg(be.GetWebhookConfig(ctx, c.ID))
		if got.Secret != r.Secret || len(got.PreviousSecrets) != 1 {
			t.Fatalf("stored = %+v", got)
		}
		r2 := cfg(be.RotateWebhookConfigSecret(ctx, c.ID, 0))
		if len(r2.PreviousSecrets) != 1 || r2.PreviousSecrets[0].Secret != c.Secret {
			t.Fatalf("keepOld 0 drops the current secret at once and keeps the still-valid ones: %+v", r2.PreviousSecrets)
		}
		_, err := be.RotateWebhookConfigSecret(ctx, c.ID, -time.Second)
		wantErr(t, err, apperr.ErrUsage, "must not be negative")
		_, err = be.RotateWebhookConfigSecret(ctx, "whc_unknown", time.Hour)
		wantErr(t, err, apperr.ErrNotFound, "no webhook config whc_unknown")
	})
}
