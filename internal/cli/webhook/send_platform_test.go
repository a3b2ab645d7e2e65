package webhook

import (
	"errors"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/cmdtest"
)

// TestSendPlatform: --platform sets the device's os and platform of a device
// event's payload (--set still applies after it), and is refused, as a usage
// error naming the supported platforms, for a platform the event is not
// sent for or an event that is not a device event.
func TestSendPlatform(t *testing.T) {
	env := cmdtest.New(t, false)
	opts, _ := cmdtest.ParseFlags(t, env, NewCmdSend, "device.unenrolled --platform macos --to http://127.0.0.1:9/", "")
	if opts.Platform != "macos" {
		t.Fatalf("Platform = %q", opts.Platform)
	}

	p, err := prepareEvent(&SendOptions{Factory: env.Factory, Type: "device.unenrolled", Platform: "macOS", Sets: []string{"data.devices.0.name=MAC-1"}})
	if err != nil {
		t.Fatal(err)
	}
	body := p.ev.Body
	if os, pl, name := gjson.GetBytes(body, "data.devices.0.os").String(), gjson.GetBytes(body, "data.devices.0.platform").String(), gjson.GetBytes(body, "data.devices.0.name").String(); os != "macos" || pl != "macOS" || name != "MAC-1" {
		t.Errorf("os %q platform %q name %q", os, pl, name)
	}

	for _, tt := range []struct {
		opts SendOptions
		want string
	}{
		{SendOptions{Type: "device.activated", Platform: "ios"}, "device.activated is not sent for iOS devices: its supported platforms are android"},
		{SendOptions{Type: "device.unenrolled", Platform: "linux"}, "supported platforms are macos, windows"},
		{SendOptions{Type: "device.enrolled", Platform: "palm"}, `unknown platform "palm"`},
		{SendOptions{Type: "ping", Platform: "android"}, "not a device event"},
		{SendOptions{Type: "acme.custom", Data: `{"type":"acme.custom"}`, Platform: "android"}, "needs an event type of the catalogue"},
	} {
		o := tt.opts
		o.Factory = env.Factory
		_, err := prepareEvent(&o)
		if !errors.Is(err, apperr.ErrUsage) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s --platform %s: err = %v, want usage error with %q", o.Type, o.Platform, err, tt.want)
		}
	}
}
