package serve

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/cmdtest"
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
		{[]string{"--allow-target", "127.0.0.0/8", "--allow-target", "10.1.2.3", "--allow-target", "fd00::/8", "--per-host-concurrency", "2"}, func(o *Options) bool {
			return fmt.Sprint(o.AllowTargets) == "[127.0.0.0/8 10.1.2.3/32 fd00::/8]" && o.PerHostConcurrency == 2
		}, ""},
		{nil, func(o *Options) bool { return len(o.AllowTargets) == 0 && o.PerHostConcurrency == 4 }, ""},
		{[]string{"--allow-target", "localhost"}, nil, `invalid --allow-target: "localhost" is not a CIDR`},
		{[]string{"--allow-target", "10.0.0.0/33"}, nil, "invalid --allow-target"},
		{[]string{"--per-host-concurrency", "0"}, nil, "invalid --per-host-concurrency 0"},
		{[]string{"--workers", "0"}, nil, "invalid --workers 0"},
		{[]string{"--shutdown-timeout", "0s"}, nil, "invalid --shutdown-timeout"},
		{[]string{"extra"}, nil, "too many arguments"},
		{nil, func(o *Options) bool { return o.AMQPURL == "" && o.AMQPExchange == "events-to-enrich" }, ""},
		{[]string{"--amqp-url", "amqp://u:p@127.0.0.1:5672/", "--amqp-exchange", "x"}, func(o *Options) bool {
			return o.AMQPURL == "amqp://u:p@127.0.0.1:5672/" && o.AMQPExchange == "x"
		}, ""},
		{[]string{"--amqp-url", "http://u:p@127.0.0.1:5672/"}, nil, "invalid --amqp-url http://u:xxxxx@127.0.0.1:5672/"},
		{[]string{"--amqp-url", "amqp://127.0.0.1/", "--amqp-exchange", "''"}, nil, "invalid --amqp-exchange"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			got, ok := cmdtest.ParseFlags(t, cmdtest.New(t, false), NewCmdServe, strings.Join(tt.args, " "), tt.wantErr)
			if ok && !tt.check(got) {
				t.Fatalf("opts = %+v", got)
			}
		})
	}
}
