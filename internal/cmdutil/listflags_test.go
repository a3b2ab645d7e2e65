package cmdutil

import (
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/hookctl/hookctl/internal/apperr"
)

func parseFlags(t *testing.T, register func(fs *pflag.FlagSet), args ...string) error {
	t.Helper()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	register(fs)
	return fs.Parse(args)
}

func TestStringList(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		def  []string
		want []string
	}{
		{"absent", nil, nil, nil},
		{"absent keeps the default", nil, []string{"*"}, []string{"*"}},
		{"one", []string{"--event", "a"}, nil, []string{"a"}},
		{"repeated", []string{"--event", "a", "--event", "b"}, nil, []string{"a", "b"}},
		{"comma-separated", []string{"--event", "a,b"}, nil, []string{"a", "b"}},
		{"mixed", []string{"--event=a,b", "--event", "c"}, nil, []string{"a", "b", "c"}},
		{"blanks and empty items dropped", []string{"--event", " a , ,b,"}, nil, []string{"a", "b"}},
		{"patterns", []string{"--event", "device.*,user.signed_in"}, nil, []string{"device.*", "user.signed_in"}},
		{"given replaces the default", []string{"--event", "a"}, []string{"*"}, []string{"a"}},
		{"shorthand", []string{"-e", "a,b", "-e", "c"}, nil, []string{"a", "b", "c"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := slices.Clone(tt.def)
			if err := parseFlags(t, func(fs *pflag.FlagSet) { StringListVar(fs, &got, "event", "e", "") }, tt.args...); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestStringListTwoNamesShareOneList(t *testing.T) {
	var got []string
	err := parseFlags(t, func(fs *pflag.FlagSet) {
		f := StringListVar(fs, &got, "events", "", "")
		fs.Var(f.Value, "event", "")
	}, "--events", "a,b", "--event", "c", "--events", "d")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "b", "c", "d"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestStringListIsASliceValue(t *testing.T) {
	var got []string
	v := &StringList{p: &got}
	var sv pflag.SliceValue = v
	_ = sv.Replace([]string{"a,b", "c"})
	_ = sv.Append("d")
	if want := []string{"a", "b", "c", "d"}; !slices.Equal(sv.GetSlice(), want) || v.String() != "a,b,c,d" || v.Type() != "strings" {
		t.Fatalf("got %q %q", sv.GetSlice(), v.String())
	}
}

func TestLimit(t *testing.T) {
	for _, tt := range []struct {
		args    []string
		want    int
		wantErr string
	}{
		{nil, DefaultLimit, ""},
		{[]string{"--limit", "5"}, 5, ""},
		{[]string{"-L", "7"}, 7, ""},
		{[]string{"-L0"}, 0, ""},
		{[]string{"--limit=0"}, 0, ""},
		{[]string{"--limit", "-1"}, 0, `invalid --limit "-1": use a count, or 0 for all`},
		{[]string{"--limit", "ten"}, 0, `invalid --limit "ten"`},
		{[]string{"--limit", "1.5"}, 0, `invalid --limit "1.5"`},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var got int
			err := parseFlags(t, func(fs *pflag.FlagSet) { LimitVar(fs, &got, "things") }, tt.args...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, apperr.ErrUsage) {
					t.Fatalf("err = %v, want a usage error with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %d, %v; want %d", got, err, tt.want)
			}
		})
	}
}

func TestTruncate(t *testing.T) {
	for _, tt := range []struct {
		limit, want int
		cut         bool
	}{{0, 3, false}, {2, 2, true}, {3, 3, false}, {5, 3, false}} {
		got, cut := Truncate([]int{1, 2, 3}, tt.limit)
		if len(got) != tt.want || cut != tt.cut {
			t.Fatalf("limit %d: %v %v", tt.limit, got, cut)
		}
	}
}

func TestHeader(t *testing.T) {
	for _, tt := range []struct {
		name    string
		args    []string
		want    []string
		wantErr string
	}{
		{"absent", nil, nil, ""},
		{"long", []string{"--header", "X-A: 1"}, []string{"X-A: 1"}, ""},
		{"short, repeated", []string{"-H", "X-A: 1", "-H", "X-B=2"}, []string{"X-A: 1", "X-B=2"}, ""},
		{"commas stay in the value", []string{"-H", "Accept: a/b, c/d"}, []string{"Accept: a/b, c/d"}, ""},
		{"no separator", []string{"-H", "X-A"}, nil, `invalid header "X-A": use 'Name: value'`},
		{"space in the name", []string{"--header", "X A: 1"}, nil, `invalid header "X A: 1"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			err := parseFlags(t, func(fs *pflag.FlagSet) { HeaderVar(fs, &got, "") }, tt.args...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, apperr.ErrUsage) {
					t.Fatalf("err = %v, want a usage error with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestDataVar(t *testing.T) {
	var got string
	if err := parseFlags(t, func(fs *pflag.FlagSet) { DataVar(fs, &got, "") }, "-d", "@body.json"); err != nil || got != "@body.json" {
		t.Fatalf("got %q, %v", got, err)
	}
}
