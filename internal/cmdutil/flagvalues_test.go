package cmdutil

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hookctl/hookctl/internal/apperr"
)

// parse runs a command with the flags add registers over args, the way
// Main does (FlagErrorFunc), and returns the error.
func parse(t *testing.T, add func(cmd *cobra.Command), args ...string) error {
	t.Helper()
	cmd := &cobra.Command{Use: "x", RunE: func(*cobra.Command, []string) error { return nil }, SilenceErrors: true, SilenceUsage: true}
	add(cmd)
	cmd.SetFlagErrorFunc(FlagErrorFunc)
	cmd.SetArgs(args)
	_, err := cmd.ExecuteC()
	return err
}

// checkErr fails unless err is a usage error equal to want ("" = no error).
func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Fatalf("err = %v, want none", err)
	case want == "":
	case err == nil:
		t.Fatalf("no error, want %q", want)
	case err.Error() != want || !errors.Is(err, apperr.ErrUsage):
		t.Fatalf("err = %v (usage: %t), want usage error %q", err, errors.Is(err, apperr.ErrUsage), want)
	}
}

func TestRate(t *testing.T) {
	tests := []struct {
		in      string
		want    float64
		str     string
		wantErr string
	}{
		{in: "100", want: 100, str: "100/s"},
		{in: "100/s", want: 100, str: "100/s"},
		{in: " 600/m", want: 10, str: "10/s"},
		{in: "1800/h", want: 0.5, str: "0.5/s"},
		{in: "0", wantErr: `invalid --rate "0": use a positive number per second, e.g. 100 or 100/s or 600/m`},
		{in: "fast", wantErr: `invalid --rate "fast": use a positive number per second, e.g. 100 or 100/s or 600/m`},
		{in: "-5", wantErr: `invalid --rate "-5": use a positive number per second, e.g. 100 or 100/s or 600/m`},
		{in: "10/d", wantErr: `invalid --rate "10/d": the unit is /s, /m or /h`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var got float64
			var v *Rate
			err := parse(t, func(cmd *cobra.Command) { v = RateVar(cmd.Flags(), &got, "rate", "") }, "--rate", tt.in)
			checkErr(t, err, tt.wantErr)
			if tt.wantErr != "" {
				return
			}
			if got != tt.want || v.String() != tt.str {
				t.Errorf("got %v (%q), want %v (%q)", got, v.String(), tt.want, tt.str)
			}
		})
	}
	var unset float64
	if v := (&Rate{p: &unset}); v.String() != "" || v.Type() != "rate" {
		t.Errorf("unset rate: String %q, Type %q", v.String(), v.Type())
	}
}

func TestStatusExpectation(t *testing.T) {
	tests := []struct {
		in        string
		want      StatusExpectation
		match, no []int
		wantErr   string
	}{
		{in: "2xx", want: StatusExpectation{Class: 2}, match: []int{200, 204, 299}, no: []int{199, 300, 404}},
		{in: "4XX", want: StatusExpectation{Class: 4}, match: []int{400, 404}, no: []int{200, 500}},
		{in: "404", want: StatusExpectation{Code: 404}, match: []int{404}, no: []int{400, 200}},
		{in: "6xx", wantErr: `invalid --expect-status "6xx": use 2xx, 4xx … or a status code such as 404`},
		{in: "99", wantErr: `invalid --expect-status "99": use 2xx, 4xx … or a status code such as 404`},
		{in: "ok", wantErr: `invalid --expect-status "ok": use 2xx, 4xx … or a status code such as 404`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var got *StatusExpectation
			var v *StatusExpectationValue
			err := parse(t, func(cmd *cobra.Command) { v = StatusExpectationVar(cmd.Flags(), &got, "expect-status", "") }, "--expect-status", tt.in)
			checkErr(t, err, tt.wantErr)
			if tt.wantErr != "" {
				if got != nil {
					t.Errorf("a bad value set %+v", got)
				}
				return
			}
			if got == nil || *got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			if v.String() != strings.ToLower(tt.in) {
				t.Errorf("String = %q", v.String())
			}
			for _, c := range tt.match {
				if !got.Match(c) {
					t.Errorf("%d should match", c)
				}
			}
			for _, c := range tt.no {
				if got.Match(c) {
					t.Errorf("%d should not match", c)
				}
			}
		})
	}
	var none *StatusExpectation
	if err := parse(t, func(cmd *cobra.Command) { StatusExpectationVar(cmd.Flags(), &none, "expect-status", "") }); err != nil || none != nil {
		t.Errorf("not given: %+v, %v; want nil", none, err)
	}
}

