package catalog

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Placeholders
//
// A template payload is ordinary JSON. Any JSON string value (never an object
// key) may contain placeholders of the form
//
//	{{name}}  {{name:arg}}  {{name#label}}  {{name:arg#label}}
//
// which Build replaces with fresh values, so every build has new ids and
// timestamps:
//
//	uuid          random UUID v4                         "3f1c…-…"
//	id:PREFIX     PREFIX + 24 random base62 characters   {{id:evt_}} → "evt_1QfZ…"
//	hex:N         N random lowercase hex digits
//	sha           40 random hex digits (a git commit id)
//	digits:N      N random decimal digits, first non-zero (IMEI, phone numbers) – a string
//	alnum:N       N random upper-case letters and digits (serial numbers)
//	int:MIN-MAX   random integer in [MIN, MAX]                       – a number
//	now[:OFFSET]  build time (+ optional Go duration such as -90s, -2h) in RFC 3339, UTC, seconds
//	nowms[:OFFSET] like now with milliseconds ("2024-05-01T10:00:00.123Z")
//	unix[:OFFSET] build time as Unix seconds                          – a number
//	unixms[:OFFSET] build time as Unix milliseconds                   – a number
//
// When a string consists of exactly one placeholder, the value replaces the
// whole string: numeric placeholders (int, unix, unixms) become JSON numbers,
// the others JSON strings. Inside a longer string every placeholder is
// replaced by its text ("{{unix}}.000200" → "1717171717.000200").
//
// A "#label" suffix shares one value within a build: every occurrence of
// {{sha#head}} (in the payload and in the headers) gets the same 40 hex
// digits, while {{sha}} is fresh at each occurrence.
//
// Text that does not have the placeholder shape is left alone; a placeholder
// with an unknown name or a bad argument is an error (reported by LoadUser for
// user templates).
var placeholderRE = regexp.MustCompile(`\{\{([a-z]+)(?::([^{}#]*))?(?:#([A-Za-z0-9_.-]+))?\}\}`)

// BuildOptions controls the values generated for placeholders.
type BuildOptions struct {
	Now  time.Time // zero = time.Now()
	Rand io.Reader // nil = crypto/rand.Reader
}

type filler struct {
	now    time.Time
	rand   io.Reader
	labels map[string]value
}

// value is a generated placeholder value: Text is its string form; Number
// says whether it is a JSON number when it stands alone.
type value struct {
	Text   string
	Number bool
}

func newFiller(opts BuildOptions) *filler {
	f := &filler{now: opts.Now, rand: opts.Rand, labels: map[string]value{}}
	if f.now.IsZero() {
		f.now = time.Now()
	}
	f.now = f.now.UTC()
	if f.rand == nil {
		f.rand = rand.Reader
	}
	return f
}

const (
	base62     = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	hexDigit   = "0123456789abcdef"
	decimal    = "0123456789"
	upperAlnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
)

func (f *filler) randString(n int, alphabet string) (string, error) {
	size := big.NewInt(int64(len(alphabet)))
	var b strings.Builder
	for range n {
		i, err := rand.Int(f.rand, size)
		if err != nil {
			return "", fmt.Errorf("generate random value: %w", err)
		}
		b.WriteByte(alphabet[i.Int64()])
	}
	return b.String(), nil
}

func parseCount(name, arg string) (int, error) {
	n, err := strconv.Atoi(arg)
	if err != nil || n < 1 || n > 256 {
		return 0, fmt.Errorf("placeholder {{%s:%s}}: want a length between 1 and 256", name, arg)
	}
	return n, nil
}

func (f *filler) offset(name, arg string) (time.Time, error) {
	if arg == "" {
		return f.now, nil
	}
	d, err := time.ParseDuration(arg)
	if err != nil {
		return time.Time{}, fmt.Errorf("placeholder {{%s:%s}}: offset must be a Go duration such as -90s or 2h", name, arg)
	}
	return f.now.Add(d), nil
}

// generate produces the value of one placeholder, given its submatches.
func (f *filler) generate(whole, name, arg, label string) (value, error) {
	if label != "" {
		if v, ok := f.labels[whole]; ok {
			return v, nil
		}
	}
	v, err := f.generateFresh(name, arg)
	if err != nil {
		return value{}, err
	}
	if label != "" {
		f.labels[whole] = v
	}
	return v, nil
}

