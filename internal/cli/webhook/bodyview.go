package webhook

import (
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tidwall/pretty"

	"github.com/hookctl/hookctl/internal/iostreams"
	"github.com/hookctl/hookctl/internal/listener"
)

// maxShownBody bounds how much of a body human output prints.
const maxShownBody = 64 << 10

// prettyBody renders a body for people: JSON indented (with syntax colours
// when colour is on), text as is, binary summarized as "(1.2 KiB binary)".
// The result ends with a newline. It is safe on a terminal: characters that
// could act on it (ESC, DEL and C1 controls, which JSON strings may hold raw,
// a lone carriage return, invalid UTF-8, bidi overrides) are escaped by
// iostreams.EscapeText before any colour is added.
func prettyBody(st *iostreams.Styles, colour bool, body []byte) string {
	if len(body) == 0 {
		return st.Muted.Render("(empty body)") + "\n"
	}
	if json.Valid(body) {
		out := pretty.PrettyOptions(body, &pretty.Options{Width: 80, Prefix: "", Indent: "  "})
		out = []byte(iostreams.EscapeText(string(out)))
		if colour {
			out = pretty.Color(out, jsonStyle(st))
		}
		return truncate(string(out))
	}
	if isText(body) {
		s := iostreams.EscapeText(string(body))
		if !strings.HasSuffix(s, "\n") {
			s += "\n"
		}
		return truncate(s)
	}
	return st.Muted.Render("("+listener.FormatSize(int64(len(body)))+" binary)") + "\n"
}

func truncate(s string) string {
	if len(s) <= maxShownBody {
		return s
	}
	cut := maxShownBody
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "\n… (" + listener.FormatSize(int64(len(s)-cut)) + " more; see \"hookctl webhook requests show --raw\")\n"
}

// isText: valid UTF-8 without control characters other than tab and newlines.
func isText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, r := range string(b) {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return false
		}
	}
	return true
}

// jsonStyle turns the lipgloss JSON styles into tidwall/pretty's escape pairs.
func jsonStyle(st *iostreams.Styles) *pretty.Style {
	pair := func(render func(...string) string) [2]string {
		s := render("\x00")
		before, after, _ := strings.Cut(s, "\x00")
		return [2]string{before, after}
	}
	return &pretty.Style{
		Key:    pair(st.JSONKey.Render),
		String: pair(st.JSONString.Render),
		Number: pair(st.JSONNumber.Render),
		True:   pair(st.JSONLit.Render),
		False:  pair(st.JSONLit.Render),
		Null:   pair(st.JSONLit.Render),
		Escape: pair(st.JSONLit.Render),
		Append: pretty.TerminalStyle.Append,
	}
}
