package cmdutil

import (
	"errors"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/iostreams"
)

func TestValidateQuery(t *testing.T) {
	valid := []string{
		"", "id", "#.id", "0.url", "data.devices.#(os==\"android\")", "#(status==\"failed\")#.id",
		"{id,url}", "[id,url]", "@pretty", "#(name==\"a[(\")", `a\.b`, "..0", "data|@reverse",
		`@reverse:{"a":"]"}`,
	}
	for _, q := range valid {
		if err := ValidateQuery(q); err != nil {
			t.Errorf("ValidateQuery(%q) = %v, want nil", q, err)
		}
	}
	invalid := map[string]string{
		"[[[":               `"[" at position 3 is never closed`,
		"#(os==\"android\"": `"(" at position 2 is never closed`,
		"a]":                `unexpected "]" at position 2`,
		"{id,url)":          `unexpected ")" at position 8`,
		"#(name==\"x)":      "the string at position 9 is never closed",
		`a\`:                "unfinished escape",
		"data.":             `it ends with "."`,
		"data|":             `it ends with "|"`,
	}
	for q, want := range invalid {
		err := ValidateQuery(q)
		if !errors.Is(err, apperr.ErrUsage) {
			t.Errorf("ValidateQuery(%q) = %v, want a usage error", q, err)
			continue
		}
		if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "invalid --query") {
			t.Errorf("ValidateQuery(%q) = %q, want it to say %q", q, err, want)
		}
	}
}

func TestValidateOutputChecksQuery(t *testing.T) {
	g := &Globals{Output: FormatText, Query: "[[["}
	if err := g.ValidateOutput(); !errors.Is(err, apperr.ErrUsage) {
		t.Fatalf("ValidateOutput = %v, want a usage error", err)
	}
	g.Query = "#.id"
	if err := g.ValidateOutput(); err != nil {
		t.Fatalf("ValidateOutput = %v", err)
	}
}

func TestPrintJSONInvalidQueryPrintsNothing(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	err := PrintJSON(ios, []map[string]string{{"id": "whc_1"}}, "[[[")
	if !errors.Is(err, apperr.ErrUsage) {
		t.Fatalf("PrintJSON = %v, want a usage error", err)
	}
	if out.Len() != 0 {
		t.Fatalf("stdout = %q, want nothing", out)
	}
}

const longURL = "https://example.com/webhooks/a/very/long/path/that/never/fits/in/a/terminal"

func sampleTable(ios *iostreams.IOStreams) *Table {
	tbl := NewTable(ios, "ID", "URL", "EVENTS", "REQUEST ID")
	tbl.AddRow("whc_0123456789abcdef", longURL, "device.enrolled,device.lost,device.found", "req_0123456789abcdef")
	tbl.AddRow("whc_2", "https://x.io", "*", "req_2")
	return tbl
}

func TestTableFitsTerminal(t *testing.T) {
	for _, width := range []int{70, 80, 100} {
		ios, _, out, _ := iostreams.Test()
		ios.SetStdoutTTY(true)
		ios.SetWidth(width)
		if err := sampleTable(ios).Render(); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
		if len(lines) != 3 {
			t.Fatalf("width %d: %d lines, want 3 (header + 2 rows):\n%s", width, len(lines), out)
		}
		for _, l := range lines {
			if w := ansi.StringWidth(l); w > width {
				t.Errorf("width %d: line is %d wide: %q", width, w, l)
			}
		}
		// Ids are whole; the long cells are cut with an ellipsis.
		for _, id := range []string{"whc_0123456789abcdef", "req_0123456789abcdef", "whc_2", "req_2"} {
			if !strings.Contains(out.String(), id) {
				t.Errorf("width %d: id %s was cut:\n%s", width, id, out)
			}
		}
		if strings.Contains(out.String(), longURL) || !strings.Contains(lines[1], "…") {
			t.Errorf("width %d: the long URL is not cut with …:\n%s", width, out)
		}
		// Short cells are untouched.
		if !strings.Contains(lines[2], "https://x.io") {
			t.Errorf("width %d: a short cell was cut:\n%s", width, out)
		}
	}
}

func TestTableWideTerminalUnchanged(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	ios.SetStdoutTTY(true)
	ios.SetWidth(500)
	if err := sampleTable(ios).Render(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "…") || !strings.Contains(out.String(), longURL) {
		t.Fatalf("a table that fits was cut:\n%s", out)
	}
}

func TestTableNeverBelowMinimum(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	ios.SetStdoutTTY(true)
	ios.SetWidth(10) // far too narrow: columns stop at their floor
	if err := sampleTable(ios).Render(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out.String(), "\n")
	if !strings.HasPrefix(lines[0], "ID") || !strings.Contains(lines[0], "EVENTS") || !strings.Contains(lines[0], "REQUEST ID") {
		t.Fatalf("headers were cut below their width:\n%s", out)
	}
	widths := columnWidths([]string{"ID", "URL", "EVENTS", "REQUEST ID"},
		[][]string{{"whc_0123456789abcdef", longURL, "device.enrolled,device.lost", "req_0123456789abcdef"}}, 10)
	want := []int{20, MinColumnWidth, MinColumnWidth, 20}
	for c := range want {
		if widths[c] != want[c] {
			t.Fatalf("widths = %v, want %v", widths, want)
		}
	}
}

func TestColumnWidthsShrinkWidestFirst(t *testing.T) {
	// Natural widths 30, 20, 10 plus two gaps of 2: 64; fit into 50 by
	// taking 14 from the widest: 30 → 20 first (10), then both 20s → 18.
	headers := []string{"A", "B", "C"}
	rows := [][]string{{strings.Repeat("a", 30), strings.Repeat("b", 20), strings.Repeat("c", 10)}}
	got := columnWidths(headers, rows, 50)
	want := []int{18, 18, 10}
	for c := range want {
		if got[c] != want[c] {
			t.Fatalf("widths = %v, want %v", got, want)
		}
	}
}

func TestTablePipedUnchanged(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	ios.SetWidth(20) // ignored when piped
	if err := sampleTable(ios).Render(); err != nil {
		t.Fatal(err)
	}
	want := "whc_0123456789abcdef\t" + longURL + "\tdevice.enrolled,device.lost,device.found\treq_0123456789abcdef\n" +
		"whc_2\thttps://x.io\t*\treq_2\n"
	if out.String() != want {
		t.Fatalf("piped table:\n%q\nwant\n%q", out, want)
	}
}
