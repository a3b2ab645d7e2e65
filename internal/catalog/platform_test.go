package catalog

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/hookctl/hookctl/internal/apperr"
)

// seedPlatforms is the device-management provider's table of platforms per
// event (shared/reference/providers.md, Android / iOS / macOS / Windows /
// Linux), and seedCategory its three categories. The seed lists the
// categories and the events in order but does not say which event is in
// which category: the grouping is the table's order (four enrollment
// events; lock, lost, found and sign-in management events; power and
// property updates).
var seedPlatforms = map[string]string{
	"device.enrolled":                  "YYYYY",
	"device.activated":                 "Y----",
	"device.unenrolled":                "--YY-",
	"device.deleted":                   "YYYYY",
	"device.unlocked":                  "YYY-Y",
	"device.locked":                    "YYY-Y",
	"device.lost":                      "YY-Y-",
	"device.found":                     "YY-Y-",
	"user.signed_in":                   "Y-YY-",
	"user.signed_out":                  "Y-YY-",
	"device.shutdown":                  "YYYYY",
	"device.reboot":                    "YYYYY",
	"device.custom_properties_updated": "YYYYY",
	"device.sim_swap":                  "Y----",
}

var seedCategory = map[string]string{
	"device.enrolled": "Enrollment", "device.activated": "Enrollment", "device.unenrolled": "Enrollment", "device.deleted": "Enrollment",
	"device.unlocked": "Management", "device.locked": "Management", "device.lost": "Management", "device.found": "Management",
	"user.signed_in": "Management", "user.signed_out": "Management",
	"device.shutdown": "Device Update", "device.reboot": "Device Update",
	"device.custom_properties_updated": "Device Update", "device.sim_swap": "Device Update",
}

func TestDeviceEventsCarryTheSeedTable(t *testing.T) {
	evs := Builtin().List("scalefusion")
	if len(evs) != len(seedPlatforms) {
		t.Fatalf("%d scalefusion events, the seed has %d", len(evs), len(seedPlatforms))
	}
	for _, e := range evs {
		row, ok := seedPlatforms[e.Type]
		if !ok {
			t.Errorf("%s is not in the seed table", e.Type)
			continue
		}
		var want []string
		for i, c := range row {
			if c == 'Y' {
				want = append(want, Platforms[i])
			}
		}
		if !slices.Equal(e.Platforms, want) {
			t.Errorf("%s platforms = %v, seed says %v", e.Type, e.Platforms, want)
		}
		if e.Category == "" || e.Category != seedCategory[e.Type] {
			t.Errorf("%s category = %q, want %q", e.Type, e.Category, seedCategory[e.Type])
		}
	}
	// Every category has events.
	for _, c := range Categories {
		if len(Builtin().Filter(ListFilter{Category: c})) == 0 {
			t.Errorf("no event in category %q", c)
		}
	}
}

// TestExamplesUseASupportedPlatform: every device of every example payload
// is of a platform its event supports, with the provider's label.
func TestExamplesUseASupportedPlatform(t *testing.T) {
	for _, e := range Builtin().List("") {
		body, err := e.Build(BuildOptions{})
		if err != nil {
			t.Fatal(err)
		}
		devs := gjson.GetBytes(body, "data.devices")
		if len(e.Platforms) == 0 {
			if devs.Exists() {
				t.Errorf("%s has devices but no platforms", e.Type)
			}
			continue
		}
		if len(devs.Array()) == 0 {
			t.Errorf("%s: no data.devices in the example", e.Type)
		}
		for _, d := range devs.Array() {
			os, label := d.Get("os").String(), d.Get("platform").String()
			if !e.SupportsPlatform(os) {
				t.Errorf("%s example uses os %q; supported: %v", e.Type, os, e.Platforms)
			}
			if label != PlatformLabel(os) {
				t.Errorf("%s example: platform %q for os %q, want %q", e.Type, label, os, PlatformLabel(os))
			}
		}
	}
}