func TestByteSize(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		str     string
		wantErr string
	}{
		{in: "5MiB", want: 5 << 20, str: "5MiB"},
		{in: "512KiB", want: 512 << 10, str: "512KiB"},
		{in: "10MB", want: 10e6, str: "10000000B"},
		{in: "100", want: 100, str: "100B"},
		{in: "1.5 MiB", want: 3 << 19, str: "1536KiB"},
		{in: "2k", want: 2048, str: "2KiB"},
		{in: "1G", want: 1 << 30, str: "1GiB"},
		{in: "100B", want: 100, str: "100B"},
		{in: "lots", wantErr: `invalid size "lots": use e.g. 512KiB, 5MiB or a byte count`},
		{in: "0", wantErr: `invalid size "0": use e.g. 512KiB, 5MiB or a byte count`},
		{in: "-1MiB", wantErr: `invalid size "-1MiB": use e.g. 512KiB, 5MiB or a byte count`},
		{in: "", wantErr: `invalid size "": use e.g. 512KiB, 5MiB or a byte count`},
		{in: "1e30GiB", wantErr: `invalid size "1e30GiB": use e.g. 512KiB, 5MiB or a byte count`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var got int64
			var v *ByteSize
			err := parse(t, func(cmd *cobra.Command) { v = ByteSizeVar(cmd.Flags(), &got, "max-body", 5<<20, "") }, "--max-body", tt.in)
			checkErr(t, err, tt.wantErr)
			if tt.wantErr != "" {
				return
			}
			if got != tt.want || v.String() != tt.str {
				t.Errorf("got %d (%q), want %d (%q)", got, v.String(), tt.want, tt.str)
			}
		})
	}
	var def int64
	if err := parse(t, func(cmd *cobra.Command) { ByteSizeVar(cmd.Flags(), &def, "max-body", 5<<20, "") }); err != nil || def != 5<<20 {
		t.Errorf("default: %d, %v", def, err)
	}
}

func TestDuration(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		str     string
		wantErr string
	}{
		{in: "90m", want: 90 * time.Minute, str: "1h30m"},
		{in: "36h", want: 36 * time.Hour, str: "36h"},
		{in: "7d", want: 7 * 24 * time.Hour, str: "168h"},
		{in: "2w", want: 14 * 24 * time.Hour, str: "336h"},
		{in: "1d12h", want: 36 * time.Hour, str: "36h"},
		{in: "1.5d", want: 36 * time.Hour, str: "36h"},
		{in: "0", want: 0, str: "0s"},
		{in: "45s", want: 45 * time.Second, str: "45s"},
		{in: "-1d", want: -24 * time.Hour, str: "-24h"},
		{in: "2x", wantErr: `invalid --keep-old "2x": use a duration such as 90m, 36h or 7d`},
		{in: "d", wantErr: `invalid --keep-old "d": use a duration such as 90m, 36h or 7d`},
		{in: "7", wantErr: `invalid --keep-old "7": use a duration such as 90m, 36h or 7d`},
		{in: "", wantErr: `invalid --keep-old "": use a duration such as 90m, 36h or 7d`},
		{in: "999999999w", wantErr: `invalid --keep-old "999999999w": use a duration such as 90m, 36h or 7d`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := time.Minute
			var v *Duration
			err := parse(t, func(cmd *cobra.Command) { v = DurationVar(cmd.Flags(), &got, "keep-old", 24*time.Hour, "") }, "--keep-old="+tt.in)
			checkErr(t, err, tt.wantErr)
			if tt.wantErr != "" {
				return
			}
			if got != tt.want || v.String() != tt.str {
				t.Errorf("got %v (%q), want %v (%q)", got, v.String(), tt.want, tt.str)
			}
		})
	}
	var def time.Duration
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	DurationVar(fs, &def, "keep-old", 24*time.Hour, "")
	if f := fs.Lookup("keep-old"); def != 24*time.Hour || f.DefValue != "24h" || f.Value.Type() != "duration" {
		t.Errorf("default %v, DefValue %q, Type %q", def, f.DefValue, f.Value.Type())
	}
}

