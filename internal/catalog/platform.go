package catalog

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/hookctl/hookctl/internal/apperr"
)

// Platforms are the device platforms an event may support (a template's
// "platforms"), in the order of the device-management provider's table.
// The names are what the payload's device "os" field holds.
var Platforms = []string{"android", "ios", "macos", "windows", "linux"}

// platformLabels is what a payload's device "platform" field holds.
var platformLabels = map[string]string{
	"android": "Android", "ios": "iOS", "macos": "macOS", "windows": "Windows", "linux": "Linux",
}

// Categories are the event categories a template's "category" may name (the
// device-management provider's three).
var Categories = []string{"Enrollment", "Management", "Device Update"}

// PlatformLabel returns how the provider writes a platform ("iOS" for ios);
// an unknown name is returned as is.
func PlatformLabel(p string) string {
	if l, ok := platformLabels[p]; ok {
		return l
	}
	return p
}

// ParsePlatform returns the platform name for s (any case, "iOS", "macOS"
// …), or an apperr.ErrUsage error naming the known ones.
func ParsePlatform(s string) (string, error) {
	p := strings.ToLower(strings.TrimSpace(s))
	if slices.Contains(Platforms, p) {
		return p, nil
	}
	return "", apperr.Usagef("unknown platform %q (known: %s)", s, strings.Join(Platforms, ", "))
}

// ParseCategory returns the category named by s (any case; "-" or "_" for
// the space: device-update), or an apperr.ErrUsage error naming them.
func ParseCategory(s string) (string, error) {
	want := normCategory(s)
	for _, c := range Categories {
		if normCategory(c) == want {
			return c, nil
		}
	}
	return "", apperr.Usagef("unknown category %q (known: %s)", s, strings.Join(quoteAll(Categories), ", "))
}

func normCategory(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.NewReplacer("-", " ", "_", " ").Replace(s)
	return strings.TrimSuffix(strings.Join(strings.Fields(s), " "), " events")
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = `"` + s + `"`
	}
	return out
}

// SupportsPlatform reports whether the event is sent for devices of platform
// p. An event without platforms (not a device event) supports none.
func (e Event) SupportsPlatform(p string) bool {
	return slices.Contains(e.Platforms, p)
}

// ListFilter narrows Filter: empty fields match everything.
type ListFilter struct {
	Provider string
	Platform string // one of Platforms
	Category string // one of Categories
}

// Filter returns the events of the catalogue that match f, sorted as List
// sorts them.
func (c *Catalog) Filter(f ListFilter) []Event {
	var out []Event
	for _, e := range c.List(f.Provider) {
		if f.Platform != "" && !e.SupportsPlatform(f.Platform) {
			continue
		}
		if f.Category != "" && !strings.EqualFold(e.Category, f.Category) {
			continue
		}
		out = append(out, e)
	}
	return out
}

// WithPlatform returns body with every device's "os" and "platform" fields
// (data.devices[], or data.device) set to platform p. The event must support
// p: otherwise, and for an unknown p or an event without platforms, it is an
// apperr.ErrUsage error naming the platforms the event supports.
func (e Event) WithPlatform(body []byte, p string) ([]byte, error) {
	name, err := ParsePlatform(p)
	if err != nil {
		return nil, err
	}
	if len(e.Platforms) == 0 {
		return nil, apperr.Usagef("--platform: %s is not a device event (it has no platforms)", e.Type)
	}
	if !e.SupportsPlatform(name) {
		return nil, apperr.Usagef("%s is not sent for %s devices: its supported platforms are %s",
			e.Type, PlatformLabel(name), strings.Join(e.Platforms, ", "))
	}
	if !json.Valid(body) {
		return nil, apperr.Usagef("cannot apply --platform: the payload is not valid JSON")
	}
	var paths []string
	if devs := gjson.GetBytes(body, "data.devices"); devs.IsArray() {
		for i := range len(devs.Array()) {
			paths = append(paths, "data.devices."+strconv.Itoa(i))
		}
	} else if gjson.GetBytes(body, "data.device").IsObject() {
		paths = append(paths, "data.device")
	}
	if len(paths) == 0 {
		return nil, apperr.Usagef("cannot apply --platform: the %s payload has no data.devices[] nor data.device", e.Type)
	}
	out := body
	for _, dp := range paths {
		if out, err = sjson.SetBytes(out, dp+".os", name); err != nil {
			return nil, err
		}
		if out, err = sjson.SetBytes(out, dp+".platform", PlatformLabel(name)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// checkPlatforms validates a template's platforms and category.
func checkPlatforms(e *Event) error {
	for _, p := range e.Platforms {
		if !slices.Contains(Platforms, p) {
			return apperr.Usagef("unknown platform %q (want some of %s)", p, strings.Join(Platforms, ", "))
		}
	}
	if e.Category != "" && !slices.Contains(Categories, e.Category) {
		return apperr.Usagef("unknown category %q (want one of %s)", e.Category, strings.Join(quoteAll(Categories), ", "))
	}
	return nil
}
