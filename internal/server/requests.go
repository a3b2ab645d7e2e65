package server

import (
	"net/http"
	"strconv"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/model"
)

// requestRoutes: /v1/requests, the history of requests received by
// `hookctl webhook listen` (which records them here in remote mode).
func (s *Server) requestRoutes() {
	s.route("GET /v1/requests", s.listRequests)
	s.route("POST /v1/requests", s.recordRequests)
	s.route("GET /v1/requests/{id}", s.getRequest)
}

// DefaultRequestsLimit is the page size of GET /v1/requests without ?limit
// (limit=0 lists everything).
const DefaultRequestsLimit = 50

// listRequests takes the CLI's filters: since (RFC 3339), event (a
// pattern, '*' globs), failed and limit.
func (s *Server) listRequests(w http.ResponseWriter, r *http.Request) error {
	q, err := query(r, "since", "event", "failed", "limit")
	if err != nil {
		return err
	}
	p := backend.ListRequestsParams{Event: q.String("event"), Limit: DefaultRequestsLimit}
	if p.Since, err = q.Time("since"); err != nil {
		return err
	}
	if p.Failed, err = q.Flag("failed"); err != nil {
		return err
	}
	if v := q.String("limit"); v != "" {
		if p.Limit, err = strconv.Atoi(v); err != nil || p.Limit < 0 {
			return apperr.Usagef("query parameter limit=%q: use a number, 0 for all", v)
		}
	}
	reqs, err := s.be.ListRequests(r.Context(), p)
	if err != nil {
		return err
	}
	visible, err := s.visibleSources(r)
	if err != nil {
		return err
	}
	kept := reqs[:0]
	for _, rr := range reqs {
		if visible(rr.Source) {
			kept = append(kept, rr)
		}
	}
	return writeList(w, kept)
}

// visibleSources says whether a request received by a source may be shown
// to the caller: only its own tenant's sources' requests are (requests that
// came through no source, from the CLI's listener, are shared).
func (s *Server) visibleSources(r *http.Request) (func(sourceID string) bool, error) {
	own := map[string]bool{}
	if s.srcs != nil {
		srcs, err := s.srcs.ListSources(r.Context(), tenantOf(r))
		if err != nil {
			return nil, err
		}
		for _, src := range srcs {
			own[src.ID] = true
		}
	}
	return func(id string) bool { return id == "" || own[id] }, nil
}

func (s *Server) getRequest(w http.ResponseWriter, r *http.Request) error {
	if _, err := query(r); err != nil {
		return err
	}
	rr, err := s.be.GetRequest(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	visible, err := s.visibleSources(r)
	if err != nil {
		return err
	}
	if !visible(rr.Source) {
		// The same answer as an unknown id: nothing to learn about others.
		return apperr.NotFoundf("no received request %s (run \"hookctl webhook requests list\")", rr.ID)
	}
	return writeJSON(w, http.StatusOK, rr)
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
	if err := s.be.RecordRequests(r.Context(), reqs...); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
