package server

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/ids"
	"github.com/hookctl/hookctl/internal/listener"
	"github.com/hookctl/hookctl/internal/model"
)

// Inbound webhook sources (issue 9), in the shape of the reference
// provider's "inbound webhook tokens":
//
//	POST   /wh/config                 create or update {"datasource","event","tsField"} (201 created, 200 updated)
//	GET    /wh/config                 the tenant's sources ({"data":[…]})
//	GET    /wh/config/{token}         one source
//	HEAD   /wh/config/{token}         200, empty: the token is valid
//	DELETE /wh/config/{token}         204
//	POST   /wh/{apiToken}/{token}     the hook: no API key, the tokens are the credentials
//
// Sources are scoped to the tenant of the API key. The hook accepts JSON
// only (415), up to the server's body limit (413), well-formed (400), and
// answers 202 once the request is recorded; unknown tokens get the same 404
// whichever token is wrong.
func (s *Server) sourceRoutes() {
	if s.srcs == nil {
		return // a server without sources (tests' fakes): the routes 404
	}
	s.hub = newRelayHub()
	s.route("POST /wh/config", s.upsertSource)
	s.route("GET /wh/config", s.listSources)
	s.route("GET /wh/config/{token}", s.getSource)
	s.route("HEAD /wh/config/{token}", s.headSource)
	s.route("DELETE /wh/config/{token}", s.deleteSource)
	// Registered without a method: "POST /wh/{apiToken}/{token}" would
	// conflict with the method-less /wh/config/{token} that route adds for
	// its 405s. The handler answers 405 to other methods itself.
	s.mux.Handle(hookPattern, s.instrument(hookPattern, false, s.hook))
	s.patterns = append(s.patterns, "* "+hookPattern)
	s.route("GET /v1/relay/{token}", s.relay)
}

const hookPattern = "/wh/{apiToken}/{token}"

func tenantOf(r *http.Request) string {
	if k := KeyFromContext(r.Context()); k != nil {
		return k.Tenant
	}
	return ""
}

// withHookURL sets src.HookURL: under the server's public URL when it has
// one, else from the address the client used.
func (s *Server) withHookURL(r *http.Request, src *model.Source) *model.Source {
	if s.publicURL != "" {
		src.HookURL = s.publicURL + src.HookPath()
		return src
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	src.HookURL = scheme + "://" + r.Host + src.HookPath()
	return src
}

func (s *Server) upsertSource(w http.ResponseWriter, r *http.Request) error {
	if _, err := query(r); err != nil {
		return err
	}
	var p backend.UpsertSourceParams
	if err := s.decodeJSON(w, r, &p); err != nil {
		return err
	}
	src, created, err := s.srcs.UpsertSource(r.Context(), tenantOf(r), p)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return writeJSON(w, status, s.withHookURL(r, src))
}

func (s *Server) listSources(w http.ResponseWriter, r *http.Request) error {
	if _, err := query(r); err != nil {
		return err
	}
	srcs, err := s.srcs.ListSources(r.Context(), tenantOf(r))
	if err != nil {
		return err
	}
	for i := range srcs {
		s.withHookURL(r, &srcs[i])
	}
	return writeList(w, srcs)
}

func (s *Server) getSource(w http.ResponseWriter, r *http.Request) error {
	if _, err := query(r); err != nil {
		return err
	}
	src, err := s.srcs.GetSource(r.Context(), tenantOf(r), r.PathValue("token"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.withHookURL(r, src))
}

func (s *Server) headSource(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.srcs.GetSource(r.Context(), tenantOf(r), r.PathValue("token")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) deleteSource(w http.ResponseWriter, r *http.Request) error {
	if _, err := query(r); err != nil {
		return err
	}
	if err := s.srcs.DeleteSource(r.Context(), tenantOf(r), r.PathValue("token")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// hook receives a sender's event.
func (s *Server) hook(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return apperr.New(errMethodNotAllowed, "method %s is not allowed on a hook URL (use POST)", r.Method)
	}
	src, err := s.srcs.HookSource(r.Context(), r.PathValue("apiToken"), r.PathValue("token"))
	if err != nil {
		return err
	}
	if ct := r.Header.Get("Content-Type"); !hookJSONType(ct) {
		return apperr.New(apperr.ErrMediaType, "unsupported Content-Type %q: send JSON (a Content-Type containing json)", ct)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return apperr.New(apperr.ErrTooLarge, "request body is larger than %s", byteSize(mbe.Limit))
	}
	if err != nil {
		return apperr.Wrap(apperr.ErrUsage, err, "cannot read request body: %v", err)
	}
	if !json.Valid(body) {
		return apperr.Usagef("invalid JSON body")
	}
	req := &model.ReceivedRequest{
		ID:         ids.New(ids.Request),
		ReceivedAt: time.Now().UTC(),
		Method:     r.Method,
		Host:       r.Host,
		Path:       hookPattern, // never the tokens: the history is not tenant-scoped
		Query:      r.URL.RawQuery,
		Headers:    r.Header.Clone(),
		Body:       body,
		RemoteAddr: r.RemoteAddr,
		EventType:  catalog.EventType(r.Header, body),
		Status:     http.StatusAccepted,
	}
	if req.EventType == "" {
		req.EventType = src.Event
	}
	if src.TSField != "" {
		if t, ok := listener.EventTime(body, GJSONPath(src.TSField)); ok {
			req.EventTime = &t
		}
	}
	if _, err := s.srcs.RecordSourceRequest(r.Context(), src, req); err != nil {
		return err
	}
	s.hub.notify(src.ID)
	return writeJSON(w, http.StatusAccepted, map[string]string{"id": req.ID, "routingKey": req.RoutingKey})
}

// hookJSONType: the media type mentions json (application/json,
// application/vnd.x+json, text/json; parameters allowed).
func hookJSONType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && strings.Contains(mt, "json")
}

var bracketIndex = regexp.MustCompile(`\[(\d+)\]`)

// GJSONPath turns the provider's "commits[0].timestamp" into gjson's
// "commits.0.timestamp"; gjson paths pass unchanged.
func GJSONPath(p string) string {
	return strings.TrimPrefix(bracketIndex.ReplaceAllString(p, ".$1"), ".")
}
