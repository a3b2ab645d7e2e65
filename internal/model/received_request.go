package model

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/hookctl/hookctl/internal/jsondepth"
)

// ReceivedRequest is one HTTP request that `hookctl webhook listen` received,
// as recorded in the history (`hookctl webhook requests`).
type ReceivedRequest struct {
	// Tenant owns the record; never in JSON (the API key decides it).
	Tenant     string      `json:"-"`
	ID         string      `json:"id"` // req_…
	ReceivedAt time.Time   `json:"received_at"`
	Method     string      `json:"method"`
	Host       string      `json:"host,omitempty"`
	Path       string      `json:"path"`
	Query      string      `json:"query,omitempty"` // raw query, without '?'
	Headers    http.Header `json:"headers"`
	// Body is the raw body, byte for byte. JSON output shows it as
	// "body" (a string when it is UTF-8) or "body_base64".
	Body []byte `json:"-"`
	// BodyOmitted marks a request of a list, read without its body (lists
	// leave bodies out; GET one for it): JSON then has no body fields.
	BodyOmitted bool   `json:"-"`
	RemoteAddr  string `json:"remote_addr,omitempty"`
	// EventType is what catalog.EventType classified; "" when unknown.
	EventType string `json:"event_type,omitempty"`
	// EventTime is the payload's own time (--ts-field), when asked and found.
	EventTime *time.Time `json:"event_time,omitempty"`
	// Verification is nil when no secret was known.
	Verification *Verification `json:"verification,omitempty"`
	// Forwards holds one result per --forward-to target, in flag order.
	Forwards []ForwardResult `json:"forwards,omitempty"`
	// Filtered is true when --events/--filter excluded the request: it was
	// answered 200 and recorded, but not shown, forwarded or counted.
	Filtered bool `json:"filtered,omitempty"`
	// Status is what the listener answered the sender.
	Status int `json:"status"`
	// Rejected names why the listener refused the request, if it did:
	// invalid_signature, too_large, unsupported_media_type.
	Rejected string `json:"rejected,omitempty"`
	// Source, Datasource and RoutingKey are set on requests accepted by an
	// inbound source of `hookctl serve` (src_…, event.{tenant}.{datasource}.{event}).
	Source     string `json:"source,omitempty"`
	Datasource string `json:"datasource,omitempty"`
	RoutingKey string `json:"routing_key,omitempty"`
}

// Verification is the outcome of checking a received request's signature.
type Verification struct {
	OK          bool   `json:"ok"`
	Scheme      string `json:"scheme,omitempty"`       // detected or configured scheme
	SecretIndex int    `json:"secret_index,omitempty"` // 0-based index of the matching secret
	Cause       string `json:"cause,omitempty"`        // signature.Diagnosis cause when it failed
	Message     string `json:"message,omitempty"`      // human reason when it failed
}

// ForwardResult is the outcome of forwarding a received request to one target.
type ForwardResult struct {
	URL string `json:"url"`
	// Route is the event pattern of the route that chose this target
	// ("device.*"); "" for a catch-all (a bare --forward-to URL).
	Route     string        `json:"route,omitempty"`
	Status    int           `json:"status,omitempty"` // 0 when the request failed
	Latency   time.Duration `json:"-"`
	LatencyMS float64       `json:"latency_ms"`
	Error     string        `json:"error,omitempty"`
}

// OK reports whether the target answered with a 2xx status.
func (f ForwardResult) OK() bool { return f.Error == "" && f.Status >= 200 && f.Status < 300 }

// Failed reports whether anything went wrong with the request: the listener
// rejected it, its signature did not verify, or a forward failed.
func (r *ReceivedRequest) Failed() bool {
	if r.Rejected != "" || (r.Verification != nil && !r.Verification.OK) {
		return true
	}
	for _, f := range r.Forwards {
		if !f.OK() {
			return true
		}
	}
	return false
}

