package model

import (
	"testing"
	"time"
)

func TestMatchEvent(t *testing.T) {
	tests := []struct {
		pattern, typ string
		want         bool
	}{
		{"*", "device.enrolled", true},
		{"*", "orders/create", true},
		{"*", "", true},
		{"device.*", "device.enrolled", true},
		{"device.*", "device.custom_properties_updated", true},
		{"device.*", "device.", true},
		{"device.*", "device", false},
		{"device.*", "user.signed_in", false},
		{"device.*", "mydevice.enrolled", false},
		{"orders/*", "orders/create", true},
		{"*/create", "orders/create", true},
		{"*.succeeded", "payment_intent.succeeded", true},
		{"*.succeeded", "payment_intent.failed", false},
		{"config_instance.*.validated", "config_instance.target_status.validated", true},
		{"config_instance.*.validated", "config_instance.validated", false},
		{"a*a", "a", false},
		{"a*a", "aa", true},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "acb", false},
		{"**", "x", true},
		{"push", "push", true},
		{"push", "push.x", false},
		{"push", "Push", false},
		{"", "", false},
		{"", "push", false},
	}
	for _, tc := range tests {
		if got := MatchEvent(tc.pattern, tc.typ); got != tc.want {
			t.Errorf("MatchEvent(%q, %q) = %v, want %v", tc.pattern, tc.typ, got, tc.want)
		}
	}
}

func TestRedactedAndActiveSecrets(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := WebhookConfig{Secret: "s", PreviousSecrets: []PreviousSecret{
		{Secret: "old", ExpiresAt: now.Add(time.Hour)},
		{Secret: "older", ExpiresAt: now.Add(-time.Hour)},
	}}
	if got := c.ActivePreviousSecrets(now); len(got) != 1 || got[0].Secret != "old" {
		t.Fatalf("active = %+v", got)
	}
	r := c.Redacted()
	if r.Secret != "" || r.PreviousSecrets[0].Secret != "" {
		t.Fatalf("redacted leaks secrets: %+v", r)
	}
	if c.Secret != "s" || c.PreviousSecrets[0].Secret != "old" {
		t.Fatal("Redacted modified the original")
	}
}
