package model

import "strings"

// A ParameterError's ParameterPath is written, in flags, rules files and
// output, as a gjson path: elements joined by dots, with gjson's special
// characters in an element escaped by a backslash.

// SplitParameterPath splits a gjson path on unescaped dots and removes the
// escapes: `speed.max` → [speed max], `a\.b.c` → [a.b c], `items.0` →
// [items 0].
func SplitParameterPath(path string) []string {
	parts := []string{}
	var b strings.Builder
	for i := 0; i < len(path); i++ {
		switch c := path[i]; {
		case c == '\\' && i+1 < len(path):
			i++
			b.WriteByte(path[i])
		case c == '.':
			parts = append(parts, b.String())
			b.Reset()
		default:
			b.WriteByte(c)
		}
	}
	return append(parts, b.String())
}

// JoinParameterPath is the inverse of SplitParameterPath.
func JoinParameterPath(parts []string) string {
	esc := make([]string, len(parts))
	for i, p := range parts {
		esc[i] = EscapePathKey(p)
	}
	return strings.Join(esc, ".")
}

// EscapePathKey escapes gjson's special characters in one path element.
func EscapePathKey(k string) string {
	var b strings.Builder
	for _, c := range k {
		if strings.ContainsRune(`.*?|#@\!=<>%:`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}
