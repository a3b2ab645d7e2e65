package store

import (
	"context"
	"strings"
	"testing"
)

// TestCompleteWebhookConfigs: the tenant's configs whose id starts with the
// prefix, in id order, without secrets; another tenant's never.
func TestCompleteWebhookConfigs(t *testing.T) {
	s := openTemp(t, t.TempDir())
	ctx := context.Background()
	a, b, other := newConfig("https://a.example/h"), newConfig("https://b.example/h"), newConfig("https://o.example/h")
	a.ID, b.ID, other.ID = "whc_aa1", "whc_ab2", "whc_aa3"
	a.Description, b.Enabled = "first", false
	other.Tenant = "acme"
	if err := s.InsertWebhookConfig(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := s.InsertWebhookConfig(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := s.InsertWebhookConfig(ctx, other); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ prefix, want string }{
		{"", "whc_aa1 https://a.example/h first true,whc_ab2 https://b.example/h  false"},
		{"whc_", "whc_aa1 https://a.example/h first true,whc_ab2 https://b.example/h  false"},
		{"whc_a", "whc_aa1 https://a.example/h first true,whc_ab2 https://b.example/h  false"},
		{"whc_ab", "whc_ab2 https://b.example/h  false"},
		{"whc_aa3", ""}, // another tenant's
		{"whc_ab2x", ""},
		{"whc_\xff", ""},
		{"x", ""},
	}
	for _, tt := range tests {
		got, err := s.CompleteWebhookConfigs(ctx, "default", tt.prefix)
		if err != nil {
			t.Fatal(err)
		}
		var rows []string
		for _, c := range got {
			if c.Secret != "" || c.Events != nil {
				t.Errorf("%q: read more than needed: %+v", tt.prefix, c)
			}
			rows = append(rows, strings.Join([]string{c.ID, c.URL, c.Description, map[bool]string{true: "true", false: "false"}[c.Enabled]}, " "))
		}
		if g := strings.Join(rows, ","); g != tt.want {
			t.Errorf("prefix %q: %q, want %q", tt.prefix, g, tt.want)
		}
	}
}
