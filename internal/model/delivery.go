package model

import (
	"encoding/json"
	"time"
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

// LastAttempt returns the latest attempt, or nil.
func (d *Delivery) LastAttempt() *DeliveryAttempt {
	if len(d.Attempts) == 0 {
		return nil
	}
	return &d.Attempts[len(d.Attempts)-1]
}
