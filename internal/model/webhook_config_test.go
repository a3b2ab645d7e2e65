package model

import (
	"testing"
	"time"
)

func TestMatchEvent(t *testing.T) {
	tests := []struct {
		pattern, event string
		want           bool
	}{
		{"*", "device.enrolled", true},
		{"*", "orders/create", true},
		{"device.*", "device.enrolled", true},
		{"device.*", "device.", true},
		{"device.*", "user.signed_in", false},
		{"device.enrolled", "device.enrolled", true},
		{"device.enrolled", "device.enrolled2", false},
		{"orders/*", "orders/create", true},
		{"*.succeeded", "payment_intent.succeeded", true},
		{"*.succeeded", "payment_intent.failed", false},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "axxbyy", false},
		{"", "", true},
		{"", "x", false},
	}
	for _, tt := range tests {
		if got := MatchEvent(tt.pattern, tt.event); got != tt.want {
			t.Errorf("MatchEvent(%q, %q) = %v, want %v", tt.pattern, tt.event, got, tt.want)
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
