package backend

import (
	"context"
	"time"

	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/store"
)

// Requests is the history of requests received by `hookctl webhook listen`.
type Requests interface {
	// RecordRequests stores received requests (one transaction for all).
	RecordRequests(ctx context.Context, reqs ...*model.ReceivedRequest) error
	// ListRequests returns recorded requests, newest first.
	ListRequests(ctx context.Context, p ListRequestsParams) ([]model.ReceivedRequest, error)
	// GetRequest returns one recorded request or an apperr.ErrNotFound error.
	GetRequest(ctx context.Context, id string) (*model.ReceivedRequest, error)
}

// ListRequestsParams filters the history.
type ListRequestsParams struct {
	Since  time.Time `json:"since,omitempty"`  // received at or after
	Event  string    `json:"event,omitempty"`  // event type patterns ('*' globs), comma-separated: any may match
	Failed bool      `json:"failed,omitempty"` // rejected, unverified or failed forward
	Limit  int       `json:"limit,omitempty"`  // <= 0: no limit
	// StartingAfter is a cursor: the page after this request's id.
	StartingAfter string `json:"starting_after,omitempty"`
}

// RecordRequests records reqs as the tenant's, whatever tenant they carried.
func (l *Local) RecordRequests(ctx context.Context, reqs ...*model.ReceivedRequest) error {
	for _, r := range reqs {
		r.Tenant = l.tenant
	}
	return l.store.InsertReceivedRequests(ctx, reqs...)
}

func (l *Local) ListRequests(ctx context.Context, p ListRequestsParams) ([]model.ReceivedRequest, error) {
	return l.store.ListReceivedRequests(ctx, l.tenant, store.ReceivedRequestFilter{
		Since: p.Since, Event: p.Event, Failed: p.Failed, Limit: p.Limit, StartingAfter: p.StartingAfter})
}

func (l *Local) GetRequest(ctx context.Context, id string) (*model.ReceivedRequest, error) {
	return l.store.GetReceivedRequest(ctx, l.tenant, id)
}
