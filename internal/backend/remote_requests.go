package backend

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/hookctl/hookctl/internal/model"
)

// --- received requests ----------------------------------------------------------

// RecordRequestsBody is the body of POST /v1/requests: requests a listener
// received, to record in the server's history.
type RecordRequestsBody struct {
	Data []*model.ReceivedRequest `json:"data"`
}

func (r *Remote) RecordRequests(ctx context.Context, reqs ...*model.ReceivedRequest) error {
	if len(reqs) == 0 {
		return nil
	}
	return r.do(ctx, http.MethodPost, "/v1/requests", nil, RecordRequestsBody{Data: reqs}, nil)
}

// RequestsQuery is the query of GET /v1/requests for p.
func RequestsQuery(p ListRequestsParams) url.Values {
	q := url.Values{}
	if !p.Since.IsZero() {
		q.Set("since", p.Since.UTC().Format(time.RFC3339Nano))
	}
	if p.Event != "" {
		q.Set("event", p.Event)
	}
	if p.Failed {
		q.Set("failed", "true")
	}
	if p.Limit > 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	if p.StartingAfter != "" {
		q.Set("starting_after", p.StartingAfter)
	}
	for k, v := range map[string]string{"search": p.Search, "verification": p.Verification, "status": p.Status} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// ListRequests reads the list page by page (the server answers at most
// MaxListLimit a call), up to p.Limit requests (0: all).
func (r *Remote) ListRequests(ctx context.Context, p ListRequestsParams) ([]model.ReceivedRequest, error) {
	out := []model.ReceivedRequest{}
	want := p.Limit
	for {
		p.Limit = pageLimit(want, len(out))
		var page PageBody[model.ReceivedRequest]
		if err := r.do(ctx, http.MethodGet, "/v1/requests", showSecretQuery(ctx, RequestsQuery(p)), nil, &page); err != nil {
			return nil, err
		}
		for i := range page.Data {
			fixForwardLatency(&page.Data[i])
		}
		out = append(out, page.Data...)
		if !page.HasMore || len(page.Data) == 0 || (want > 0 && len(out) >= want) {
			return out, nil
		}
		p.StartingAfter = page.Data[len(page.Data)-1].ID
	}
}

func (r *Remote) GetRequest(ctx context.Context, id string) (*model.ReceivedRequest, error) {
	var rr model.ReceivedRequest
	if err := r.do(ctx, http.MethodGet, "/v1/requests/"+url.PathEscape(id), showSecretQuery(ctx, nil), nil, &rr); err != nil {
		return nil, err
	}
	fixForwardLatency(&rr)
	return &rr, nil
}

// fixForwardLatency restores Latency (not in the JSON) from latency_ms.
func fixForwardLatency(rr *model.ReceivedRequest) {
	for i := range rr.Forwards {
		f := &rr.Forwards[i]
		f.Latency = time.Duration(f.LatencyMS * float64(time.Millisecond)) // as the store does
	}
}
