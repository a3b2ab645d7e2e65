package webhook

import (
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/cmdtest"
	"github.com/hookctl/hookctl/internal/model"
)

func TestSendFlags(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		check   func(t *testing.T, o *SendOptions)
		wantErr string
	}{
		{name: "type and url", line: "device.enrolled --to http://x/h --secret s",
			check: func(t *testing.T, o *SendOptions) {
				if o.Type != "device.enrolled" || o.To != "http://x/h" || o.Secret != "s" || o.Count != 1 || o.Concurrency != 1 ||
					o.Retries != 3 || o.RetryDelay != time.Second || o.Timeout != 10*time.Second {
					t.Errorf("opts %+v", o)
				}
			}},
		{name: "load mode defaults", line: "ping --all --count 100 --rate 600/m --expect-status 2xx -H 'X-A: 1' --retries 0",
			check: func(t *testing.T, o *SendOptions) {
				if !o.All || o.Count != 100 || o.Concurrency != 10 || o.Rate != 10 || o.Expect.Class != 2 || o.Headers["X-A"] != "1" || o.Retries != 0 {
					t.Errorf("opts %+v", o)
				}
			}},
		{name: "data without type", line: "--data '{\"type\":\"x\"}' --config whc_1 --set a=1 --set b=2 --mock",
			check: func(t *testing.T, o *SendOptions) {
				if o.Type != "" || o.ConfigID != "whc_1" || len(o.Sets) != 2 || !o.Mock {
					t.Errorf("opts %+v", o)
				}
			}},
		{name: "--type flag", line: "--type ping --data '{}' --to http://x/", check: func(t *testing.T, o *SendOptions) {
			if o.Type != "ping" {
				t.Errorf("type %q", o.Type)
			}
		}},
		{name: "expect code", line: "ping --to http://x/ --expect-status 404", check: func(t *testing.T, o *SendOptions) {
			if o.Expect.Code != 404 || !o.Expect.Match(404) || o.Expect.Match(400) {
				t.Errorf("expect %+v", o.Expect)
			}
		}},
		{name: "no type", line: "--to http://x/", wantErr: "missing event type"},
		{name: "no target", line: "ping", wantErr: "pass --to URL, --config ID or --all"},
		{name: "two targets", line: "ping --to http://x/ --all", wantErr: "only one of"},
		{name: "secret with config", line: "ping --config whc_1 --secret s", wantErr: "go with --to"},
		{name: "scheme without secret", line: "ping --to http://x/ --scheme github", wantErr: "--scheme needs --secret"},
		{name: "bad expect", line: "ping --to http://x/ --expect-status 2x", wantErr: "invalid --expect-status"},
		{name: "bad rate", line: "ping --to http://x/ --rate fast", wantErr: "invalid --rate"},
		{name: "bad count", line: "ping --to http://x/ --count 0", wantErr: "--count must be at least 1"},
		{name: "bad header", line: "ping --to http://x/ -H nocolon", wantErr: "invalid header"},
		{name: "type twice", line: "ping --type push --to http://x/", wantErr: "given twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, ok := cmdtest.ParseFlags(t, cmdtest.New(t, false), NewCmdSend, tt.line, tt.wantErr); ok {
				tt.check(t, got)
			}
		})
	}
}

func TestDeliveriesListFlags(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		check   func(t *testing.T, o *DeliveriesListOptions)
		wantErr string
	}{
		{name: "defaults", line: "", check: func(t *testing.T, o *DeliveriesListOptions) {
			if o.Params.Limit != 50 || !o.Params.Since.IsZero() || o.Params.State != "" {
				t.Errorf("params %+v", o.Params)
			}
		}},
		{name: "filters", line: "--since 24h --until 2026-11-23 --status-code 503 --request-id r --event e --config whc_1 --failed --limit 5",
			check: func(t *testing.T, o *DeliveriesListOptions) {
				p := o.Params
				if !p.Since.Equal(cmdtest.Now.Add(-24*time.Hour)) || !p.Until.Equal(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)) ||
					p.StatusCode != 503 || p.RequestID != "r" || p.EventType != "e" || p.ConfigID != "whc_1" || p.State != model.DeliveryFailed || p.Limit != 5 {
					t.Errorf("params %+v", p)
				}
			}},
		{name: "rfc3339 and days", line: "--since 2026-11-01T10:00:00+01:00 --until 7d --succeeded", check: func(t *testing.T, o *DeliveriesListOptions) {
			p := o.Params
			if !p.Since.Equal(time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)) || !p.Until.Equal(cmdtest.Now.Add(-7*24*time.Hour)) || p.State != model.DeliverySucceeded {
				t.Errorf("params %+v", p)
			}
		}},
		{name: "both states", line: "--failed --succeeded", wantErr: "cannot be used together"},
		{name: "bad time", line: "--since yesterday", wantErr: "invalid --since"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, ok := cmdtest.ParseFlags(t, cmdtest.New(t, false), NewCmdDeliveriesList, tt.line, tt.wantErr); ok {
				tt.check(t, got)
			}
		})
	}
}
