package backend

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
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
	// Search keeps requests whose body, headers, path, query, event type
	// or id contain this text (ASCII case-insensitive).
	Search string `json:"search,omitempty"`
	// Verification: verified, failed or unchecked (no secret was known).
	Verification string `json:"verification,omitempty"`
	// Status is the status answered: a code (404) or a class (2xx … 5xx).
	Status string `json:"status,omitempty"`
}

// StatusRange parses a status filter: a code (404) or a class (4xx);
// "" is 0, 0 (any).
func StatusRange(s string) (lo, hi int, err error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "" {
		return 0, 0, nil
	}
	if len(s) == 3 && s[1:] == "xx" && s[0] >= '1' && s[0] <= '5' {
		lo = int(s[0]-'0') * 100
		return lo, lo + 99, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 100 || n > 599 {
		return 0, 0, apperr.Usagef("invalid status filter %q: use a code (404) or a class (2xx, 4xx, 5xx)", s)
	}
	return n, n, nil
}

// RecordRequests records reqs as the tenant's, whatever tenant they carried.
func (l *Local) RecordRequests(ctx context.Context, reqs ...*model.ReceivedRequest) error {
	for _, r := range reqs {
		r.Tenant = l.tenant
	}
	return l.store.InsertReceivedRequests(ctx, reqs...)
}

func (l *Local) ListRequests(ctx context.Context, p ListRequestsParams) ([]model.ReceivedRequest, error) {
	lo, hi, err := StatusRange(p.Status)
	if err != nil {
		return nil, err
	}
	return l.store.ListReceivedRequests(ctx, l.tenant, store.ReceivedRequestFilter{
		Since: p.Since, Event: p.Event, Failed: p.Failed, Limit: p.Limit, StartingAfter: p.StartingAfter,
		Search: p.Search, Verification: p.Verification, StatusMin: lo, StatusMax: hi})
}

func (l *Local) GetRequest(ctx context.Context, id string) (*model.ReceivedRequest, error) {
	return l.store.GetReceivedRequest(ctx, l.tenant, id)
}
