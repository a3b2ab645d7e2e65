package server

import (
	"net/http"
	"time"

	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/redact"
)

// webhookConfigRoutes: /v1/webhook_configs. Secrets are in the responses of
// create and rotate_secret, and elsewhere only with ?show_secret=true.
func (s *Server) webhookConfigRoutes() {
	s.route("POST /v1/webhook_configs", s.createWebhookConfig)
	s.route("GET /v1/webhook_configs", s.listWebhookConfigs)
	s.route("GET /v1/webhook_configs/{id}", s.getWebhookConfig)
	s.route("PATCH /v1/webhook_configs/{id}", s.updateWebhookConfig)
	s.route("DELETE /v1/webhook_configs/{id}", s.deleteWebhookConfig)
	s.route("POST /v1/webhook_configs/{id}/rotate_secret", s.rotateWebhookConfigSecret)
}

func (s *Server) createWebhookConfig(w http.ResponseWriter, r *http.Request) error {
	if _, err := query(r); err != nil {
		return err
	}
	var p backend.CreateWebhookConfigParams
	if err := s.decodeJSON(w, r, &p); err != nil {
		return err
	}
	if err := s.checkTarget(p.URL); err != nil {
		return err
	}
	c, err := s.be(r).CreateWebhookConfig(r.Context(), p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, c)
}

func (s *Server) listWebhookConfigs(w http.ResponseWriter, r *http.Request) error {
	q, err := query(r, "event", "enabled", "show_secret")
	if err != nil {
		return err
	}
	enabled, err := q.Bool("enabled")
	if err != nil {
		return err
	}
	show, err := q.Flag("show_secret")
	if err != nil {
		return err
	}
	cs, err := s.be(r).ListWebhookConfigs(r.Context(), backend.ListWebhookConfigsParams{Event: q.String("event"), Enabled: enabled})
	if err != nil {
		return err
	}
	for i := range cs {
		cs[i] = secretIf(cs[i], show)
	}
	return writeList(w, cs)
}

func (s *Server) getWebhookConfig(w http.ResponseWriter, r *http.Request) error {
	show, err := showSecretParam(r)
	if err != nil {
		return err
	}
	c, err := s.be(r).GetWebhookConfig(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, secretIf(*c, show))
}

func (s *Server) updateWebhookConfig(w http.ResponseWriter, r *http.Request) error {
	show, err := showSecretParam(r)
	if err != nil {
		return err
	}
	var p backend.UpdateWebhookConfigParams
	if err := s.decodeJSON(w, r, &p); err != nil {
		return err
	}
	if p.URL != nil {
		if err := s.checkTarget(*p.URL); err != nil {
			return err
		}
	}
	c, err := s.be(r).UpdateWebhookConfig(r.Context(), r.PathValue("id"), p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, secretIf(*c, show))
}

func (s *Server) deleteWebhookConfig(w http.ResponseWriter, r *http.Request) error {
	if _, err := query(r); err != nil {
		return err
	}
	if err := s.be(r).DeleteWebhookConfig(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// rotateWebhookConfigSecret takes {"keep_old": "24h"} or {"keep_old": 86400}
// (seconds); no body keeps the old secret for 24h.
func (s *Server) rotateWebhookConfigSecret(w http.ResponseWriter, r *http.Request) error {
	if _, err := query(r); err != nil {
		return err
	}
	var body backend.RotateSecretBody
	if err := s.decodeOptionalJSON(w, r, &body); err != nil {
		return err
	}
	keep := backend.DefaultKeepOld
	if body.KeepOld != nil {
		keep = time.Duration(*body.KeepOld)
	}
	c, err := s.be(r).RotateWebhookConfigSecret(r.Context(), r.PathValue("id"), keep)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, c)
}

func showSecretParam(r *http.Request) (bool, error) {
	q, err := query(r, "show_secret")
	if err != nil {
		return false, err
	}
	return q.Flag("show_secret")
}

// secretIf is c, or without its secrets and with its credential headers
// redacted unless show.
func secretIf(c model.WebhookConfig, show bool) model.WebhookConfig {
	if show {
		return c
	}
	c = c.Redacted()
	c.Headers = redact.Headers(c.Headers)
	return c
}
