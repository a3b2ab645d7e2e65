package server

import (
	"context"
	"net/http"
	"time"

	"github.com/tidwall/gjson"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/dispatch"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/outbox"
)

// Dispatcher queues deliveries durably and delivers them in the background
// (*outbox.Outbox).
type Dispatcher interface {
	Enqueue(ctx context.Context, jobs []outbox.Job) ([]*model.Delivery, error)
	// Wait blocks until the tenant's deliveries are final, ctx is done or
	// max passed.
	Wait(ctx context.Context, tenant string, ids []string, max time.Duration)
	// WaitAttempt blocks until the tenant's delivery has more than after
	// attempts or is final, ctx is done or max passed.
	WaitAttempt(ctx context.Context, tenant, id string, after int, max time.Duration)
}

// eventRoutes: POST /v1/events sends an event; POST
// /v1/deliveries/{id}/resend resends a delivery. Both queue deliveries in
// the outbox and answer 202 with them pending, or, with ?wait=20s, once
// they are final (200) or the wait is over (202).
func (s *Server) eventRoutes() {
	s.route("POST /v1/events", s.sendEvent)
	s.route("POST /v1/deliveries/{id}/resend", s.resendDelivery)
}

func (s *Server) sendEvent(w http.ResponseWriter, r *http.Request) error {
	_, wait, err := longPollQuery(r)
	if err != nil {
		return err
	}
	var p backend.SendEventParams
	if err := s.decodeJSON(w, r, &p); err != nil {
		return err
	}
	policy, err := s.limits.policy(p.DeliveryPolicy)
	if err != nil {
		return err
	}
	ev, eventScheme, err := buildEvent(p, time.Now())
	if err != nil {
		return err
	}
	var targets []dispatch.Target
	switch {
	case p.To != "" && p.ConfigID != "":
		return apperr.Usagef("use only one of to and config_id")
	case p.To != "":
		if err := backend.ValidateEndpointURL(p.To); err != nil {
			return err
		}
		if err := s.checkTarget(p.To); err != nil {
			return err
		}
		if p.Secret == "" && p.Scheme != "" {
			return apperr.Usagef("scheme needs secret")
		}
		targets = []dispatch.Target{dispatch.AdHocTarget(p.To, p.Secret, p.Scheme, eventScheme)}
	default:
		if p.Secret != "" || p.Scheme != "" {
			return apperr.Usagef("scheme and secret go with to; a config signs with its own scheme and secret")
		}
		if targets, err = backend.ConfigTargets(r.Context(), s.be(r), p.ConfigID, ev.Type); err != nil {
			return err
		}
	}
	jobs := make([]outbox.Job, len(targets))
	for i, t := range targets {
		jobs[i] = outbox.Job{Tenant: tenantOf(r), Event: ev, Target: t, Policy: policy}
	}
	return s.enqueueAndAnswer(w, r, jobs, wait, nil)
}

