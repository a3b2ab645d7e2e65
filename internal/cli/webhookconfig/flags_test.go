package webhookconfig

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/cmdtest"
	"github.com/hookctl/hookctl/internal/cmdutil"
)

// The shared flag forms of issue 18 point 3 on webhook-config (via runF).

func TestCreateListAndHeaderFlags(t *testing.T) {
	for _, tt := range []struct {
		line    string
		events  []string
		headers map[string]string
		wantErr string
	}{
		{line: "--url https://x.test", events: nil},
		{line: "--url https://x.test --event a --event b", events: []string{"a", "b"}},
		{line: "--url https://x.test --event 'a, b' --event 'c.*'", events: []string{"a", "b", "c.*"}},
		{line: "--url https://x.test -H 'X-Team: a, b' --header X-Env=prod", headers: map[string]string{"X-Team": "a, b", "X-Env": "prod"}},
		{line: "--url https://x.test -H nocolon", wantErr: `invalid header "nocolon"`},
	} {
		t.Run(tt.line, func(t *testing.T) {
			env := cmdtest.New(t, false)
			var got *CreateOptions
			err := cmdtest.Exec(t, NewCmdCreate(env.Factory, func(_ context.Context, o *CreateOptions) error { got = o; return nil }), tt.line)
			if tt.wantErr != "" {
				if !errors.Is(err, apperr.ErrUsage) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want usage error %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Params.Events, tt.events) || !maps.Equal(got.Params.Headers, tt.headers) {
				t.Fatalf("events %q headers %v", got.Params.Events, got.Params.Headers)
			}
		})
	}
}

func TestUpdateListFlags(t *testing.T) {
	env := cmdtest.New(t, false)
	var got *UpdateOptions
	err := cmdtest.Exec(t, NewCmdUpdate(env.Factory, func(_ context.Context, o *UpdateOptions) error { got = o; return nil }),
		"whc_1 --add-event a,b --add-event c --remove-event 'd.*,e' --remove-header X-A,X-B -H 'X-C: 1'")
	if err != nil {
		t.Fatal(err)
	}
	p := got.Params
	if !slices.Equal(p.AddEvents, []string{"a", "b", "c"}) || !slices.Equal(p.RemoveEvents, []string{"d.*", "e"}) ||
		!slices.Equal(p.RemoveHeaders, []string{"X-A", "X-B"}) || p.SetHeaders["X-C"] != "1" {
		t.Fatalf("params = %+v", p)
	}
}

func TestListLimitFlag(t *testing.T) {
	for _, tt := range []struct {
		line string
		want int
	}{{"", cmdutil.DefaultLimit}, {"-L 5", 5}, {"--limit 0", 0}} {
		env := cmdtest.New(t, false)
		var got *ListOptions
		if err := cmdtest.Exec(t, NewCmdList(env.Factory, func(_ context.Context, o *ListOptions) error { got = o; return nil }), tt.line); err != nil {
			t.Fatal(err)
		}
		if got.Limit != tt.want {
			t.Fatalf("%q: limit %d, want %d", tt.line, got.Limit, tt.want)
		}
	}
}