func (f *filler) generateFresh(name, arg string) (value, error) {
	str := func(s string, err error) (value, error) { return value{Text: s}, err }
	switch name {
	case "uuid":
		b := make([]byte, 16)
		if _, err := io.ReadFull(f.rand, b); err != nil {
			return value{}, fmt.Errorf("generate uuid: %w", err)
		}
		b[6] = b[6]&0x0f | 0x40
		b[8] = b[8]&0x3f | 0x80
		return value{Text: fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])}, nil
	case "id":
		s, err := f.randString(24, base62)
		return value{Text: arg + s}, err
	case "sha":
		if arg != "" {
			return value{}, fmt.Errorf("placeholder {{sha}} takes no argument")
		}
		return str(f.randString(40, hexDigit))
	case "hex", "digits", "alnum":
		n, err := parseCount(name, arg)
		if err != nil {
			return value{}, err
		}
		switch name {
		case "hex":
			return str(f.randString(n, hexDigit))
		case "alnum":
			return str(f.randString(n, upperAlnum))
		}
		first, err := f.randString(1, decimal[1:])
		if err != nil {
			return value{}, err
		}
		rest, err := f.randString(n-1, decimal)
		return value{Text: first + rest}, err
	case "int":
		loText, hiText, ok := strings.Cut(arg, "-")
		lo, err1 := strconv.ParseInt(loText, 10, 64)
		hi, err2 := strconv.ParseInt(hiText, 10, 64)
		if !ok || err1 != nil || err2 != nil || hi < lo {
			return value{}, fmt.Errorf("placeholder {{int:%s}}: want {{int:MIN-MAX}} with 0 <= MIN <= MAX", arg)
		}
		r, err := rand.Int(f.rand, big.NewInt(hi-lo+1))
		if err != nil {
			return value{}, fmt.Errorf("generate random value: %w", err)
		}
		return value{Text: strconv.FormatInt(lo+r.Int64(), 10), Number: true}, nil
	case "now", "nowms", "unix", "unixms":
		t, err := f.offset(name, arg)
		if err != nil {
			return value{}, err
		}
		switch name {
		case "now":
			return value{Text: t.Truncate(time.Second).Format(time.RFC3339)}, nil
		case "nowms":
			return value{Text: t.Truncate(time.Millisecond).Format("2006-01-02T15:04:05.000Z07:00")}, nil
		case "unix":
			return value{Text: strconv.FormatInt(t.Unix(), 10), Number: true}, nil
		default:
			return value{Text: strconv.FormatInt(t.UnixMilli(), 10), Number: true}, nil
		}
	}
	return value{}, fmt.Errorf("unknown placeholder {{%s}} (known: uuid, id:PREFIX, hex:N, sha, digits:N, alnum:N, int:MIN-MAX, now, nowms, unix, unixms)", name)
}

// expandText replaces every placeholder in s by its text.
func (f *filler) expandText(s string) (string, error) {
	var firstErr error
	out := placeholderRE.ReplaceAllStringFunc(s, func(m string) string {
		sm := placeholderRE.FindStringSubmatch(m)
		v, err := f.generate(m, sm[1], sm[2], sm[3])
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			return m
		}
		return v.Text
	})
	return out, firstErr
}

// expandJSONString returns the JSON encoding of a string value s after
// placeholder expansion.
func (f *filler) expandJSONString(s string) ([]byte, error) {
	if sm := placeholderRE.FindStringSubmatch(s); sm != nil && sm[0] == s {
		v, err := f.generate(s, sm[1], sm[2], sm[3])
		if err != nil {
			return nil, err
		}
		if v.Number {
			return []byte(v.Text), nil
		}
		return encodeString(v.Text), nil
	}
	out, err := f.expandText(s)
	if err != nil {
		return nil, err
	}
	return encodeString(out), nil
}

func encodeString(s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// fillJSON expands the placeholders in the string values of the JSON
// document tmpl and returns it compacted.
func (f *filler) fillJSON(tmpl []byte) ([]byte, error) {
	var out bytes.Buffer
	out.Grow(len(tmpl))
	for i := 0; i < len(tmpl); {
		c := tmpl[i]
		if c != '"' {
			out.WriteByte(c)
			i++
			continue
		}
		end := stringEnd(tmpl, i)
		if end < 0 {
			return nil, fmt.Errorf("template is not valid JSON: unterminated string at offset %d", i)
		}
		raw := tmpl[i : end+1]
		i = end + 1
		if isKey(tmpl, i) || !bytes.Contains(raw, []byte("{{")) {
			out.Write(raw)
			continue
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("template is not valid JSON: %v", err)
		}
		enc, err := f.expandJSONString(s)
		if err != nil {
			return nil, err
		}
		out.Write(enc)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, out.Bytes()); err != nil {
		return nil, fmt.Errorf("template is not valid JSON after filling placeholders: %v", err)
	}
	return compact.Bytes(), nil
}

// stringEnd returns the index of the closing quote of the JSON string that
// starts at b[start], or -1.
func stringEnd(b []byte, start int) int {
	for j := start + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j
		}
	}
	return -1
}

// isKey reports whether the string that ended just before b[i] is an object
// key (followed by a colon).
func isKey(b []byte, i int) bool {
	for ; i < len(b); i++ {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			continue
		case ':':
			return true
		default:
			return false
		}
	}
	return false
}
