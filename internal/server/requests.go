package server

import (
	"net/http"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/redact"
)

// requestRoutes: /v1/requests, the history of requests received by
// `hookctl webhook listen` (which records them here in remote mode).
func (s *Server) requestRoutes() {
	s.route("GET /v1/requests", s.listRequests)
	s.route("POST /v1/requests", s.recordRequests)
	s.route("GET /v1/requests/{id}", s.getRequest)
}

// listRequests takes the CLI's filters: since (RFC 3339), event (a
// pattern, '*' globs), failed; the inspector's: search, verification
// (verified, failed, unchecked), status (404, 4xx); and the page: limit
// and starting_after.
func (s *Server) listRequests(w http.ResponseWriter, r *http.Request) error {
	q, err := query(r, "since", "event", "failed", "limit", "starting_after", "show_secret", "search", "verification", "status")
	if err != nil {
		return err
	}
	show, err := q.Flag("show_secret")
	if err != nil {
		return err
	}
	p := backend.ListRequestsParams{Event: q.String("event"), Search: q.String("search"),
		Verification: q.String("verification"), Status: q.String("status")}
	if p.Since, err = q.Time("since"); err != nil {
		return err
	}
	if p.Failed, err = q.Flag("failed"); err != nil {
		return err
	}
	limit, after, err := q.Page()
	if err != nil {
		return err
	}
	p.Limit, p.StartingAfter = limit+1, after // one more tells whether there are more
	reqs, err := s.be(r).ListRequests(r.Context(), p)
	if err != nil {
		return err
	}
	more := len(reqs) > limit
	if more {
		reqs = reqs[:limit]
	}
	if reqs == nil {
		reqs = []model.ReceivedRequest{}
	}
	for i := range reqs {
		redactRequest(&reqs[i], show)
	}
	return writeJSON(w, http.StatusOK, backend.PageBody[model.ReceivedRequest]{Data: reqs, HasMore: more})
}

// getRequest answers one request; ?show_secret=true keeps its credential
// headers (requests show --raw and replay need the exact request).
func (s *Server) getRequest(w http.ResponseWriter, r *http.Request) error {
	show, err := showSecretParam(r)
	if err != nil {
		return err
	}
	rr, err := s.be(r).GetRequest(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	redactRequest(rr, show)
	return writeJSON(w, http.StatusOK, rr)
}

// redactRequest hides the credential headers a sender sent (its
// Authorization, a signature) unless show.
func redactRequest(rr *model.ReceivedRequest, show bool) {
	if !show {
		rr.Headers = redact.HTTPHeader(rr.Headers)
	}
}

// recordRequests stores {"data":[request, …]} as they are (204).
func (s *Server) recordRequests(w http.ResponseWriter, r *http.Request) error {
	if _, err := query(r); err != nil {
		return err
	}
	var body backend.RecordRequestsBody
	if err := s.decodeJSON(w, r, &body); err != nil {
		return err
	}
	reqs := make([]*model.ReceivedRequest, 0, len(body.Data))
	for i, rr := range body.Data {
		if rr == nil || len(rr.ID) < 5 || rr.ID[:4] != "req_" || rr.Method == "" || rr.ReceivedAt.IsZero() {
			return apperr.Usagef("request %d: id (req_…), method and received_at are required", i+1)
		}
		reqs = append(reqs, rr)
	}
	if err := s.be(r).RecordRequests(r.Context(), reqs...); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
