// Package jsondepth bounds the nesting depth of JSON text before anything
// recursive (gjson, encoding/json decoding into values) looks at it.
//
// A received body is attacker-controlled: 5 MiB of "[[[[…" is five million
// levels, and gjson's validator and parser recurse once per level (the
// goroutine stack grows to gigabytes; at 24 MiB the runtime dies with
// "stack overflow"). Within is an iterative scan with no allocation, so the
// callers check it first and treat a deeper body as not JSON.
package jsondepth

// MaxDepth is the deepest nesting of arrays and objects a received body may
// have and still be treated as JSON. Real webhook payloads nest a few tens
// of levels; encoding/json itself refuses more than 10,000.
const MaxDepth = 1000

// Within reports whether the arrays and objects in b nest at most max
// levels deep ("[]" is one level, "[[]]" two). Brackets inside strings do
// not count; a backslash in a string escapes the next byte, so `"\""` and
// `"\\"` are handled. It does not validate the JSON: it is a cheap guard to
// run before a validator or parser that recurses. A closing bracket with
// nothing open is ignored (the text is not JSON anyway; the parser will say
// so), so it cannot hide the depth of what follows.
func Within(b []byte, max int) bool {
	depth := 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '"':
			// Skip the string: find the closing quote not escaped.
			for i++; i < len(b); i++ {
				if c := b[i]; c == '\\' {
					i++
				} else if c == '"' {
					break
				}
			}
		case '[', '{':
			depth++
			if depth > max {
				return false
			}
		case ']', '}':
			if depth > 0 {
				depth--
			}
		}
	}
	return true
}

// Sane reports whether b is within MaxDepth: Within(b, MaxDepth).
func Sane(b []byte) bool { return Within(b, MaxDepth) }
