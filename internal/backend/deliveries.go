package backend

import (
	"context"
	"time"

	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/store"
)

// Deliveries is the log of outbound deliveries (webhook send, resend, the
// dispatcher of config-instance events and of `hookctl serve`).
type Deliveries interface {
	// SaveDeliveries upserts deliveries with their attempts in one
	// transaction; it is what a dispatch.Recorder calls.
	SaveDeliveries(ctx context.Context, ds []*model.Delivery) error
	// ListDeliveries returns matching deliveries newest first (without
	// attempts) and the totals over the whole filter (ignoring Limit).
	ListDeliveries(ctx context.Context, p ListDeliveriesParams) (*DeliveryList, error)
	// GetDelivery returns one delivery with its payload and every attempt.
	GetDelivery(ctx context.Context, id string) (*model.Delivery, error)
}

// ListDeliveriesParams filters the delivery log.
type ListDeliveriesParams struct {
	Since      time.Time `json:"since,omitzero"`
	Until      time.Time `json:"until,omitzero"`
	StatusCode int       `json:"status_code,omitempty"`
	RequestID  string    `json:"request_id,omitempty"`
	EventType  string    `json:"event_type,omitempty"` // event type patterns, comma-separated: any may match (model.MatchEventList)
	ConfigID   string    `json:"config_id,omitempty"`
	State      string    `json:"state,omitempty"` // succeeded | failed | pending
	Limit      int       `json:"limit,omitempty"`
	// StartingAfter is a cursor: the page after this delivery's id.
	StartingAfter string `json:"starting_after,omitempty"`
}

// DeliveryList is a page of the delivery log with totals.
type DeliveryList struct {
	Total      int              `json:"total"`
	Succeeded  int              `json:"succeeded"`
	Failed     int              `json:"failed"`
	Deliveries []model.Delivery `json:"deliveries"`
	// HasMore says that more deliveries follow this page (pass the last
	// one's id as StartingAfter).
	HasMore bool `json:"has_more"`
}

// SaveDeliveries saves ds as the tenant's, whatever tenant they carried.
func (l *Local) SaveDeliveries(ctx context.Context, ds []*model.Delivery) error {
	for _, d := range ds {
		d.Tenant = l.tenant
	}
	return l.store.SaveDeliveries(ctx, ds)
}

func (l *Local) ListDeliveries(ctx context.Context, p ListDeliveriesParams) (*DeliveryList, error) {
	ds, more, tot, err := l.store.ListDeliveries(ctx, l.tenant, store.DeliveryFilter{
		Since: p.Since, Until: p.Until, StatusCode: p.StatusCode, RequestID: p.RequestID,
		EventType: p.EventType, ConfigID: p.ConfigID, State: p.State, Limit: p.Limit, StartingAfter: p.StartingAfter,
	})
	if err != nil {
		return nil, err
	}
	return &DeliveryList{Total: tot.Total, Succeeded: tot.Succeeded, Failed: tot.Failed, Deliveries: ds, HasMore: more}, nil
}

func (l *Local) GetDelivery(ctx context.Context, id string) (*model.Delivery, error) {
	return l.store.GetDelivery(ctx, l.tenant, id)
}
