package routes

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hookctl/hookctl/internal/apperr"
)

func TestNormalizeURL(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{in: "http://localhost:3000/hook", want: "http://localhost:3000/hook"},
		{in: "https://example.com", want: "https://example.com"},
		{in: "localhost:3000/hook", want: "http://localhost:3000/hook"},
		{in: "localhost:3000/hook?next=http://x", want: "http://localhost:3000/hook?next=http://x"},
		{in: "127.0.0.1:8080", want: "http://127.0.0.1:8080"},
		{in: "[::1]:8080/x", want: "http://[::1]:8080/x"},
		{in: "example.com/a?b=c&d=e", want: "http://example.com/a?b=c&d=e"},
		{in: "3000", want: "http://localhost:3000"},
		{in: ":3000/hook", want: "http://localhost:3000/hook"},
		{in: "  localhost:3000  ", want: "http://localhost:3000"},
		{in: "HTTP://Localhost:1", want: "HTTP://Localhost:1"},
		{in: "", err: "empty URL"},
		{in: "/hook", err: "no host: use e.g. localhost:3000/hook"},
		{in: "ftp://x/y", err: "only http:// and https://"},
		{in: "http://", err: "no valid host"},
		{in: "http://:3000/x", err: "no valid host"},
		{in: "70000", err: "port 70000 is not 1-65535"},
		{in: "localhost:0", err: "port 0 is not 1-65535"},
		{in: "localhost:abc", err: "invalid port"},
		{in: "=http://x", err: "no pattern before '='"},
		{in: "http://a b/", err: "invalid"},
	}
	for _, tt := range tests {
		got, err := NormalizeURL(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.Is(err, apperr.ErrUsage) {
				t.Errorf("NormalizeURL(%q) = %q, %v; want error containing %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("NormalizeURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   Table
		err    string
	}{
		{name: "none", values: nil, want: nil},
		{name: "bare URL", values: []string{"http://localhost:3000/hook"},
			want: Table{{To: []string{"http://localhost:3000/hook"}, Origin: `--forward-to "http://localhost:3000/hook"`}}},
		{name: "bare without scheme", values: []string{"localhost:3000/hook"},
			want: Table{{To: []string{"http://localhost:3000/hook"}, Origin: `--forward-to "localhost:3000/hook"`}}},
		{name: "pattern", values: []string{"device.*=http://localhost:3000/devices", "push=localhost:4000/github"},
			want: Table{
				{Patterns: []string{"device.*"}, To: []string{"http://localhost:3000/devices"}, Origin: `--forward-to "device.*=http://localhost:3000/devices"`},
				{Patterns: []string{"push"}, To: []string{"http://localhost:4000/github"}, Origin: `--forward-to "push=localhost:4000/github"`},
			}},
		{name: "several patterns", values: []string{"order.created, order.paid=:5000/orders"},
			want: Table{{Patterns: []string{"order.created", "order.paid"}, To: []string{"http://localhost:5000/orders"}, Origin: `--forward-to "order.created, order.paid=:5000/orders"`}}},
		{name: "star", values: []string{"*=3000"},
			want: Table{{Patterns: []string{"*"}, To: []string{"http://localhost:3000"}, Origin: `--forward-to "*=3000"`}}},
		{name: "pattern and URL with '='", values: []string{"push=http://localhost:4000/gh?token=a=b"},
			want: Table{{Patterns: []string{"push"}, To: []string{"http://localhost:4000/gh?token=a=b"}, Origin: `--forward-to "push=http://localhost:4000/gh?token=a=b"`}}},
		// '=' in a query of a bare URL: the part before '=' has ':' '/' or '?'.
		{name: "bare URL with query", values: []string{"http://localhost:3000/hook?env=dev"},
			want: Table{{To: []string{"http://localhost:3000/hook?env=dev"}, Origin: `--forward-to "http://localhost:3000/hook?env=dev"`}}},
		{name: "bare URL without scheme with query", values: []string{"localhost:3000/hook?env=dev"},
			want: Table{{To: []string{"http://localhost:3000/hook?env=dev"}, Origin: `--forward-to "localhost:3000/hook?env=dev"`}}},
		{name: "host and query only", values: []string{"example.com?env=dev"},
			want: Table{{To: []string{"http://example.com?env=dev"}, Origin: `--forward-to "example.com?env=dev"`}}},
		{name: "no URL after pattern", values: []string{"push="}, err: `no URL after "push="`},
		{name: "bad URL after pattern", values: []string{"push=ftp://x"}, err: `invalid --forward-to "push=ftp://x": invalid URL "ftp://x": only http://`},
		{name: "pattern with colon", values: []string{"github:push=http://x"}, err: "can only be routed in a --routes file"},
		{name: "no pattern", values: []string{"=http://x"}, err: "no pattern before '='"},
		{name: "invalid pattern is a URL", values: []string{"dev ice=http://x"}, err: `invalid --forward-to "dev ice=http://x"`},
		{name: "second value wrong", values: []string{"push=:1", "nope://x"}, err: `invalid --forward-to "nope://x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.values)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.Is(err, apperr.ErrUsage) {
					t.Fatalf("Parse(%q) = %+v, %v; want error containing %q", tt.values, got, err, tt.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Parse(%q) =\n %+v, %v\nwant\n %+v", tt.values, got, err, tt.want)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	env := http.Header{"X-Env": {"dev"}}
	table := Table{
		{Patterns: []string{"device.*"}, To: []string{"http://a/devices"}, Headers: env},
		{Patterns: []string{"push", "pull_request"}, To: []string{"http://b/github", "http://c/audit"}},
		{To: []string{"http://c/audit"}},                                    // catch-all, URL already taken by push
		{Patterns: []string{"*"}, To: []string{"http://d/all"}},             // catch-all by pattern
		{Patterns: []string{"*.deleted"}, To: []string{"http://a/devices"}}, // same URL as the first route
	}
	tg := func(url, route string, h http.Header) Target { return Target{URL: url, Route: route, Headers: h} }
	tests := []struct {
		event string
		want  []Target
	}{
		{"device.enrolled", []Target{tg("http://a/devices", "device.*", env), tg("http://c/audit", "", nil), tg("http://d/all", "*", nil)}},
		{"push", []Target{tg("http://b/github", "push", nil), tg("http://c/audit", "push", nil), tg("http://d/all", "*", nil)}},
		{"pull_request", []Target{tg("http://b/github", "pull_request", nil), tg("http://c/audit", "pull_request", nil), tg("http://d/all", "*", nil)}},
		{"user.deleted", []Target{tg("http://c/audit", "", nil), tg("http://d/all", "*", nil), tg("http://a/devices", "*.deleted", nil)}},
		{"device.deleted", []Target{tg("http://a/devices", "device.*", env), tg("http://c/audit", "", nil), tg("http://d/all", "*", nil)}},
		{"", []Target{tg("http://c/audit", "", nil), tg("http://d/all", "*", nil)}},
	}
	for _, tt := range tests {
		if got := table.Match(tt.event); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Match(%q) =\n %+v\nwant\n %+v", tt.event, got, tt.want)
		}
	}

	only := Table{{Patterns: []string{"device.*"}, To: []string{"http://a"}}, {Patterns: []string{"*.created"}, To: []string{"http://b"}}}
	if got := only.Match(""); got != nil {
		t.Errorf("unknown event type matched %+v; want only catch-alls", got)
	}
	if got := only.Match("push"); got != nil {
		t.Errorf("push matched %+v", got)
	}
	if got := Table(nil).Match("push"); got != nil {
		t.Errorf("empty table matched %+v", got)
	}
	if got := table.URLs(); !reflect.DeepEqual(got, []string{"http://a/devices", "http://b/github", "http://c/audit", "http://d/all"}) {
		t.Errorf("URLs() = %q", got)
	}
}

func TestRouteLabelAndCatchAll(t *testing.T) {
	for _, tt := range []struct {
		r        Route
		label    string
		catchAll bool
	}{
		{Route{}, "", true},
		{Route{Patterns: []string{"*"}}, "*", true},
		{Route{Patterns: []string{"device.*", "push"}}, "device.*, push", false},
	} {
		if tt.r.Label() != tt.label || tt.r.CatchAll() != tt.catchAll {
			t.Errorf("%+v: Label %q CatchAll %v", tt.r, tt.r.Label(), tt.r.CatchAll())
		}
	}
}

func TestParseYAML(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want Table
		err  string
	}{
		{name: "example", yaml: `routes:
  - events: ["device.*"]
    to: [http://localhost:3000/devices]
    headers: {X-Env: dev}
  - events: push
    to: localhost:4000/github
  - to:
      - :5000/all
      - http://localhost:6000/audit?k=v
    headers:
      x-multi: [a, b]
      X-Num: 42
`, want: Table{
			{Patterns: []string{"device.*"}, To: []string{"http://localhost:3000/devices"}, Headers: http.Header{"X-Env": {"dev"}}, Origin: "r.yaml:2"},
			{Patterns: []string{"push"}, To: []string{"http://localhost:4000/github"}, Origin: "r.yaml:5"},
			{To: []string{"http://localhost:5000/all", "http://localhost:6000/audit?k=v"}, Headers: http.Header{"X-Multi": {"a", "b"}, "X-Num": {"42"}}, Origin: "r.yaml:7"},
		}},
		{name: "patterns with colon and slash", yaml: "routes:\n  - events: [\"github:push\", a/b]\n    to: http://x\n",
			want: Table{{Patterns: []string{"github:push", "a/b"}, To: []string{"http://x"}, Origin: "r.yaml:2"}}},
		{name: "anchors", yaml: "x: &u http://x\nroutes:\n  - to: *u\n", err: `r.yaml:1: unknown key "x"`},
		{name: "alias values", yaml: "routes:\n  - to: &u http://x\n  - events: push\n    to: *u\n",
			want: Table{{To: []string{"http://x"}, Origin: "r.yaml:2"}, {Patterns: []string{"push"}, To: []string{"http://x"}, Origin: "r.yaml:3"}}},
		{name: "empty file", yaml: "", err: "r.yaml: the file is empty"},
		{name: "comments only", yaml: "# nothing\n", err: "r.yaml: the file is empty"},
		{name: "not a mapping", yaml: "- to: http://x\n", err: "r.yaml:1: expected routes:"},
		{name: "no routes key", yaml: "route:\n  - to: x\n", err: `r.yaml:1: unknown key "route"`},
		{name: "routes not a list", yaml: "routes:\n  to: http://x\n", err: "r.yaml:2: routes must be a list"},
		{name: "routes empty", yaml: "routes: []\n", err: "r.yaml:1: routes is empty"},
		{name: "routes null", yaml: "routes:\n", err: "routes must be a list"},
		{name: "item not a mapping", yaml: "routes:\n  - http://x\n", err: "r.yaml:2: route 1 must be a mapping"},
		{name: "no to", yaml: "routes:\n  - to: http://x\n  - events: push\n", err: "r.yaml:3: route 2: to is required"},
		{name: "empty to", yaml: "routes:\n  - to: []\n", err: "r.yaml:2: route 1: to is empty"},
		{name: "bad URL in list", yaml: "routes:\n  - to:\n      - http://ok\n      - ftp://x\n", err: `r.yaml:4: route 1: invalid URL "ftp://x": only http://`},
		{name: "bad pattern", yaml: "routes:\n  - events: [push, \"dev ice\"]\n    to: http://x\n", err: `r.yaml:2: route 1: invalid event pattern "dev ice"`},
		{name: "bad pattern on its line", yaml: "routes:\n  - events:\n      - push\n      - \"a b\"\n    to: http://x\n", err: `r.yaml:4: route 1: invalid event pattern`},
		{name: "empty events", yaml: "routes:\n  - events: []\n    to: http://x\n", err: "r.yaml:2: route 1: events is empty: leave events out"},
		{name: "null events", yaml: "routes:\n  - events:\n    to: http://x\n", err: "route 1: events is empty"},
		{name: "events mapping", yaml: "routes:\n  - events: {a: b}\n    to: http://x\n", err: "r.yaml:2: events: expected an event pattern or a list"},
		{name: "unknown key hint", yaml: "routes:\n  - event: push\n    to: http://x\n", err: `r.yaml:2: route 1: unknown key "event" (did you mean events?)`},
		{name: "url key hint", yaml: "routes:\n  - url: http://x\n", err: `(did you mean to?)`},
		{name: "duplicate key", yaml: "routes:\n  - to: http://x\n    to: http://y\n", err: `r.yaml:3: "to" appears twice`},
		{name: "headers not a mapping", yaml: "routes:\n  - to: http://x\n    headers: [a]\n", err: "r.yaml:3: route 1: headers must be a mapping"},
		{name: "bad header name", yaml: "routes:\n  - to: http://x\n    headers: {\"X Env\": dev}\n", err: `r.yaml:3: route 1: invalid header name "X Env"`},
		{name: "reserved header", yaml: "routes:\n  - to: http://x\n    headers:\n      host: evil\n", err: "r.yaml:4: route 1: header Host cannot be set"},
		{name: "header twice after canonicalization", yaml: "routes:\n  - to: http://x\n    headers:\n      x-a: 1\n      X-A: 2\n", err: "r.yaml:5: route 1: header X-A appears twice"},
		{name: "syntax error", yaml: "routes:\n  - to: [http://x\n", err: "r.yaml: line"},
		{name: "two documents", yaml: "routes:\n  - to: http://x\n---\nroutes: []\n", err: "r.yaml:3: a second YAML document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseYAML("r.yaml", []byte(tt.yaml))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.Is(err, apperr.ErrUsage) {
					t.Fatalf("got %+v, %v; want error containing %q", got, err, tt.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got\n %+v, %v\nwant\n %+v", got, err, tt.want)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "routes.yaml")
	if err := os.WriteFile(path, []byte("routes:\n  - events: push\n    to: :4000/github\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	want := Table{{Patterns: []string{"push"}, To: []string{"http://localhost:4000/github"}, Origin: path + ":2"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Load = %+v, %v", got, err)
	}
	for _, bad := range []struct{ path, err string }{
		{filepath.Join(dir, "missing.yaml"), "no such file"},
		{dir, "not a regular file"},
	} {
		if _, err := Load(bad.path); err == nil || !strings.Contains(err.Error(), bad.err) || !errors.Is(err, apperr.ErrUsage) {
			t.Errorf("Load(%s) error %v, want %q", bad.path, err, bad.err)
		}
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte("#"+strings.Repeat("x", MaxFileSize)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("big file: %v", err)
	}
}
