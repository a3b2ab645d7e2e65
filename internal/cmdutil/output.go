package cmdutil

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/lipgloss/table"
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

// ValidateOutput checks -o/--output.
func (g *Globals) ValidateOutput() error {
	for _, f := range OutputFormats {
		if g.Output == f {
			return nil
		}
	}
	return apperr.Usagef("invalid --output %q: use text or json", g.Output)
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

// Len is the number of rows.
func (t *Table) Len() int { return len(t.rows) }

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
	tbl := table.New().
		Border(lipgloss.HiddenBorder()).
		BorderTop(false).BorderBottom(false).BorderLeft(false).BorderRight(false).
		BorderHeader(false).BorderColumn(false).
		Headers(t.headers...).
		Rows(t.rows...).
		StyleFunc(func(row, col int) lipgloss.Style {
			pad := 2
			if col == len(t.headers)-1 {
				pad = 0 // no trailing blanks
			}
			if row == table.HeaderRow {
				return st.Header.PaddingRight(pad)
			}
			return cell.PaddingRight(pad)
		})
	_, err := fmt.Fprintln(t.io.Out, strings.TrimRight(tbl.Render(), " \n"))
	return err
}
