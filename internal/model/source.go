package model

import "time"

// Source is an inbound webhook source of `hookctl serve`: senders POST JSON
// to its hook URL /wh/{apiToken}/{token} and the server records each
// request. There is one source per tenant, datasource and event.
//
// JSON uses the provider's camelCase (apiToken, tsField, createdAt, hookUrl).
type Source struct {
	ID         string `json:"id"` // src_…
	Tenant     string `json:"-"`
	Datasource string `json:"datasource"`
	Event      string `json:"event"`
	APIToken   string `json:"apiToken"`
	Token      string `json:"token"`
	// TSField is a JSON path (gjson; "commits[0].timestamp" works too) to
	// the event's own time; "" when not set.
	TSField   string    `json:"tsField"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	// HookURL is filled in by the server: <server>/wh/{apiToken}/{token}.
	HookURL string `json:"hookUrl,omitempty"`
}

// HookPath is the path senders POST to.
func (s *Source) HookPath() string { return "/wh/" + s.APIToken + "/" + s.Token }

// RoutingKey is event.{tenant}.{datasource}.{event}.
func (s *Source) RoutingKey() string {
	return "event." + s.Tenant + "." + s.Datasource + "." + s.Event
}

// SourceEvent is one entry of a source's event log (the relay's stream):
// its sequence number and the request it recorded.
type SourceEvent struct {
	Seq     int64
	Request ReceivedRequest
}
