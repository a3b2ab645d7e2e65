package backend

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/hookctl/hookctl/internal/model"
)

var _ Sender = (*Remote)(nil)

// remoteWait is how long one call waits on the server for deliveries to
// finish (long polling, below the client's 30s timeout).
const remoteWait = "20s"

var waitQuery = url.Values{"wait": {remoteWait}}

// SendEvent asks the server to send (POST /v1/events) and waits for the
// deliveries to be final, polling GET /v1/deliveries/{id}?wait=… for those
// still pending when the first answer came. With a progress func, it is
// called with a delivery and each of its attempts that the server retries:
// the request is answered at once and each delivery long-polled attempt by
// attempt (?attempts=N).
func (r *Remote) SendEvent(ctx context.Context, p SendEventParams, progress func(*model.Delivery, *model.DeliveryAttempt)) (*SendResult, error) {
	q := waitQuery
	if progress != nil {
		q = nil
	}
	var res SendResult
	if err := r.do(ctx, http.MethodPost, "/v1/events", q, p, &res); err != nil {
		return nil, err
	}
	return &res, r.awaitFinal(ctx, res.Data, progress)
}

// ResendDelivery asks the server to resend (POST /v1/deliveries/{id}/resend)
// and waits for the new delivery to be final.
func (r *Remote) ResendDelivery(ctx context.Context, id string, p ResendParams) (*SendResult, error) {
	var res SendResult
	if err := r.do(ctx, http.MethodPost, "/v1/deliveries/"+url.PathEscape(id)+"/resend", waitQuery, p, &res); err != nil {
		return nil, err
	}
	return &res, r.awaitFinal(ctx, res.Data, nil)
}

// awaitFinal long-polls each pending delivery until it is final; with
// progress, attempt by attempt, calling progress for each retried attempt.
func (r *Remote) awaitFinal(ctx context.Context, ds []*model.Delivery, progress func(*model.Delivery, *model.DeliveryAttempt)) error {
	for i, d := range ds {
		reported := 0 // attempts of d already reported to progress
		report := func(got *model.Delivery) {
			if progress == nil {
				return
			}
			// Every attempt since the last answer that the server retried
			// (all but a final delivery's last): several may have happened
			// within one poll, or before the first answer.
			for ; reported < len(got.Attempts); reported++ {
				if got.State != model.DeliveryPending && reported == len(got.Attempts)-1 {
					break
				}
				progress(got, &got.Attempts[reported])
			}
		}
		report(d)
		for d.State == model.DeliveryPending {
			q := waitQuery
			if progress != nil {
				q = url.Values{"wait": {remoteWait}, "attempts": {strconv.Itoa(d.AttemptCount)}}
			}
			var got model.Delivery
			if err := r.do(ctx, http.MethodGet, "/v1/deliveries/"+url.PathEscape(d.ID), q, nil, &got); err != nil {
				return err
			}
			report(&got)
			d = &got
		}
		ds[i] = d
	}
	return nil
}
