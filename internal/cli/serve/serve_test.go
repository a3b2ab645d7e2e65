package serve

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/cmdtest"
	"github.com/hookctl/hookctl/internal/cmdutil"
)

func TestServeFlags(t *testing.T) {
	tests := []struct {
		args    []string
		check   func(*Options) bool
		wantErr string
	}{
		{nil, func(o *Options) bool {
			return o.Addr == DefaultAddr && o.Workers == 4 && o.ReadyFile == "" && o.ShutdownTimeout == 10*time.Second
		}, ""},
		{[]string{"--addr", "127.0.0.1:0", "--workers", "2", "--ready-file", "r", "--shutdown-timeout", "1s"}, func(o *Options) bool {
			return o.Addr == "127.0.0.1:0" && o.Workers == 2 && o.ReadyFile == "r" && o.ShutdownTimeout == time.Second
		}, ""},
		{[]string{"--public-url", "https://hooks.example.com/in/"}, func(o *Options) bool {
			return o.PublicURL == "https://hooks.example.com/in/"
		}, ""},
		{[]string{"--public-url", "hooks.example.com"}, nil, "invalid --public-url"},
		{[]string{"--public-url", "ftp://hooks.example.com"}, nil, "invalid --public-url"},
		{[]string{"--public-url", "https://hooks.example.com/?a=1"}, nil, "invalid --public-url"},
		{[]string{"--workers", "0"}, nil, "invalid --workers 0"},
		{[]string{"--shutdown-timeout", "0s"}, nil, "invalid --shutdown-timeout"},
		{[]string{"extra"}, nil, "too many arguments"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			env := cmdtest.New(t, false)
			var got *Options
			cmd := NewCmdServe(env.Factory, func(_ context.Context, o *Options) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(&strings.Builder{})
			cmd.SetErr(&strings.Builder{})
			cmd.SetFlagErrorFunc(cmdutil.FlagErrorFunc)
			err := cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, apperr.ErrUsage) {
					t.Fatalf("err = %v, want usage error %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !tt.check(got) {
				t.Fatalf("err = %v, opts = %+v", err, got)
			}
		})
	}
}
