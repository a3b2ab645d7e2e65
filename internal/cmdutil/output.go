package cmdutil

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/lipgloss/table"
	"github.com/charmbracelet/x/ansi"
	"github.com/tidwall/gjson"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/iostreams"
)

// Output formats.
const (
	FormatText = "text"
	FormatJSON = "json"
)

// OutputFormats lists the values of -o/--output, for validation and completion.
var OutputFormats = []string{FormatText, FormatJSON}

// WantsJSON reports whether data should be printed as JSON: -o json, or a
// -q/--query (which only makes sense over JSON).
func (g *Globals) WantsJSON() bool { return g.Output == FormatJSON || g.Query != "" }

// ValidateOutput checks -o/--output and -q/--query (before any command runs,
// so a bad query fails with a usage error instead of printing nothing).
func (g *Globals) ValidateOutput() error {
	for _, f := range OutputFormats {
		if g.Output == f {
			return ValidateQuery(g.Query)
		}
	}
	return apperr.Usagef("invalid --output %q: use text or json", g.Output)
}

// ValidateQuery checks that a -q/--query gjson path is well-formed: gjson
// itself never fails, so "[[[" would silently match nothing. It checks what
// gjson's syntax needs to be balanced: [] {} () outside strings, strings
// closed inside queries and multipaths, no dangling escape, and no trailing
// "." or "|" (a component left out). An empty query is no query.
func ValidateQuery(q string) error {
	if q == "" {
		return nil
	}
	bad := func(format string, args ...any) error {
		return apperr.Usagef("invalid --query %q: %s (see https://github.com/tidwall/gjson/blob/master/SYNTAX.md)", q, fmt.Sprintf(format, args...))
	}
	type open struct {
		closer byte
		pos    int
	}
	var stack []open
	inString, stringAt := false, 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		if c == '\\' {
			if i++; i == len(q) {
				return bad("it ends with an unfinished escape %q", `\`)
			}
			continue
		}
		if inString {
			if c == '"' {
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			// Strings are values inside queries #(…) and multipaths.
			if len(stack) > 0 {
				inString, stringAt = true, i
			}
		case '[':
			stack = append(stack, open{']', i})
		case '{':
			stack = append(stack, open{'}', i})
		case '(':
			stack = append(stack, open{')', i})
		case ']', '}', ')':
			if len(stack) == 0 || stack[len(stack)-1].closer != c {
				return bad("unexpected %q at position %d", string(c), i+1)
			}
			stack = stack[:len(stack)-1]
		}
	}
	switch {
	case inString:
		return bad("the string at position %d is never closed", stringAt+1)
	case len(stack) > 0:
		o := stack[len(stack)-1]
		return bad("%q at position %d is never closed", string(q[o.pos]), o.pos+1)
	case strings.HasSuffix(q, ".") || strings.HasSuffix(q, "|"):
		return bad("it ends with %q", q[len(q)-1:])
	}
	return nil
}

// Render prints v as JSON (filtered by --query) when JSON was asked for, or
// calls text otherwise.
func Render(f *Factory, v any, text func() error) error {
	if f.Globals.WantsJSON() {
		return PrintJSON(f.IOStreams, v, f.Globals.Query)
	}
	return text()
}

// PrintJSON writes v as indented JSON. With a query, it prints the gjson
// result instead: strings bare (handy in shell scripts), anything else as
// JSON; a query that matches nothing prints nothing.
func PrintJSON(io *iostreams.IOStreams, v any, query string) error {
	if err := ValidateQuery(query); err != nil {
		return err
	}
	data, err := MarshalJSON(v)
	if err != nil {
		return err
	}
	if query != "" {
		r := gjson.GetBytes(data, query)
		switch {
		case !r.Exists():
			return nil
		case r.Type == gjson.String:
			_, err = fmt.Fprintln(io.Out, r.Str)
		default:
			_, err = fmt.Fprintln(io.Out, r.Raw)
		}
		return err
	}
	_, err = io.Out.Write(data)
	return err
}

// MarshalJSON encodes v indented, without HTML escaping, with a final newline.
func MarshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Table prints rows: an aligned lipgloss table with a header on a terminal,
// tab-separated rows without a header when piped (for cut and awk).
//
// On a terminal the table fits the terminal's width (IOStreams.Width): as
// gh's tableprinter does, the widest columns are shrunk first, cells cut
// with "…", never below a minimum width (MinColumnWidth, or the header's
// width if wider), and id columns (header "ID" or "… ID") are kept whole.
// Piped rows are never cut.
type Table struct {
	io      *iostreams.IOStreams
	headers []string
	rows    [][]string
}

// NewTable starts a table with the given column headers.
func NewTable(io *iostreams.IOStreams, headers ...string) *Table {
	return &Table{io: io, headers: headers}
}

// AddRow appends a row; it should have one cell per header.
func (t *Table) AddRow(cells ...string) { t.rows = append(t.rows, cells) }

// MinColumnWidth is the narrowest a column is shrunk to on a terminal
// (narrower columns stay as they are).
const MinColumnWidth = 8

// columnGap is the blank space between two columns on a terminal.
const columnGap = 2

// isIDColumn reports whether a column holds ids, which are never cut: a cut
// id cannot be pasted into the next command.
func isIDColumn(header string) bool {
	return header == "ID" || strings.HasSuffix(header, " ID")
}

// columnWidths returns the display width of each column so that the table
// fits in width: the natural widths when it fits, else the widest shrinkable
// column loses one cell at a time until it fits or nothing can shrink.
func columnWidths(headers []string, rows [][]string, width int) []int {
	n := len(headers)
	widths := make([]int, n)
	floor := make([]int, n)
	for c, h := range headers {
		widths[c] = ansi.StringWidth(h)
	}
	for _, r := range rows {
		for c := 0; c < n && c < len(r); c++ {
			widths[c] = max(widths[c], ansi.StringWidth(r[c]))
		}
	}
	total := columnGap * max(n-1, 0)
	for c, h := range headers {
		total += widths[c]
		floor[c] = min(widths[c], max(MinColumnWidth, ansi.StringWidth(h)))
		if isIDColumn(h) {
			floor[c] = widths[c]
		}
	}
	for total > width {
		widest := -1
		for c := range widths {
			if widths[c] > floor[c] && (widest < 0 || widths[c] >= widths[widest]) {
				widest = c
			}
		}
		if widest < 0 {
			break // as narrow as it gets: the terminal wraps the rest
		}
		widths[widest]--
		total--
	}
	return widths
}

// fit cuts headers and cells to the column widths that fit width.
func fit(headers []string, rows [][]string, width int) ([]string, [][]string) {
	widths := columnWidths(headers, rows, width)
	cut := func(cells []string) []string {
		out := make([]string, len(cells))
		for c, s := range cells {
			out[c] = s
			if c < len(widths) && ansi.StringWidth(s) > widths[c] {
				out[c] = ansi.Truncate(s, widths[c], "…")
			}
		}
		return out
	}
	fitted := make([][]string, len(rows))
	for i, r := range rows {
		fitted[i] = cut(r)
	}
	return cut(headers), fitted
}

// Render writes the table to stdout.
func (t *Table) Render() error {
	if !t.io.IsStdoutTTY() {
		var b strings.Builder
		for _, r := range t.rows {
			b.WriteString(strings.Join(r, "\t"))
			b.WriteByte('\n')
		}
		_, err := fmt.Fprint(t.io.Out, b.String())
		return err
	}
	st := t.io.Styles()
	r := st.Renderer()
	cell := r.NewStyle()
	headers, rows := fit(t.headers, t.rows, t.io.Width())
	tbl := table.New().
		Border(lipgloss.HiddenBorder()).
		BorderTop(false).BorderBottom(false).BorderLeft(false).BorderRight(false).
		BorderHeader(false).BorderColumn(false).
		Headers(headers...).
		Rows(rows...).
		StyleFunc(func(row, col int) lipgloss.Style {
			pad := columnGap
			if col == len(t.headers)-1 {
				pad = 0 // no trailing blanks
			}
			if row == table.HeaderRow {
				return st.Header.PaddingRight(pad)
			}
			return cell.PaddingRight(pad)
		})
	// No trailing blanks: lipgloss pads every cell to its column's width.
	lines := strings.Split(strings.TrimRight(tbl.Render(), " \n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	_, err := fmt.Fprintln(t.io.Out, strings.Join(lines, "\n"))
	return err
}
