package backend

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
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
	HasMore   bool             `json:"has_more"`
}

// ImportDeliveriesBody is the body of POST /v1/deliveries: deliveries made
// elsewhere (the CLI's load mode, with a remote backend) to record as they
// are. Each delivery's payload_base64 carries the exact bytes.
type ImportDeliveriesBody struct {
	Data []json.RawMessage `json:"data"`
}

// importChunkBytes bounds one POST /v1/deliveries body: half the server's
// default body limit (1 MiB), so that load mode's batches of 500 (over 2 KiB
// a delivery once encoded) go in several requests instead of one refused
// with 413.
const importChunkBytes = 512 << 10

// SaveDeliveries records deliveries made by the caller (POST /v1/deliveries),
// in requests of at most importChunkBytes. A server with a smaller limit
// answers 413: the chunk is then sent again in halves, down to a single
// delivery, which is refused only if it alone exceeds the limit.
func (r *Remote) SaveDeliveries(ctx context.Context, ds []*model.Delivery) error {
	encoded := make([]json.RawMessage, 0, len(ds))
	size := 0
	for i, d := range ds {
		b, err := encodeImportedDelivery(d)
		if err != nil {
			return err
		}
		if len(encoded) > 0 && size+len(b) > importChunkBytes {
			if err := r.importDeliveries(ctx, ds[i-len(encoded):i], encoded); err != nil {
				return err
			}
			encoded, size = encoded[:0:0], 0
		}
		encoded = append(encoded, b)
		size += len(b) + 1
	}
	if len(encoded) == 0 {
		return nil
	}
	return r.importDeliveries(ctx, ds[len(ds)-len(encoded):], encoded)
}

// importDeliveries posts one chunk (ds and their encodings), halving it on 413.
func (r *Remote) importDeliveries(ctx context.Context, ds []*model.Delivery, encoded []json.RawMessage) error {
	err := r.do(ctx, http.MethodPost, "/v1/deliveries", nil, ImportDeliveriesBody{Data: encoded}, nil)
	if !errors.Is(err, apperr.ErrTooLarge) {
		return err
	}
	if len(encoded) == 1 {
		return fmt.Errorf("record delivery %s: %w", ds[0].ID, err)
	}
	half := len(encoded) / 2
	if err := r.importDeliveries(ctx, ds[:half], encoded[:half]); err != nil {
		return err
	}
	return r.importDeliveries(ctx, ds[half:], encoded[half:])
}

// encodeImportedDelivery is d as JSON with its payload once, in
// payload_base64 (the exact bytes), in one pass: Delivery's own MarshalJSON
// would add it a second time as "payload".
func encodeImportedDelivery(d *model.Delivery) (json.RawMessage, error) {
	type plain model.Delivery // without Delivery's MarshalJSON
	p := plain(*d)
	if p.Attempts == nil {
		p.Attempts = []model.DeliveryAttempt{}
	}
	return json.Marshal(struct {
		plain
		PayloadBase64 []byte `json:"payload_base64"`
	}{p, d.Payload})
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
	if p.Limit > 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	if p.StartingAfter != "" {
		q.Set("starting_after", p.StartingAfter)
	}
	return q
}

// ListDeliveries reads the list page by page (the server answers at most
// MaxListLimit a call), up to p.Limit deliveries (0: all).
func (r *Remote) ListDeliveries(ctx context.Context, p ListDeliveriesParams) (*DeliveryList, error) {
	out := &DeliveryList{Deliveries: []model.Delivery{}}
	want := p.Limit
	for {
		p.Limit = pageLimit(want, len(out.Deliveries))
		var page DeliveryListBody
		if err := r.do(ctx, http.MethodGet, "/v1/deliveries", showSecretQuery(ctx, DeliveriesQuery(p)), nil, &page); err != nil {
			return nil, err
		}
		out.Total, out.Succeeded, out.Failed, out.HasMore = page.Total, page.Succeeded, page.Failed, page.HasMore
		out.Deliveries = append(out.Deliveries, page.Data...)
		if !page.HasMore || len(page.Data) == 0 || (want > 0 && len(out.Deliveries) >= want) {
			return out, nil
		}
		p.StartingAfter = page.Data[len(page.Data)-1].ID
	}
}

func (r *Remote) GetDelivery(ctx context.Context, id string) (*model.Delivery, error) {
	var d model.Delivery
	if err := r.do(ctx, http.MethodGet, "/v1/deliveries/"+url.PathEscape(id), showSecretQuery(ctx, nil), nil, &d); err != nil {
		return nil, err
	}
	if d.Attempts == nil {
		d.Attempts = []model.DeliveryAttempt{}
	}
	return &d, nil
}
