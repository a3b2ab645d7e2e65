package webhook

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/cmdtest"
	"github.com/hookctl/hookctl/internal/cmdutil"
)

// The shared flag forms of issue 18 point 3, as the webhook group's
// commands parse them (through runF).

func TestVerifyDataFlags(t *testing.T) {
	for _, tt := range []struct {
		line    string
		data    string
		body    string
		headers []string
		secrets []string
		wantErr string
	}{
		{line: "--secret s -d '{}' -H 'X-A: 1'", data: "{}", headers: []string{"X-A: 1"}, secrets: []string{"s"}},
		{line: "--secret s --data @b.json --header 'X-A: 1' -H 'X-B: 2'", data: "@b.json", headers: []string{"X-A: 1", "X-B: 2"}, secrets: []string{"s"}},
		{line: "--secret a --secret b --data -", data: "-", secrets: []string{"a", "b"}},
		{line: "--secret s --data ''", secrets: []string{"s"}}, // an empty body is a body
		{line: "--secret s --body b.json", body: "b.json", secrets: []string{"s"}},
		{line: "--secret s --data @b.json --body b.json", wantErr: "--body FILE is --data @FILE"},
		{line: "--secret s --data x --request r.http", wantErr: "not both"},
		{line: "--secret s -H nocolon --data x", wantErr: `invalid header "nocolon"`},
		{line: "--secret-file - --data -", wantErr: "cannot both read standard input"},
	} {
		t.Run(tt.line, func(t *testing.T) {
			env := cmdtest.New(t, false)
			var got *VerifyOptions
			err := cmdtest.Exec(t, NewCmdVerify(env.Factory, func(_ context.Context, o *VerifyOptions) error { got = o; return nil }), tt.line)
			if tt.wantErr != "" {
				if !errors.Is(err, apperr.ErrUsage) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want usage error %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Data != tt.data || got.Body != tt.body || !slices.Equal(got.Headers, tt.headers) || !slices.Equal(got.Secrets, tt.secrets) {
				t.Fatalf("got data %q body %q headers %q secrets %q", got.Data, got.Body, got.Headers, got.Secrets)
			}
		})
	}
}

func TestListFlagForms(t *testing.T) {
	for _, tt := range []struct {
		line  string
		event string
		limit int
	}{
		{"", "", cmdutil.DefaultLimit},
		{"--event 'device.*'", "device.*", cmdutil.DefaultLimit},
		{"--event 'device.*' --event user.signed_in -L 3", "device.*,user.signed_in", 3},
		{"--event 'device.*,user.*' --limit 0", "device.*,user.*", 0},
	} {
		t.Run("deliveries "+tt.line, func(t *testing.T) {
			env := cmdtest.New(t, false)
			var got *DeliveriesListOptions
			if err := cmdtest.Exec(t, NewCmdDeliveriesList(env.Factory, func(_ context.Context, o *DeliveriesListOptions) error { got = o; return nil }), tt.line); err != nil {
				t.Fatal(err)
			}
			if got.Params.EventType != tt.event || got.Params.Limit != tt.limit {
				t.Fatalf("got event %q limit %d", got.Params.EventType, got.Params.Limit)
			}
		})
		t.Run("requests "+tt.line, func(t *testing.T) {
			env := cmdtest.New(t, false)
			var got *RequestsListOptions
			if err := cmdtest.Exec(t, NewCmdRequestsList(env.Factory, func(_ context.Context, o *RequestsListOptions) error { got = o; return nil }), tt.line); err != nil {
				t.Fatal(err)
			}
			if got.Params.Event != tt.event || got.Params.Limit != tt.limit {
				t.Fatalf("got event %q limit %d", got.Params.Event, got.Params.Limit)
			}
		})
	}
}

func TestListenEventsAndEventAreOneList(t *testing.T) {
	env := cmdtest.New(t, false)
	var got *ListenOptions
	err := cmdtest.Exec(t, NewCmdListen(env.Factory, func(_ context.Context, o *ListenOptions) error { got = o; return nil }),
		"--events 'device.*,user.signed_in' --event ping --events push")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"device.*", "user.signed_in", "ping", "push"}; !slices.Equal(got.Events, want) {
		t.Fatalf("events = %q, want %q", got.Events, want)
	}
}
