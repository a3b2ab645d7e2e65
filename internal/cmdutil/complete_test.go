package cmdutil_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/cmdtest"
	"github.com/hookctl/hookctl/internal/cmdutil"
)

// seedConfigs creates n webhook configs in env's store.
func seedConfigs(tb testing.TB, env *cmdtest.Env, n int) {
	tb.Helper()
	ctx := context.Background()
	for i := 0; i < n; i++ {
		p := backend.CreateWebhookConfigParams{URL: fmt.Sprintf("https://hooks%d.example.com/webhooks", i), Description: "endpoint " + fmt.Sprint(i)}
		if _, err := env.Local.CreateWebhookConfig(ctx, p); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkCompleteWebhookConfigIDs10k times one completion of
// `webhook-config get <TAB>` over a store of 10,000 configs (the budget is
// 100 ms), both with nothing typed (all 10,000 candidates) and with a
// prefix that matches a few.
func BenchmarkCompleteWebhookConfigIDs10k(b *testing.B) {
	env := cmdtest.New(b, false)
	seedConfigs(b, env, 10000)
	fn := cmdutil.Positional(cmdutil.CompleteIDs(env.Factory, cmdutil.WebhookConfigIDs))
	cmd := &cobra.Command{Use: "get"}
	for _, bc := range []struct {
		name, prefix string
		want         int
	}{{"all", "", 10000}, {"prefix", "whc_", 10000}, {"none", "whc_zzzz", 0}} {
		b.Run(bc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				got, dir := fn(cmd, nil, bc.prefix)
				if len(got) != bc.want || dir != cobra.ShellCompDirectiveNoFileComp {
					b.Fatalf("%d candidates, directive %d", len(got), dir)
				}
			}
		})
	}
}

// TestCompleteIDsDescriptions: a description stays on one line (a tab or
// newline in a URL or description would break the shells' protocol).
func TestCompleteIDsDescriptions(t *testing.T) {
	env := cmdtest.New(t, false)
	c, err := env.Local.CreateWebhookConfig(context.Background(), backend.CreateWebhookConfigParams{URL: "https://a.example/h", Description: "line one\nline\ttwo"})
	if err != nil {
		t.Fatal(err)
	}
	got, dir := cmdutil.CompleteIDs(env.Factory, cmdutil.WebhookConfigIDs)(&cobra.Command{}, nil, "")
	if dir != cobra.ShellCompDirectiveNoFileComp || len(got) != 1 {
		t.Fatalf("%q %d", got, dir)
	}
	if want := c.ID + "\thttps://a.example/h · line one line two"; got[0] != want {
		t.Errorf("got %q, want %q", got[0], want)
	}
	if strings.Count(got[0], "\t") != 1 {
		t.Errorf("more than one tab: %q", got[0])
	}
}

// TestPositional: only the first positional argument completes.
func TestPositional(t *testing.T) {
	fn := cmdutil.Positional(func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return []cobra.Completion{"x"}, cobra.ShellCompDirectiveNoFileComp
	})
	if got, _ := fn(nil, nil, ""); len(got) != 1 {
		t.Errorf("first argument: %q", got)
	}
	if got, dir := fn(nil, []string{"x"}, ""); len(got) != 0 || dir != cobra.ShellCompDirectiveNoFileComp {
		t.Errorf("second argument: %q %d", got, dir)
	}
}
