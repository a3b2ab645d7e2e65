package server

import (
	"net/http"

	"github.com/hookctl/hookctl/internal/backend"
)

// configInstanceRoutes: /v1/config_instances, shaped like the provider's
// API (Miru's validation server): approve, reject and deploy each return
// the instance (deploy: {"deploy": …, "remove": […]}). Illegal transitions
// are 409, unknown ids 404, content that is not JSON 422, a missing
// message or parameter errors 400.
func (s *Server) configInstanceRoutes() {
	s.route("POST /v1/config_instances", s.createConfigInstance)
	s.route("GET /v1/config_instances", s.listConfigInstances)
	s.route("GET /v1/config_instances/{id}", s.getConfigInstance)
	s.route("POST /v1/config_instances/{id}/approve", s.approveConfigInstance)
	s.route("POST /v1/config_instances/{id}/reject", s.rejectConfigInstance)
	s.route("POST /v1/config_instances/{id}/deploy", s.deployConfigInstance)
}

func (s *Server) createConfigInstance(w http.ResponseWriter, r *http.Request) error {
	if _, err := query(r); err != nil {
		return err
	}
	var p backend.CreateConfigInstanceParams
	if err := s.decodeJSON(w, r, &p); err != nil {
		return err
	}
	// The answer carries the validation event's deliveries, queued.
	ci, err := s.be(r).CreateConfigInstance(r.Context(), p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, ci)
}

func (s *Server) listConfigInstances(w http.ResponseWriter, r *http.Request) error {
	q, err := query(r, "status", "device_id", "relative_filepath")
	if err != nil {
		return err
	}
	cis, err := s.be(r).ListConfigInstances(r.Context(), backend.ListConfigInstancesParams{
		Status: q.String("status"), DeviceID: q.String("device_id"), RelativeFilepath: q.String("relative_filepath"),
	})
	if err != nil {
		return err
	}
	return writeList(w, cis)
}

func (s *Server) getConfigInstance(w http.ResponseWriter, r *http.Request) error {
	if _, err := query(r); err != nil {
		return err
	}
	ci, err := s.be(r).GetConfigInstance(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ci)
}

func (s *Server) approveConfigInstance(w http.ResponseWriter, r *http.Request) error {
	if _, err := query(r); err != nil {
		return err
	}
	var req backend.ApproveConfigInstanceRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	ci, err := s.be(r).ApproveConfigInstance(r.Context(), r.PathValue("id"), req)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ci)
}

func (s *Server) rejectConfigInstance(w http.ResponseWriter, r *http.Request) error {
	if _, err := query(r); err != nil {
		return err
	}
	var req backend.RejectConfigInstanceRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	ci, err := s.be(r).RejectConfigInstance(r.Context(), r.PathValue("id"), req)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ci)
}

// deployConfigInstance takes no body; ?dry_run=true plans without changing
// anything (absent means false, as in the provider's API).
func (s *Server) deployConfigInstance(w http.ResponseWriter, r *http.Request) error {
	q, err := query(r, "dry_run")
	if err != nil {
		return err
	}
	dry, err := q.Flag("dry_run")
	if err != nil {
		return err
	}
	var none struct{} // no body; an empty object is tolerated
	if err := s.decodeOptionalJSON(w, r, &none); err != nil {
		return err
	}
	res, err := s.be(r).DeployConfigInstance(r.Context(), r.PathValue("id"), dry)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, res)
}
