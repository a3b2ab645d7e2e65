package backend

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/hookctl/hookctl/internal/model"
)

// --- deliveries ---------------------------------------------------------------

// DeliveryListBody is the response of GET /v1/deliveries: the totals over
// the filter (ignoring limit) and the page, newest first.
type DeliveryListBody struct {
	Total     int              `json:"total"`
	Succeeded int              `json:"succeeded"`
	Failed    int              `json:"failed"`
	Data      []model.Delivery `json:"data"`
}

// ImportDeliveriesBody is the body of POST /v1/deliveries: deliveries made
// elsewhere (the CLI's load mode, with a remote backend) to record as they
// are. Each delivery's payload_base64 carries the exact bytes.
type ImportDeliveriesBody struct {
	Data []json.RawMessage `json:"data"`
}

// SaveDeliveries records deliveries made by the caller (POST /v1/deliveries).
func (r *Remote) SaveDeliveries(ctx context.Context, ds []*model.Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	body := ImportDeliveriesBody{Data: make([]json.RawMessage, 0, len(ds))}
	for _, d := range ds {
		b, err := json.Marshal(d)
		if err != nil {
			return err
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			return err
		}
		m["payload_base64"], _ = json.Marshal(d.Payload)
		b, err = json.Marshal(m)
		if err != nil {
			return err
		}
		body.Data = append(body.Data, b)
	}
	return r.do(ctx, http.MethodPost, "/v1/deliveries", nil, body, nil)
}

// DeliveriesQuery is the query of GET /v1/deliveries for p.
func DeliveriesQuery(p ListDeliveriesParams) url.Values {
	q := url.Values{}
	if !p.Since.IsZero() {
		q.Set("since", p.Since.UTC().Format(time.RFC3339Nano))
	}
	if !p.Until.IsZero() {
		q.Set("until", p.Until.UTC().Format(time.RFC3339Nano))
	}
	if p.StatusCode != 0 {
		q.Set("status_code", strconv.Itoa(p.StatusCode))
	}
	if p.RequestID != "" {
		q.Set("request_id", p.RequestID)
	}
	if p.EventType != "" {
		q.Set("event", p.EventType)
	}
	if p.ConfigID != "" {
		q.Set("config_id", p.ConfigID)
	}
	if p.State != "" {
		q.Set("state", p.State)
	}
	// limit=0 means "all" here as in the CLI, so it is always sent.
	q.Set("limit", strconv.Itoa(p.Limit))
	return q
}

func (r *Remote) ListDeliveries(ctx context.Context, p ListDeliveriesParams) (*DeliveryList, error) {
	var out DeliveryListBody
	if err := r.do(ctx, http.MethodGet, "/v1/deliveries", DeliveriesQuery(p), nil, &out); err != nil {
		return nil, err
	}
	if out.Data == nil {
		out.Data = []model.Delivery{}
	}
	return &DeliveryList{Total: out.Total, Succeeded: out.Succeeded, Failed: out.Failed, Deliveries: out.Data}, nil
}

func (r *Remote) GetDelivery(ctx context.Context, id string) (*model.Delivery, error) {
	var d model.Delivery
	if err := r.do(ctx, http.MethodGet, "/v1/deliveries/"+url.PathEscape(id), nil, nil, &d); err != nil {
		return nil, err
	}
	if d.Attempts == nil {
		d.Attempts = []model.DeliveryAttempt{}
	}
	return &d, nil
}