func TestFilter(t *testing.T) {
	c := Builtin()
	types := func(evs []Event) string {
		var out []string
		for _, e := range evs {
			out = append(out, e.Type)
		}
		return strings.Join(out, ",")
	}
	tests := []struct {
		f    ListFilter
		want string
	}{
		{ListFilter{Platform: "android", Category: "Enrollment"}, "device.activated,device.deleted,device.enrolled"},
		{ListFilter{Platform: "ios", Category: "Enrollment"}, "device.deleted,device.enrolled"},
		{ListFilter{Platform: "macos", Category: "Enrollment"}, "device.deleted,device.enrolled,device.unenrolled"},
		{ListFilter{Platform: "windows", Category: "Management"}, "device.found,device.lost,user.signed_in,user.signed_out"},
		{ListFilter{Category: "Device Update"}, "device.custom_properties_updated,device.reboot,device.shutdown,device.sim_swap"},
		{ListFilter{Platform: "linux", Category: "Device Update"}, "device.custom_properties_updated,device.reboot,device.shutdown"},
		{ListFilter{Provider: "stripe", Platform: "android"}, ""},
	}
	for _, tt := range tests {
		if got := types(c.Filter(tt.f)); got != tt.want {
			t.Errorf("Filter(%+v) = %s, want %s", tt.f, got, tt.want)
		}
	}
	if got := len(c.Filter(ListFilter{})); got != len(c.List("")) {
		t.Errorf("empty filter: %d events, want all %d", got, len(c.List("")))
	}
}

func TestParsePlatformAndCategory(t *testing.T) {
	for in, want := range map[string]string{"android": "android", "iOS": "ios", "macOS": "macos", " Windows ": "windows"} {
		if got, err := ParsePlatform(in); err != nil || got != want {
			t.Errorf("ParsePlatform(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParsePlatform("symbian"); !errors.Is(err, apperr.ErrUsage) || !strings.Contains(err.Error(), "android, ios, macos, windows, linux") {
		t.Errorf("ParsePlatform(symbian) = %v", err)
	}
	for in, want := range map[string]string{"enrollment": "Enrollment", "Management": "Management", "device-update": "Device Update", "device update events": "Device Update", "DEVICE_UPDATE": "Device Update"} {
		if got, err := ParseCategory(in); err != nil || got != want {
			t.Errorf("ParseCategory(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseCategory("billing"); !errors.Is(err, apperr.ErrUsage) || !strings.Contains(err.Error(), `"Device Update"`) {
		t.Errorf("ParseCategory(billing) = %v", err)
	}
}

func TestWithPlatform(t *testing.T) {
	c := Builtin()
	act, _ := c.Get("device.activated")
	body, _ := act.Build(BuildOptions{})
	// Refused: an Android-only event on iOS, naming the supported platforms.
	_, err := act.WithPlatform(body, "ios")
	if !errors.Is(err, apperr.ErrUsage) || !strings.Contains(err.Error(), "iOS") || !strings.Contains(err.Error(), "supported platforms are android") {
		t.Errorf("device.activated on ios: %v", err)
	}
	unen, _ := c.Get("device.unenrolled")
	ub, _ := unen.Build(BuildOptions{})
	if _, err := unen.WithPlatform(ub, "android"); err == nil || !strings.Contains(err.Error(), "macos, windows") {
		t.Errorf("device.unenrolled on android: %v", err)
	}
	// Accepted: the device's os and platform change, nothing else.
	out, err := unen.WithPlatform(ub, "macOS")
	if err != nil {
		t.Fatal(err)
	}
	if os, p := gjson.GetBytes(out, "data.devices.0.os").String(), gjson.GetBytes(out, "data.devices.0.platform").String(); os != "macos" || p != "macOS" {
		t.Errorf("os %q platform %q, want macos macOS", os, p)
	}
	if gjson.GetBytes(out, "data.devices.0.id").String() != gjson.GetBytes(ub, "data.devices.0.id").String() {
		t.Error("WithPlatform changed the device id")
	}
	// Unknown platform, non-device event.
	if _, err := unen.WithPlatform(ub, "beos"); !errors.Is(err, apperr.ErrUsage) {
		t.Errorf("unknown platform: %v", err)
	}
	ping, _ := c.Get("ping")
	pb, _ := ping.Build(BuildOptions{})
	if _, err := ping.WithPlatform(pb, "android"); !errors.Is(err, apperr.ErrUsage) || !strings.Contains(err.Error(), "not a device event") {
		t.Errorf("ping: %v", err)
	}
	// A template with an unknown platform or category does not load.
	for _, bad := range []string{`"platforms":["palm"]`, `"category":"Billing"`} {
		_, err := parseEvent("x.json", []byte(`{"type":"x","provider":"p",`+bad+`,"payload":{}}`))
		if !errors.Is(err, apperr.ErrUsage) {
			t.Errorf("%s: %v", bad, err)
		}
	}
}