func TestSince(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.FixedZone("CET", 3600))
	tests := []struct {
		in      string
		want    time.Time
		wantErr string
	}{
		{in: "24h", want: now.Add(-24 * time.Hour).UTC()},
		{in: "7d", want: now.Add(-7 * 24 * time.Hour).UTC()},
		{in: "1w", want: now.Add(-7 * 24 * time.Hour).UTC()},
		{in: "90m", want: now.Add(-90 * time.Minute).UTC()},
		{in: "0", want: now.UTC()},
		{in: "2026-11-23", want: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)},
		{in: "2026-11-01T10:00:00+01:00", want: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)},
		{in: "2026-11-01T10:00:00.5Z", want: time.Date(2026, 11, 1, 10, 0, 0, 5e8, time.UTC)},
		{in: "0001-01-01T00:00:00Z", want: time.Time{}},
		{in: "yesterday", wantErr: `invalid --since "yesterday": use an RFC 3339 time (2026-11-23T10:00:00Z), a date (2026-11-23) or a duration ago (24h, 7d)`},
		{in: "-1h", wantErr: `invalid --since "-1h": use an RFC 3339 time (2026-11-23T10:00:00Z), a date (2026-11-23) or a duration ago (24h, 7d)`},
		{in: "2026-13-01", wantErr: `invalid --since "2026-13-01": use an RFC 3339 time (2026-11-23T10:00:00Z), a date (2026-11-23) or a duration ago (24h, 7d)`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var s Since
			err := parse(t, func(cmd *cobra.Command) { SinceVar(cmd.Flags(), &s, "since", "") }, "--since="+tt.in)
			checkErr(t, err, tt.wantErr)
			if tt.wantErr != "" {
				return
			}
			if got := s.Time(now); !got.Equal(tt.want) || got.Location() != time.UTC || !s.IsSet() || s.String() != tt.in {
				t.Errorf("Time = %v (set %t, String %q), want %v", got, s.IsSet(), s.String(), tt.want)
			}
		})
	}
	var s Since
	if err := parse(t, func(cmd *cobra.Command) { SinceVar(cmd.Flags(), &s, "until", "") }); err != nil || !s.Time(now).IsZero() || s.IsSet() || s.String() != "" || s.Type() != "time" {
		t.Errorf("not given: %v, %v", s.Time(now), err)
	}
	checkErr(t, parse(t, func(cmd *cobra.Command) { SinceVar(cmd.Flags(), &s, "until", "") }, "--until", "soon"),
		`invalid --until "soon": use an RFC 3339 time (2026-11-23T10:00:00Z), a date (2026-11-23) or a duration ago (24h, 7d)`)
}

func TestStringEnumFlag(t *testing.T) {
	formats := []string{"pretty", "compact", "json", "raw"}
	tests := []struct {
		name    string
		args    []string
		def     string
		want    string
		wantErr string
	}{
		{name: "default", def: "pretty", want: "pretty"},
		{name: "empty default", def: "", want: ""},
		{name: "given", args: []string{"--format", "json"}, want: "json"},
		{name: "shorthand", args: []string{"-f", "raw"}, want: "raw"},
		{name: "bad", args: []string{"--format", "yaml"}, wantErr: `invalid --format "yaml": use pretty, compact, json or raw`},
		{name: "case matters", args: []string{"--format=JSON"}, wantErr: `invalid --format "JSON": use pretty, compact, json or raw`},
		{name: "empty", args: []string{"--format="}, wantErr: `invalid --format "": use pretty, compact, json or raw`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got string
			var f *pflag.Flag
			err := parse(t, func(cmd *cobra.Command) {
				f = StringEnumFlag(cmd, &got, "format", "f", tt.def, formats, "output")
			}, tt.args...)
			checkErr(t, err, tt.wantErr)
			if tt.wantErr == "" && (got != tt.want || f.Value.String() != tt.want) {
				t.Errorf("got %q (String %q), want %q", got, f.Value.String(), tt.want)
			}
		})
	}

	cmd := &cobra.Command{Use: "x"}
	var v string
	f := StringEnumFlag(cmd, &v, "format", "", "pretty", formats, "output: how requests are shown")
	if f.Usage != "output: how requests are shown {pretty|compact|json|raw}" || f.DefValue != "pretty" || f.Value.Type() != "string" {
		t.Errorf("usage %q, default %q, type %q", f.Usage, f.DefValue, f.Value.Type())
	}
	complete, ok := cmd.GetFlagCompletionFunc("format")
	if !ok {
		t.Fatal("no completion for --format")
	}
	got, directive := complete(cmd, nil, "")
	if strings.Join(got, ",") != "pretty,compact,json,raw" || directive != cobra.ShellCompDirectiveNoFileComp {
		t.Errorf("completion %q, %v", got, directive)
	}
}

