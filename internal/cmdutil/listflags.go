package cmdutil

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/hookctl/hookctl/internal/apperr"
)

// List flags, limits, headers and --data: the flag values every command
// that takes one of these registers from here, so that each has one
// meaning (issue 18 point 3).

// StringList is a list flag that takes both forms: repeated (--event a
// --event b) and comma-separated (--event a,b), or a mix. Blanks around the
// items are dropped, and so are empty items ("a,,b", a trailing comma).
// Use it for values that never hold a comma (event types and patterns,
// header names); a value that may (a header's value, --set PATH=VALUE, a
// secret) is repeated only: pflag's StringArray.
type StringList struct {
	p       *[]string
	changed bool
}

// StringListVar registers a list flag --name (and -shorthand, if not "")
// bound to p.
func StringListVar(fs *pflag.FlagSet, p *[]string, name, shorthand, usage string) *pflag.Flag {
	v := &StringList{p: p}
	return fs.VarPF(v, name, shorthand, usage)
}

// SplitList splits a comma-separated value into its non-empty, trimmed
// items.
func SplitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

func (l *StringList) Set(s string) error {
	items := SplitList(s)
	if !l.changed {
		// The first value given replaces the default, as pflag's slices do.
		*l.p = nil
		l.changed = true
	}
	*l.p = append(*l.p, items...)
	return nil
}

// String is the list comma-separated.
func (l *StringList) String() string {
	if l == nil || l.p == nil {
		return ""
	}
	return strings.Join(*l.p, ",")
}

func (l *StringList) Type() string { return "strings" }

// Append, Replace and GetSlice make StringList a pflag.SliceValue.
func (l *StringList) Append(s string) error { *l.p = append(*l.p, SplitList(s)...); return nil }

func (l *StringList) Replace(ss []string) error {
	*l.p = nil
	for _, s := range ss {
		*l.p = append(*l.p, SplitList(s)...)
	}
	return nil
}

func (l *StringList) GetSlice() []string { return append([]string(nil), *l.p...) }

// DefaultLimit is the default of every list command's --limit.
const DefaultLimit = 50

// Limit is the --limit/-L flag of a list command: a count, 0 for all. A
// negative count fails while the command line is parsed.
type Limit struct {
	p *int
}

// LimitVar registers -L/--limit on a list command, bound to p with the
// default DefaultLimit. what names the listed things ("deliveries").
func LimitVar(fs *pflag.FlagSet, p *int, what string) *pflag.Flag {
	*p = DefaultLimit
	return fs.VarPF(&Limit{p: p}, "limit", "L", "at most `N` "+what+" (0: all)")
}

func (l *Limit) Set(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 {
		return apperr.Usagef("invalid --limit %q: use a count, or 0 for all", s)
	}
	*l.p = n
	return nil
}

func (l *Limit) String() string {
	if l == nil || l.p == nil {
		return ""
	}
	return strconv.Itoa(*l.p)
}

func (l *Limit) Type() string { return "int" }

// Truncate cuts list to limit items (limit 0: all) for backends that do not
// page; it also reports whether items were cut.
func Truncate[T any](list []T, limit int) ([]T, bool) {
	if limit > 0 && len(list) > limit {
		return list[:limit], true
	}
	return list, false
}

// Header is the -H/--header flag: repeatable 'Name: value' (also
// Name:value and Name=value), checked while the command line is parsed
// and kept as given in *p (ParseHeaders reads them into a map). It is not
// comma-separated: a header's value may hold commas.
type Header struct {
	p       *[]string
	changed bool
}

// HeaderVar registers -H/--header bound to p.
func HeaderVar(fs *pflag.FlagSet, p *[]string, usage string) *pflag.Flag {
	return fs.VarPF(&Header{p: p}, "header", "H", usage)
}

func (h *Header) Set(s string) error {
	if _, _, err := ParseHeader(s); err != nil {
		return err
	}
	if !h.changed {
		*h.p, h.changed = nil, true
	}
	*h.p = append(*h.p, s)
	return nil
}

func (h *Header) String() string {
	if h == nil || h.p == nil || len(*h.p) == 0 {
		return ""
	}
	return "[" + strings.Join(*h.p, ", ") + "]"
}

func (h *Header) Type() string { return "stringArray" }

func (h *Header) Append(s string) error { return h.Set(s) }

func (h *Header) Replace(ss []string) error {
	*h.p = nil
	for _, s := range ss {
		if err := h.Set(s); err != nil {
			return err
		}
	}
	return nil
}

func (h *Header) GetSlice() []string { return append([]string(nil), *h.p...) }

// DataVar registers -d/--data bound to p: the data itself, @file, or - for
// stdin, as ReadData reads it (sign, send and verify take the same forms).
func DataVar(fs *pflag.FlagSet, p *string, usage string) *pflag.Flag {
	fs.StringVarP(p, "data", "d", "", usage)
	return fs.Lookup("data")
}

// LimitNote tells a terminal's stderr that a list was cut at --limit
// ("Showing 50 of 120 webhook configs: --limit 0 for all"); nothing when
// stderr is not a terminal or nothing was cut.
func LimitNote(f *Factory, shown, total int, what string) {
	ios := f.IOStreams
	if shown >= total || !ios.IsStderrTTY() {
		return
	}
	fmt.Fprintf(ios.ErrOut, "Showing %d of %d %s: --limit 0 for all\n", shown, total, what)
}