func (s *Server) resendDelivery(w http.ResponseWriter, r *http.Request) error {
	_, wait, err := longPollQuery(r)
	if err != nil {
		return err
	}
	var p backend.ResendParams
	if err := s.decodeOptionalJSON(w, r, &p); err != nil {
		return err
	}
	if p.To != "" {
		if err := backend.ValidateEndpointURL(p.To); err != nil {
			return err
		}
		if err := s.checkTarget(p.To); err != nil {
			return err
		}
	}
	policy, err := s.limits.policy(p.DeliveryPolicy)
	if err != nil {
		return err
	}
	orig, err := s.be(r).GetDelivery(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	ev, t, warning, err := backend.PrepareResend(r.Context(), s.be(r), orig, p.To)
	if err != nil {
		return err
	}
	var warnings []string
	if warning != "" {
		warnings = append(warnings, warning)
	}
	return s.enqueueAndAnswer(w, r, []outbox.Job{{Tenant: tenantOf(r), Event: ev, Target: t, Policy: policy}}, wait, warnings)
}

func (s *Server) enqueueAndAnswer(w http.ResponseWriter, r *http.Request, jobs []outbox.Job, wait time.Duration, warnings []string) error {
	if s.dispatcher == nil {
		return errNoDispatcher
	}
	ds, err := s.dispatcher.Enqueue(r.Context(), jobs)
	if err != nil {
		return err
	}
	ids := make([]string, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	s.dispatcher.Wait(r.Context(), tenantOf(r), ids, wait)
	res := backend.SendResult{Data: make([]*model.Delivery, 0, len(ds)), Warnings: warnings}
	status := http.StatusOK
	for _, id := range ids {
		d, err := s.be(r).GetDelivery(r.Context(), id)
		if err != nil {
			return err
		}
		if d.State == model.DeliveryPending {
			status = http.StatusAccepted
		}
		res.Data = append(res.Data, d)
	}
	return writeJSON(w, status, res)
}

// buildEvent makes the event of a send: the catalogue's example for Type,
// or the given payload (its type from Type or its "type"/"event" field,
// with the catalogue's headers when the type is known), edited by Set, with
// Headers on top. It returns the catalogue event's scheme, if any.
func buildEvent(p backend.SendEventParams, now time.Time) (dispatch.Event, string, error) {
	cat := catalog.Builtin()
	var body []byte
	hdr := http.Header{}
	scheme := ""
	typ := p.Type
	switch {
	case p.PayloadBase64 != nil && p.Payload != nil:
		return dispatch.Event{}, "", apperr.Usagef("use only one of payload and payload_base64")
	case p.PayloadBase64 != nil || p.Payload != nil:
		body = p.PayloadBase64
		if body == nil {
			body = p.Payload
		}
		if typ == "" {
			for _, field := range []string{"type", "event"} {
				if v := gjson.GetBytes(body, field); v.Type == gjson.String && v.Str != "" {
					typ = v.Str
					break
				}
			}
			if typ == "" {
				return dispatch.Event{}, "", apperr.Usagef("cannot tell the event type: the payload has no \"type\" field; pass type")
			}
		}
		if e, err := cat.Get(typ); err == nil {
			_, h, err := e.BuildRequest(catalog.BuildOptions{Now: now})
			if err != nil {
				return dispatch.Event{}, "", err
			}
			hdr, scheme = h, e.Scheme
		}
	case typ == "":
		return dispatch.Event{}, "", apperr.Usagef("missing event: pass type (see GET of the catalogue with \"hookctl events list\") or payload")
	default:
		e, err := cat.Get(typ)
		if err != nil {
			return dispatch.Event{}, "", err
		}
		if body, hdr, err = e.BuildRequest(catalog.BuildOptions{Now: now}); err != nil {
			return dispatch.Event{}, "", err
		}
		scheme = e.Scheme
	}
	body, err := catalog.Apply(body, p.Set)
	if err != nil {
		return dispatch.Event{}, "", err
	}
	if err := backend.ValidateHeaders(p.Headers); err != nil {
		return dispatch.Event{}, "", err
	}
	for k, v := range p.Headers {
		hdr.Set(k, v)
	}
	ev := dispatch.Event{Type: typ, Body: body, Headers: hdr}
	if v := gjson.GetBytes(body, "id"); v.Type == gjson.String {
		ev.EventID = v.Str
	}
	return ev, scheme, nil
}

// QueueNotifier is the backend.Notifier of `hookctl serve`: the validation
// event of a new instance is queued in the outbox, for the tenant, to every
// subscribed config; the deliveries are returned pending (the API answers
// them in the create's body; clients wait for them as for any send).
type QueueNotifier struct{ Dispatcher Dispatcher }

// NotifyValidation implements backend.Notifier.
func (n QueueNotifier) NotifyValidation(ctx context.Context, _ backend.Deliveries, tenant string, ev dispatch.Event, targets []dispatch.Target, p dispatch.Policy) []model.ValidationDelivery {
	jobs := make([]outbox.Job, len(targets))
	for i, t := range targets {
		jobs[i] = outbox.Job{Tenant: tenant, Event: ev, Target: t, Policy: p}
	}
	// Queued even if the client hangs up: the instance exists now.
	ds, err := n.Dispatcher.Enqueue(context.WithoutCancel(ctx), jobs)
	out := make([]model.ValidationDelivery, len(targets))
	for i, t := range targets {
		out[i].URL = t.URL
		if err != nil {
			out[i].Error = "queue the validation event: " + err.Error()
			continue
		}
		out[i].Delivery = ds[i]
	}
	return out
}

// DispatcherMetrics registers the dispatcher's metrics in m: deliveries by
// outcome, attempt latency and queue depth (length). It returns the
// function to pass as outbox.Options.OnAttempt.
func DispatcherMetrics(m *Metrics, length func() int) func(outcome string, latency time.Duration) {
	outcomes := m.NewCounterVec("hookctl_delivery_attempts_total", "Delivery attempts by outcome: succeeded, failed (final) or retry.", "outcome")
	latency := m.NewHistogramVec("hookctl_delivery_attempt_duration_seconds", "Latency of delivery attempts (HTTP request to the receiver).", DefaultBuckets)
	m.NewGaugeFunc("hookctl_delivery_queue_depth", "Deliveries with an attempt still to make (the outbox).", func() float64 { return float64(length()) })
	return func(outcome string, d time.Duration) {
		outcomes.Inc(outcome)
		latency.ObserveDuration(d)
	}
}
