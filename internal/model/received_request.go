package model

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
	"unicode/utf8"
)

// ReceivedRequest is one HTTP request that `hookctl webhook listen` received,
// as recorded in the history (`hookctl webhook requests`).
type ReceivedRequest struct {
	ID         string      `json:"id"` // req_…
	ReceivedAt time.Time   `json:"received_at"`
	Method     string      `json:"method"`
	Host       string      `json:"host,omitempty"`
	Path       string      `json:"path"`
	Query      string      `json:"query,omitempty"` // raw query, without '?'
	Headers    http.Header `json:"headers"`
	// Body is the raw body, byte for byte. JSON output shows it as
	// "body" (a string when it is UTF-8) or "body_base64".
	Body       []byte `json:"-"`
	RemoteAddr string `json:"remote_addr,omitempty"`
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
	URL       string        `json:"url"`
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
// (the parsed value, for jq: .payload.data.id).
func (r ReceivedRequest) MarshalJSON() ([]byte, error) {
	type plain ReceivedRequest
	out := struct {
		plain
		Body       *string         `json:"body,omitempty"`
		BodyBase64 string          `json:"body_base64,omitempty"`
		Payload    json.RawMessage `json:"payload,omitempty"`
	}{plain: plain(r)}
	if len(r.Body) > 0 && json.Valid(r.Body) {
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

// AppendJSONLine appends r as one line of JSON, exactly what MarshalJSON
// writes (through json.Marshal) followed by a newline: the --format json
// output of `hookctl webhook listen`.
func (r *ReceivedRequest) AppendJSONLine(dst []byte) []byte {
	b, err := json.Marshal(r)
	if err != nil {
		b = fmt.Appendf(nil, `{"id":%q,"error":%q}`, r.ID, err.Error())
	}
	dst = append(dst, b...)
	return append(dst, '\n')
}
