package iostreams

import (
	"strings"
	"testing"
)

func TestEscape(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"plain ASCII", "/webhooks/device?x=1&y=two", "/webhooks/device?x=1&y=two"},
		{"printable Unicode", "/café/日本語/🚀", "/café/日本語/🚀"},
		{"OSC title", "/\x1b]0;PWNED\x07", `/\x1b]0;PWNED\x07`},
		{"CSI", "a\x1b[2Jb", `a\x1b[2Jb`},
		{"NUL", "a\x00b", `a\x00b`},
		{"tab", "a\tb", `a\x09b`},
		{"newline", "a\nb", `a\x0ab`},
		{"carriage return", "a\r\nb", `a\x0d\x0ab`},
		{"unit separator", "\x1f", `\x1f`},
		{"DEL", "a\x7fb", `a\x7fb`},
		{"C1 CSI as UTF-8", "a\u009b2Jb", `a\u009b2Jb`},
		{"C1 first and last", "\u0080\u009f", `\u0080\u009f`},
		{"U+00A0 is printable", "a\u00a0b", "a\u00a0b"},
		{"invalid byte", "a\x9bb", `a\x9bb`},
		{"invalid bytes", "\xff\xfe", `\xff\xfe`},
		{"truncated rune", "caf\xc3", `caf\xc3`},
		{"backslash", `C:\temp`, `C:\\temp`},
		{"literal escape text stays distinguishable", `\x1b`, `\\x1b`},
		{"bidi override", "abc\u202edcba", `abc\u202edcba`},
		{"bidi isolate", "\u2066x\u2069", `\u2066x\u2069`},
		{"line separator", "a\u2028b", `a\u2028b`},
		{"zero-width joiner kept", "👩\u200d💻", "👩\u200d💻"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Escape(tt.in); got != tt.want {
				t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestEscapeText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"lines and tabs kept", "a\n\tb\n", "a\n\tb\n"},
		{"CRLF kept", "a\r\nb\r\n", "a\r\nb\r\n"},
		{"lone CR escaped", "safe\rEVIL", `safe\x0dEVIL`},
		{"CR at the end escaped", "a\r", `a\x0d`},
		{"backslashes kept", `{"a": "q\"uote\u001b"}`, `{"a": "q\"uote\u001b"}`},
		{"ESC escaped", "x\x1b[31mred", `x\x1b[31mred`},
		{"DEL and C1 escaped", "\x7f\u0085", `\x7f\u0085`},
		{"invalid UTF-8 escaped", "\xe2\x28", `\xe2(`},
		{"bidi escaped", "\u202e", `\u202e`},
		{"Unicode kept", "ünïcödé ✓", "ünïcödé ✓"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := EscapeText(tt.in); got != tt.want {
				t.Errorf("EscapeText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// No output of Escape contains a byte a terminal could act on, whatever the
// input.
func TestEscapeNeverEmitsControls(t *testing.T) {
	var all strings.Builder
	for c := 0; c < 256; c++ {
		all.WriteByte(byte(c))
	}
	for r := rune(0x80); r <= 0x9f; r++ {
		all.WriteRune(r)
	}
	for _, s := range []string{all.String(), "\xc2\x9b", "\xed\xa0\x80" /* surrogate */} {
		for name, f := range map[string]func(string) string{"Escape": Escape, "EscapeText": EscapeText} {
			got := f(s)
			if !utf8ValidNoControls(got, name == "EscapeText") {
				t.Errorf("%s(%q) = %q still holds controls or invalid UTF-8", name, s, got)
			}
		}
	}
}

func utf8ValidNoControls(s string, text bool) bool {
	if strings.ToValidUTF8(s, "") != s {
		return false
	}
	for i, r := range s {
		if text && (r == '\n' || r == '\t' || r == '\r' && strings.HasPrefix(s[i+1:], "\n")) {
			continue
		}
		if r < 0x20 || r >= 0x7f && r <= 0x9f || unsafeRune(r) || r == 0xfffd {
			return false
		}
	}
	return true
}

func BenchmarkEscapeClean(b *testing.B) {
	s := strings.Repeat("/webhooks/device.enrolled?id=42 ", 4)
	for i := 0; i < b.N; i++ {
		_ = Escape(s)
	}
}

func TestPrettyJSON(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`{"b":1,"a":[1,2]}`, "{\n  \"b\": 1,\n  \"a\": [\n    1,\n    2\n  ]\n}"},
		{`not json`, `not json`},
		{``, ``},
	} {
		if got := PrettyJSON([]byte(tt.in)); got != tt.want {
			t.Errorf("PrettyJSON(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
