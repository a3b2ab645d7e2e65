package iostreams

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// Escape makes received or remote-controlled text safe to print on a
// terminal as (part of) one line: paths, queries, header names and values,
// event types, URLs, error messages, table cells. It never lets a byte reach
// the terminal that could start an escape sequence, move the cursor or
// reorder what is shown, and its output is unambiguous (the original can be
// read back from it):
//
//   - a backslash becomes \\ (so that a literal "\x1b" in the input shows as
//     \\x1b, never like an escaped ESC);
//   - the C0 controls U+0000–U+001F (tab, newline and carriage return
//     included: they would break a table's alignment or a line) and DEL
//     U+007F become \xHH, two lower-case hex digits: ESC is \x1b, BEL \x07,
//     tab \x09;
//   - the C1 controls U+0080–U+009F, the line and paragraph separators
//     U+2028/U+2029 and the bidirectional embeddings, overrides and isolates
//     (U+202A–U+202E, U+2066–U+2069, which can make text display in another
//     order than it is stored) become \uHHHH: CSI U+009B is \u009b;
//   - each byte that is not part of valid UTF-8 becomes \xHH (always \x80 or
//     above, so it cannot be mistaken for an escaped control);
//   - everything else, printable Unicode included, is left alone.
//
// JSON output must not go through Escape: encoding/json already escapes
// control characters, and JSON has to stay exact.
func Escape(s string) string { return escape(s, false) }

// EscapeText is Escape for multi-line text shown as a block, such as a
// request body or a pretty-printed JSON document: newlines, tabs and a
// carriage return directly before a newline are kept, and backslashes are
// left alone (a body is shown as it is, and JSON's own escapes such as \"
// must not double). A carriage return elsewhere (which would let the rest of
// a line overwrite its start) and all other characters listed at Escape are
// escaped the same way.
func EscapeText(s string) string { return escape(s, true) }

const hexDigits = "0123456789abcdef"

func escape(s string, text bool) string {
	i := firstUnsafe(s, text)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '\\' && !text:
				b.WriteString(`\\`)
			case text && (c == '\n' || c == '\t' || c == '\r' && i+1 < len(s) && s[i+1] == '\n'):
				b.WriteByte(c)
			case c < 0x20 || c == 0x7f:
				b.WriteString(`\x`)
				b.WriteByte(hexDigits[c>>4])
				b.WriteByte(hexDigits[c&0xf])
			default:
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0xf])
		case unsafeRune(r):
			b.WriteString(`\u`)
			for shift := 12; shift >= 0; shift -= 4 {
				b.WriteByte(hexDigits[(r>>shift)&0xf])
			}
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// firstUnsafe is the index of the first byte escape has to change, or -1.
func firstUnsafe(s string, text bool) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '\\':
				if !text {
					return i
				}
			case c == '\n' || c == '\t':
				if !text {
					return i
				}
			case c == '\r':
				if !text || i+1 == len(s) || s[i+1] != '\n' {
					return i
				}
			case c < 0x20 || c == 0x7f:
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || unsafeRune(r) {
			return i
		}
		i += size
	}
	return -1
}

// unsafeRune: the non-ASCII code points Escape writes as \uHHHH.
func unsafeRune(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f: // C1 controls
		return true
	case r == 0x2028 || r == 0x2029: // line and paragraph separators
		return true
	case r >= 0x202a && r <= 0x202e: // bidi embeddings and overrides
		return true
	case r >= 0x2066 && r <= 0x2069: // bidi isolates
		return true
	}
	return false
}

// PrettyJSON indents a JSON document by two spaces, keeping its key order;
// anything that is not JSON comes back as it is. (Not escaped: pass the
// result through EscapeText before printing received text.)
func PrettyJSON(b []byte) string {
	var out bytes.Buffer
	if json.Indent(&out, b, "", "  ") != nil {
		return string(b)
	}
	return out.String()
}
