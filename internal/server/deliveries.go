package server

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/dispatch"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/redact"
)

// deliveryRoutes: /v1/deliveries, the log of outbound deliveries.
func (s *Server) deliveryRoutes() {
	s.route("GET /v1/deliveries", s.listDeliveries)
	s.route("POST /v1/deliveries", s.importDeliveries)
	s.route("GET /v1/deliveries/{id}", s.getDelivery)
}

var deliveryStates = []string{model.DeliveryPending, model.DeliverySucceeded, model.DeliveryFailed}

// listDeliveries takes the CLI's filters: since and until (RFC 3339),
// status_code, request_id, event (event type patterns, '*' globs,
// comma-separated: any may match; filtered in SQL, so the totals count
// the matches), config_id, state, and the page: limit
// and starting_after. Payloads and attempts are left out (GET one for them).
func (s *Server) listDeliveries(w http.ResponseWriter, r *http.Request) error {
	q, err := query(r, "since", "until", "status_code", "request_id", "event", "config_id", "state", "limit", "starting_after", "show_secret")
	if err != nil {
		return err
	}
	show, err := q.Flag("show_secret")
	if err != nil {
		return err
	}
	p := backend.ListDeliveriesParams{
		RequestID: q.String("request_id"), EventType: q.String("event"), ConfigID: q.String("config_id"),
		State: q.String("state"),
	}
	if p.Limit, p.StartingAfter, err = q.Page(); err != nil {
		return err
	}
	if p.Since, err = q.Time("since"); err != nil {
		return err
	}
	if p.Until, err = q.Time("until"); err != nil {
		return err
	}
	if v := q.String("status_code"); v != "" {
		if p.StatusCode, err = strconv.Atoi(v); err != nil || p.StatusCode < 0 {
			return apperr.Usagef("query parameter status_code=%q: use an HTTP status code such as 503", v)
		}
	}
	if p.State != "" && !contains(deliveryStates, p.State) {
		return apperr.Usagef("query parameter state=%q: use one of %s", p.State, strings.Join(deliveryStates, ", "))
	}
	list, err := s.be(r).ListDeliveries(r.Context(), p)
	if err != nil {
		return err
	}
	if list.Deliveries == nil {
		list.Deliveries = []model.Delivery{}
	}
	for i := range list.Deliveries {
		redactDelivery(&list.Deliveries[i], show)
	}
	return writeJSON(w, http.StatusOK, backend.DeliveryListBody{Total: list.Total, Succeeded: list.Succeeded, Failed: list.Failed,
		Data: list.Deliveries, HasMore: list.HasMore})
}

func (s *Server) getDelivery(w http.ResponseWriter, r *http.Request) error {
	q, wait, err := longPollQuery(r, "attempts", "show_secret")
	if err != nil {
		return err
	}
	show, err := q.Flag("show_secret")
	if err != nil {
		return err
	}
	// ?attempts=N with ?wait: answer as soon as there are more than N
	// attempts (progress), not only once the delivery is final.
	after := -1
	if v := q.String("attempts"); v != "" {
		if after, err = strconv.Atoi(v); err != nil || after < 0 {
			return apperr.Usagef("query parameter attempts=%q: use the number of attempts already seen (0 or more)", v)
		}
	}
	id := r.PathValue("id")
	switch {
	case wait <= 0 || s.dispatcher == nil:
	case after >= 0:
		s.dispatcher.WaitAttempt(r.Context(), tenantOf(r), id, after, wait)
	default:
		s.dispatcher.Wait(r.Context(), tenantOf(r), []string{id}, wait)
	}
	d, err := s.be(r).GetDelivery(r.Context(), id)
	if err != nil {
		return err
	}
	redactDelivery(d, show)
	return writeJSON(w, http.StatusOK, d)
}

// redactDelivery hides the credential headers of d's request (a config's
// Authorization header, say) unless show.
func redactDelivery(d *model.Delivery, show bool) {
	if !show {
		d.RequestHeaders = redact.Headers(d.RequestHeaders)
	}
}

// importDeliveries records deliveries made elsewhere, as they are:
// {"data":[delivery, …]} with each payload in payload_base64 (or payload).
func (s *Server) importDeliveries(w http.ResponseWriter, r *http.Request) error {
	if _, err := query(r); err != nil {
		return err
	}
	var body backend.ImportDeliveriesBody
	if err := s.decodeJSON(w, r, &body); err != nil {
		return err
	}
	ds := make([]*model.Delivery, 0, len(body.Data))
	for i, raw := range body.Data {
		var d model.Delivery
		if err := json.Unmarshal(raw, &d); err != nil {
			return apperr.Usagef("delivery %d: %v", i+1, err)
		}
		switch {
		case !strings.HasPrefix(d.ID, "dlv_"):
			return apperr.Usagef("delivery %d: id %q must start with dlv_", i+1, d.ID)
		case d.URL == "" || d.RequestID == "":
			return apperr.Usagef("delivery %d (%s): url and request_id are required", i+1, d.ID)
		case !contains(deliveryStates, d.State):
			return apperr.Usagef("delivery %d (%s): state %q: use one of %s", i+1, d.ID, d.State, strings.Join(deliveryStates, ", "))
		}
		for k := range d.Attempts {
			d.Attempts[k].CapResponse(dispatch.DefaultMaxResponseBody)
		}
		ds = append(ds, &d)
	}
	if err := s.be(r).SaveDeliveries(r.Context(), ds); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// longPollQuery parses the query of a call that may long-poll: ?wait (at
// most MaxWait) and the other allowed parameters.
func longPollQuery(r *http.Request, allowed ...string) (queryParams, time.Duration, error) {
	q, err := query(r, append([]string{"wait"}, allowed...)...)
	if err != nil {
		return nil, 0, err
	}
	wait, err := q.Duration("wait", MaxWait)
	return q, wait, err
}

// MaxWait bounds ?wait= (long polling for deliveries to finish).
const MaxWait = 25 * time.Second
