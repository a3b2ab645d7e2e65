package model

import (
	"encoding/json"
	"math"
	"time"
	"unicode/utf8"
)

// Delivery states.
const (
	DeliveryPending   = "pending"
	DeliverySucceeded = "succeeded"
	DeliveryFailed    = "failed"
)

// Delivery is one outbound webhook: an event sent (with retries) to one URL.
// Every try is an Attempt. The request id is the same for every attempt and
// for resends of the same delivery, so receivers can deduplicate on it.
type Delivery struct {
	// Tenant owns the delivery; never in JSON (the API key decides it).
	Tenant         string            `json:"-"`
	ID             string            `json:"id"`
	RequestID      string            `json:"request_id"`
	EventType      string            `json:"event_type"`
	EventID        string            `json:"event_id,omitempty"`
	ConfigID       string            `json:"config_id,omitempty"`
	URL            string            `json:"url"`
	Scheme         string            `json:"scheme,omitempty"` // "" = unsigned
	RequestHeaders map[string]string `json:"request_headers"`
	Payload        []byte            `json:"-"`
	State          string            `json:"state"`
	StatusCode     int               `json:"status_code"` // of the last attempt; 0 = no response
	AttemptCount   int               `json:"attempt_count"`
	Attempts       []DeliveryAttempt `json:"attempts"` // empty in listings
	ResendOf       string            `json:"resend_of,omitempty"`
	Mock           bool              `json:"mock,omitempty"` // sent without being recorded
	CreatedAt      time.Time         `json:"created_at"`
	UpdatedAt      time.Time         `json:"updated_at"`
}

// DeliveryAttempt is one HTTP request of a delivery.
type DeliveryAttempt struct {
	N                 int           `json:"attempt"`
	StartedAt         time.Time     `json:"started_at"`
	StatusCode        int           `json:"status_code"` // 0 = no response
	Latency           time.Duration `json:"-"`
	ResponseBody      string        `json:"response_body"`
	ResponseTruncated bool          `json:"response_truncated,omitempty"`
	Error             string        `json:"error,omitempty"`
}

// MarshalJSON adds the payload (as JSON when it is JSON, else as a string)
// and latency in milliseconds.
func (d Delivery) MarshalJSON() ([]byte, error) {
	type plain Delivery
	var payload any = string(d.Payload)
	if json.Valid(d.Payload) {
		payload = json.RawMessage(d.Payload)
	}
	if d.Attempts == nil {
		d.Attempts = []DeliveryAttempt{}
	}
	return json.Marshal(struct {
		plain
		Payload any `json:"payload"`
	}{plain(d), payload})
}

// MarshalJSON renders latency as latency_ms.
func (a DeliveryAttempt) MarshalJSON() ([]byte, error) {
	type plain DeliveryAttempt
	return json.Marshal(struct {
		plain
		LatencyMS float64 `json:"latency_ms"`
	}{plain(a), float64(a.Latency.Microseconds()) / 1000})
}

// CapResponse cuts the stored receiver answer to at most n bytes (on a
// UTF-8 boundary) and marks it truncated.
func (a *DeliveryAttempt) CapResponse(n int) {
	if len(a.ResponseBody) <= n {
		return
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(a.ResponseBody[cut]) {
		cut--
	}
	a.ResponseBody, a.ResponseTruncated = a.ResponseBody[:cut], true
}

// LastAttempt returns the latest attempt, or nil.
func (d *Delivery) LastAttempt() *DeliveryAttempt {
	if len(d.Attempts) == 0 {
		return nil
	}
	return &d.Attempts[len(d.Attempts)-1]
}

// UnmarshalJSON reads what MarshalJSON writes (the API's deliveries): the
// payload as JSON or as a string, and latency_ms. A payload_base64 field,
// when present, carries the exact bytes (imports of recorded deliveries).
// A payload that was a JSON string at the top level comes back as its text
// unless that text is itself JSON: the one case the shape cannot tell apart.
func (d *Delivery) UnmarshalJSON(b []byte) error {
	type plain Delivery
	var aux struct {
		plain
		Payload       json.RawMessage `json:"payload"`
		PayloadBase64 []byte          `json:"payload_base64"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*d = Delivery(aux.plain)
	switch {
	case aux.PayloadBase64 != nil:
		d.Payload = aux.PayloadBase64
	case len(aux.Payload) > 0 && aux.Payload[0] == '"':
		var s string
		if err := json.Unmarshal(aux.Payload, &s); err != nil {
			return err
		}
		if json.Valid([]byte(s)) {
			d.Payload = append([]byte(nil), aux.Payload...)
		} else {
			d.Payload = []byte(s)
		}
	case len(aux.Payload) > 0 && string(aux.Payload) != "null":
		d.Payload = append([]byte(nil), aux.Payload...)
	}
	return nil
}

// UnmarshalJSON reads latency_ms back into Latency.
func (a *DeliveryAttempt) UnmarshalJSON(b []byte) error {
	type plain DeliveryAttempt
	var aux struct {
		plain
		LatencyMS float64 `json:"latency_ms"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*a = DeliveryAttempt(aux.plain)
	a.Latency = time.Duration(math.Round(aux.LatencyMS*1000)) * time.Microsecond
	return nil
}