// MarshalJSON adds the body: as "body" (the exact text) when it is valid
// UTF-8, else as "body_base64"; and when the body is JSON, also as "payload"
// (the parsed value, for jq: .payload.data.id). A body nested deeper than
// jsondepth.MaxDepth gets no "payload" (it stays exact in "body").
func (r ReceivedRequest) MarshalJSON() ([]byte, error) {
	type plain ReceivedRequest
	out := struct {
		plain
		Body       *string         `json:"body,omitempty"`
		BodyBase64 string          `json:"body_base64,omitempty"`
		Payload    json.RawMessage `json:"payload,omitempty"`
	}{plain: plain(r)}
	if r.BodyOmitted {
		return json.Marshal(out)
	}
	if len(r.Body) > 0 && jsondepth.Sane(r.Body) && json.Valid(r.Body) {
		var b bytes.Buffer
		if json.Compact(&b, r.Body) == nil {
			out.Payload = b.Bytes()
		}
	}
	if utf8.Valid(r.Body) {
		s := string(r.Body)
		out.Body = &s
	} else {
		out.BodyBase64 = base64.StdEncoding.EncodeToString(r.Body)
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (r *ReceivedRequest) UnmarshalJSON(data []byte) error {
	type plain ReceivedRequest
	in := struct {
		*plain
		Body       *string `json:"body"`
		BodyBase64 string  `json:"body_base64"`
	}{plain: (*plain)(r)}
	if err := json.Unmarshal(data, &in); err != nil {
		return err
	}
	switch {
	case in.Body == nil && in.BodyBase64 == "":
		r.BodyOmitted = true // a list's entry
	case in.Body != nil:
		r.Body = []byte(*in.Body)
	case in.BodyBase64 != "":
		b, err := base64.StdEncoding.DecodeString(in.BodyBase64)
		if err != nil {
			return err
		}
		r.Body = b
	}
	return nil
}

// AppendJSONLine appends r as one line of JSON followed by a newline: the
// --format json output of `hookctl webhook listen`. The bytes are exactly
// what json.Marshal(r) writes (MarshalJSON, HTML-escaped strings, sorted
// header names), written by hand because it runs once per received request.
func (r *ReceivedRequest) AppendJSONLine(dst []byte) []byte {
	start := len(dst)
	dst, ok := r.appendJSON(dst)
	if !ok { // what json.Marshal refuses (a year outside 0–9999, a NaN latency): let it say why
		dst = dst[:start]
		b, err := json.Marshal(r)
		if err != nil {
			b = fmt.Appendf(nil, `{"id":%q,"error":%q}`, r.ID, err.Error())
		}
		dst = append(dst, b...)
	}
	return append(dst, '\n')
}

// appendJSON appends what json.Marshal(r) writes; false when json.Marshal
// would fail.
func (r *ReceivedRequest) appendJSON(b []byte) ([]byte, bool) {
	var ok bool
	b = append(b, `{"id":`...)
	b = appendJSONString(b, r.ID)
	b = append(b, `,"received_at":`...)
	if b, ok = appendJSONTime(b, r.ReceivedAt); !ok {
		return b, false
	}
	b = append(b, `,"method":`...)
	b = appendJSONString(b, r.Method)
	if r.Host != "" {
		b = append(b, `,"host":`...)
		b = appendJSONString(b, r.Host)
	}
	b = append(b, `,"path":`...)
	b = appendJSONString(b, r.Path)
	if r.Query != "" {
		b = append(b, `,"query":`...)
		b = appendJSONString(b, r.Query)
	}
	b = append(b, `,"headers":`...)
	if r.Headers == nil {
		b = append(b, "null"...)
	} else {
		b = AppendHeaderJSON(b, r.Headers)
	}
	if r.RemoteAddr != "" {
		b = append(b, `,"remote_addr":`...)
		b = appendJSONString(b, r.RemoteAddr)
	}
	if r.EventType != "" {
		b = append(b, `,"event_type":`...)
		b = appendJSONString(b, r.EventType)
	}
	if r.EventTime != nil {
		b = append(b, `,"event_time":`...)
		if b, ok = appendJSONTime(b, *r.EventTime); !ok {
			return b, false
		}
	}
	if v := r.Verification; v != nil {
		b = append(b, `,"verification":{"ok":`...)
		b = strconv.AppendBool(b, v.OK)
		if v.Scheme != "" {
			b = append(b, `,"scheme":`...)
			b = appendJSONString(b, v.Scheme)
		}
		if v.SecretIndex != 0 {
			b = append(b, `,"secret_index":`...)
			b = strconv.AppendInt(b, int64(v.SecretIndex), 10)
		}
		if v.Cause != "" {
			b = append(b, `,"cause":`...)
			b = appendJSONString(b, v.Cause)
		}
		if v.Message != "" {
			b = append(b, `,"message":`...)
			b = appendJSONString(b, v.Message)
		}
		b = append(b, '}')
	}
	if len(r.Forwards) > 0 {
		b = append(b, `,"forwards":[`...)
		for i, f := range r.Forwards {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"url":`...)
			b = appendJSONString(b, f.URL)
			if f.Route != "" {
				b = append(b, `,"route":`...)
				b = appendJSONString(b, f.Route)
			}
			if f.Status != 0 {
				b = append(b, `,"status":`...)
				b = strconv.AppendInt(b, int64(f.Status), 10)
			}
			b = append(b, `,"latency_ms":`...)
			if b, ok = appendJSONFloat(b, f.LatencyMS); !ok {
				return b, false
			}
			if f.Error != "" {
				b = append(b, `,"error":`...)
				b = appendJSONString(b, f.Error)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if r.Filtered {
		b = append(b, `,"filtered":true`...)
	}
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(r.Status), 10)
	if r.Rejected != "" {
		b = append(b, `,"rejected":`...)
		b = appendJSONString(b, r.Rejected)
	}
	if r.Source != "" {
		b = append(b, `,"source":`...)
		b = appendJSONString(b, r.Source)
	}
	if r.Datasource != "" {
		b = append(b, `,"datasource":`...)
		b = appendJSONString(b, r.Datasource)
	}
	if r.RoutingKey != "" {
		b = append(b, `,"routing_key":`...)
		b = appendJSONString(b, r.RoutingKey)
	}
	if r.BodyOmitted { // a list's entry: no body fields, as MarshalJSON
		return append(b, '}'), true
	}
	if utf8.Valid(r.Body) {
		b = append(b, `,"body":`...)
		b = appendJSONString(b, r.Body)
	} else {
		b = append(b, `,"body_base64":"`...)
		b = base64.StdEncoding.AppendEncode(b, r.Body)
		b = append(b, '"')
	}
	if len(r.Body) > 0 {
		b = appendJSONPayload(b, r.Body)
	}
	return append(b, '}'), true
}

// appendJSONPayload appends ,"payload":<body compacted, HTML-escaped> when
// body is JSON, as json.Marshal does with a json.RawMessage; else nothing.
// A body nested deeper than jsondepth.MaxDepth is not JSON here.
func appendJSONPayload(b, body []byte) []byte {
	if !jsondepth.Sane(body) {
		return b
	}
	start := len(b)
	b = append(b, `,"payload":`...)
	at := len(b)
	buf := bytes.NewBuffer(b)
	if json.Compact(buf, body) != nil {
		return b[:start]
	}
	b = buf.Bytes()
	for i := at; i < len(b); i++ {
		if c := b[i]; c == '<' || c == '>' || c == '&' || c == 0xE2 {
			compacted := bytes.Clone(b[at:])
			buf := bytes.NewBuffer(b[:at])
			json.HTMLEscape(buf, compacted)
			return buf.Bytes()
		}
	}
	return b
}

// AppendHeaderJSON appends h as json.Marshal writes it: an object of
// arrays, names sorted, strings HTML-escaped. h must not be nil (json.Marshal
// writes null for a nil map).
func AppendHeaderJSON(b []byte, h http.Header) []byte {
	var small [24]string
	keys := small[:0]
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		vs := h[k]
		if vs == nil {
			b = append(b, "null"...)
			continue
		}
		b = append(b, '[')
		for j, v := range vs {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, v)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

func appendJSONTime(b []byte, t time.Time) ([]byte, bool) {
	if y := t.Year(); y < 0 || y > 9999 {
		return b, false
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), true
}

// appendJSONFloat formats f as encoding/json does (float64).
func appendJSONFloat(b []byte, f float64) ([]byte, bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return b, false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' { // e-09 → e-9, as encoding/json writes it
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, true
}

const hexDigits = "0123456789abcdef"

// appendJSONString is encoding/json's string encoder with HTML escaping:
// <, > and & as \u003c…, control characters escaped, invalid UTF-8 as
// \ufffd, U+2028 and U+2029 escaped.
func appendJSONString[S []byte | string](dst []byte, src S) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(src); {
		if c := src[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			dst = append(dst, src[start:i]...)
			switch c {
			case '\\', '"':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		n := min(len(src)-i, utf8.UTFMax)
		c, size := utf8.DecodeRuneInString(string(src[i : i+n]))
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, src[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, src[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, src[start:]...)
	return append(dst, '"')
}