func TestStringEnumPersistentFlag(t *testing.T) {
	var out string
	root := &cobra.Command{Use: "root", SilenceErrors: true, SilenceUsage: true}
	StringEnumPersistentFlag(root, &out, "output", "o", "text", []string{"text", "json"}, "output format")
	child := &cobra.Command{Use: "child", RunE: func(*cobra.Command, []string) error { return nil }}
	root.AddCommand(child)
	root.SetFlagErrorFunc(FlagErrorFunc)
	for _, tt := range []struct {
		args    []string
		want    string
		wantErr string
	}{
		{args: []string{"child"}, want: "text"},
		{args: []string{"child", "-o", "json"}, want: "json"},
		{args: []string{"child", "-o", "yaml"}, wantErr: `invalid --output "yaml": use text or json`},
	} {
		out = "text"
		root.SetArgs(tt.args)
		_, err := root.ExecuteC()
		checkErr(t, err, tt.wantErr)
		if tt.wantErr == "" && out != tt.want {
			t.Errorf("%v: got %q, want %q", tt.args, out, tt.want)
		}
	}
	if _, ok := root.GetFlagCompletionFunc("output"); !ok {
		t.Error("no completion for --output")
	}
}

func TestSchemeFlag(t *testing.T) {
	for _, tt := range []struct {
		auto    bool
		in      string
		wantErr string
	}{
		{in: "github"},
		{in: "hmac-sha256"},
		{auto: true, in: "auto"},
		{auto: true, in: "stripe"},
		{in: "auto", wantErr: `unknown scheme "auto": use one of standard, stripe, github, slack, shopify, hmac-sha256, ricloud`},
		{auto: true, in: "rot13", wantErr: `unknown scheme "rot13": use one of standard, stripe, github, slack, shopify, hmac-sha256, ricloud`},
	} {
		var got string
		var cmd *cobra.Command
		err := parse(t, func(c *cobra.Command) { cmd = c; SchemeFlag(c, &got, tt.auto, "signature scheme") }, "--scheme", tt.in)
		checkErr(t, err, tt.wantErr)
		if tt.wantErr == "" && got != tt.in {
			t.Errorf("got %q, want %q", got, tt.in)
		}
		complete, _ := cmd.GetFlagCompletionFunc("scheme")
		opts, _ := complete(cmd, nil, "")
		if (opts[0] == "auto") != tt.auto || len(opts) < 7 {
			t.Errorf("auto %t: completion %q", tt.auto, opts)
		}
	}
}

// Other flag errors still get pflag's text and the help hint.
func TestFlagErrorFuncKeepsOtherErrors(t *testing.T) {
	var n int
	err := parse(t, func(cmd *cobra.Command) { cmd.Flags().IntVar(&n, "count", 1, "") }, "--count", "many")
	if err == nil || !errors.Is(err, apperr.ErrUsage) || !strings.Contains(err.Error(), `invalid argument "many" for "--count" flag`) || !strings.Contains(err.Error(), `(run "x --help")`) {
		t.Errorf("err = %v", err)
	}
}

func TestOrList(t *testing.T) {
	for in, want := range map[string]string{"": "", "a": "a", "a,b": "a or b", "a,b,c": "a, b or c"} {
		var opts []string
		if in != "" {
			opts = strings.Split(in, ",")
		}
		if got := OrList(opts); got != want {
			t.Errorf("OrList(%q) = %q, want %q", opts, got, want)
		}
	}
}
