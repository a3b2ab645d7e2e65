package events

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/cmdtest"
	"github.com/hookctl/hookctl/internal/cmdutil"
)

func TestListFlags(t *testing.T) {
	env := cmdtest.New(t, false)
	opts, _ := cmdtest.ParseFlags(t, env, NewCmdList, "--platform iOS --category device-update", "")
	if opts.Platform != "ios" || opts.Category != "Device Update" {
		t.Errorf("platform %q category %q, want ios, Device Update", opts.Platform, opts.Category)
	}
	cmdtest.ParseFlags(t, env, NewCmdList, "--platform symbian", `unknown platform "symbian" (known: android, ios, macos, windows, linux)`)
	cmdtest.ParseFlags(t, env, NewCmdList, "--category billing", `unknown category "billing"`)
}

func TestListFiltersAndColumns(t *testing.T) {
	env := cmdtest.New(t, false)
	env.Factory.Globals.Output = cmdutil.FormatJSON
	if err := listRun(&ListOptions{Factory: env.Factory, Platform: "android", Category: "Enrollment"}); err != nil {
		t.Fatal(err)
	}
	var items []listItem
	if err := json.Unmarshal(env.Out.Bytes(), &items); err != nil {
		t.Fatalf("%v: %s", err, env.Out)
	}
	var types []string
	for _, it := range items {
		types = append(types, it.Type)
		if it.Category != "Enrollment" || !strings.Contains(strings.Join(it.Platforms, ","), "android") {
			t.Errorf("%s: category %q platforms %v", it.Type, it.Category, it.Platforms)
		}
	}
	if got := strings.Join(types, ","); got != "device.activated,device.deleted,device.enrolled" {
		t.Errorf("types = %s", got)
	}
	// The JSON field names.
	if r := gjson.GetBytes(env.Out.Bytes(), `#(type=="device.activated").platforms|@ugly`); r.Raw != `["android"]` {
		t.Errorf("platforms of device.activated = %s", r.Raw)
	}

	// The table has the two columns; piped, tab-separated.
	env = cmdtest.New(t, false)
	if err := listRun(&ListOptions{Factory: env.Factory, Category: "Enrollment"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(env.Out.String(), "device.unenrolled\tscalefusion\thmac-sha256\tEnrollment\tmacos,windows\t") {
		t.Errorf("table:\n%s", env.Out)
	}
	if strings.Contains(env.Out.String(), "device.locked") {
		t.Errorf("a Management event in the Enrollment list:\n%s", env.Out)
	}

	// Nothing matches: an empty list, exit 0.
	env = cmdtest.New(t, false)
	if err := listRun(&ListOptions{Factory: env.Factory, Provider: "stripe", Platform: "ios"}); err != nil || env.Out.Len() != 0 {
		t.Errorf("err %v, out %q", err, env.Out)
	}
}

func TestShowPlatform(t *testing.T) {
	env := cmdtest.New(t, false)
	env.Factory.Globals.Output = cmdutil.FormatJSON
	if err := showRun(&ShowOptions{Factory: env.Factory, Type: "device.enrolled", Platform: "ios"}); err != nil {
		t.Fatal(err)
	}
	out := env.Out.Bytes()
	if os, p := gjson.GetBytes(out, "payload.data.devices.0.os").String(), gjson.GetBytes(out, "payload.data.devices.0.platform").String(); os != "ios" || p != "iOS" {
		t.Errorf("os %q platform %q", os, p)
	}
	if gjson.GetBytes(out, "category").String() != "Enrollment" || len(gjson.GetBytes(out, "platforms").Array()) != 5 {
		t.Errorf("metadata: %s", out)
	}

	// Refused: usage error naming the supported platforms.
	env = cmdtest.New(t, false)
	err := showRun(&ShowOptions{Factory: env.Factory, Type: "device.activated", Platform: "ios"})
	if !errors.Is(err, apperr.ErrUsage) || !strings.Contains(err.Error(), "supported platforms are android") {
		t.Errorf("err = %v", err)
	}
	if env.Out.Len() != 0 {
		t.Errorf("printed %q", env.Out)
	}

	// Human output names the category and the platforms.
	env = cmdtest.New(t, false)
	if err := showRun(&ShowOptions{Factory: env.Factory, Type: "device.unenrolled"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(env.Out.String(), "category: Enrollment; platforms: macOS, Windows") {
		t.Errorf("show:\n%s", env.Out)
	}
}
