// Package shellquote quotes text for POSIX shells and builds the curl
// commands hookctl prints (webhook sign --curl, the inspector's "copy as
// curl").
package shellquote

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"unicode/utf8"
)

// Quote quotes s for POSIX shells: as is when it is made of safe
// characters only, else in single quotes.
func Quote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@%+=:,./_-", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Curl is a curl command that sends exactly method, headers (sorted, in
// the order of their values) and body to url. A body that is not UTF-8
// text, or holds a NUL byte, is piped in from printf with octal escapes,
// so that every byte arrives as it was.
func Curl(method, url string, headers http.Header, body []byte) string {
	var b strings.Builder
	piped := len(body) > 0 && (!utf8.Valid(body) || strings.IndexByte(string(body), 0) >= 0)
	if piped {
		b.WriteString("printf '")
		for _, c := range body {
			if c >= 0x20 && c < 0x7f && c != '\'' && c != '\\' && c != '%' {
				b.WriteByte(c)
			} else {
				fmt.Fprintf(&b, `\%03o`, c)
			}
		}
		b.WriteString("' | ")
	}
	b.WriteString("curl -sS -X " + Quote(method) + " " + Quote(url))
	keys := make([]string, 0, len(headers))
	for k := range headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range headers[k] {
			b.WriteString(" \\\n  -H " + Quote(k+": "+v))
		}
	}
	switch {
	case piped:
		b.WriteString(" \\\n  --data-binary @-")
	case len(body) > 0:
		b.WriteString(" \\\n  --data-binary " + Quote(string(body)))
	}
	return b.String()
}
