package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/listener"
)

// TestReadmeFiltersMatchCatalogue: every `--filter '…'` in the README
// selects some of the built-in events it is shown with, so the example
// works as written (device events carry data.devices[], not data.device).
func TestReadmeFiltersMatchCatalogue(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	filters := regexp.MustCompile(`--filter '([^']+)'`).FindAllStringSubmatch(string(readme), -1)
	if len(filters) == 0 {
		t.Fatal("no --filter example in README.md")
	}
	events := catalog.Builtin().List("")
	for _, m := range filters {
		q := m[1]
		f, err := listener.CompileFilter(q)
		if err != nil {
			t.Errorf("README filter %q does not compile: %v", q, err)
			continue
		}
		var matched []string
		for _, e := range events {
			body, err := e.Build(catalog.BuildOptions{})
			if err != nil {
				t.Fatalf("building %s: %v", e.Type, err)
			}
			if f.Match(body) {
				matched = append(matched, e.Type)
			}
		}
		if len(matched) == 0 {
			t.Errorf("README filter %q matches none of the built-in events", q)
			continue
		}
		// The Android example selects Android devices only.
		if strings.Contains(q, `"android"`) {
			for _, typ := range matched {
				e, _ := catalog.Builtin().Get(typ)
				body, _ := e.Build(catalog.BuildOptions{})
				if !gjson.GetBytes(body, `data.devices.#(os=="android")`).Exists() {
					t.Errorf("README filter %q matches %s, which has no Android device", q, typ)
				}
			}
		}
		t.Logf("%s matches %d events: %s", q, len(matched), strings.Join(matched, ", "))
	}
}
