package backend

import (
	"context"
	"net/http"
	"net/url"

	"github.com/hookctl/hookctl/internal/model"
)

var _ Sender = (*Remote)(nil)

// remoteWait is how long one call waits on the server for deliveries to
// finish (long polling, below the client's 30s timeout).
const remoteWait = "20s"

var waitQuery = url.Values{"wait": {remoteWait}}

// SendEvent asks the server to send (POST /v1/events) and waits for the
// deliveries to be final, polling GET /v1/deliveries/{id}?wait=… for those
// still pending when the first answer came.
func (r *Remote) SendEvent(ctx context.Context, p SendEventParams) (*SendResult, error) {
	var res SendResult
	if err := r.do(ctx, http.MethodPost, "/v1/events", waitQuery, p, &res); err != nil {
		return nil, err
	}
	return &res, r.awaitFinal(ctx, res.Data)
}

// ResendDelivery asks the server to resend (POST /v1/deliveries/{id}/resend)
// and waits for the new delivery to be final.
func (r *Remote) ResendDelivery(ctx context.Context, id string, p ResendParams) (*SendResult, error) {
	var res SendResult
	if err := r.do(ctx, http.MethodPost, "/v1/deliveries/"+url.PathEscape(id)+"/resend", waitQuery, p, &res); err != nil {
		return nil, err
	}
	return &res, r.awaitFinal(ctx, res.Data)
}

func (r *Remote) awaitFinal(ctx context.Context, ds []*model.Delivery) error {
	for i, d := range ds {
		for d.State == model.DeliveryPending {
			var got model.Delivery
			if err := r.do(ctx, http.MethodGet, "/v1/deliveries/"+url.PathEscape(d.ID), waitQuery, nil, &got); err != nil {
				return err
			}
			d = &got
		}
		ds[i] = d
	}
	return nil
}
