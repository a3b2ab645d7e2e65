package inspect

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/build"
	"github.com/hookctl/hookctl/internal/listener"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/rawhttp"
	"github.com/hookctl/hookctl/internal/redact"
	"github.com/hookctl/hookctl/internal/replay"
	"github.com/hookctl/hookctl/internal/shellquote"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/textdiff"
)

// Page sizes of the lists.
const (
	defaultPage = 100
	maxPage     = 500
	// maxAPIBody bounds a call's JSON body (an edited replay body included).
	maxAPIBody = 16 << 20
)

// handler is an API handler; a returned error is written as JSON.
type handler func(w http.ResponseWriter, r *http.Request) error

func (s *Server) api(pattern string, h handler) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			writeError(w, err)
		}
	})
}

func (s *Server) routes() {
	s.mux.Handle("/", s.static())
	s.api("GET /api/info", s.info)
	s.mux.HandleFunc("GET /api/events", s.hub.serve)

	s.api("GET /api/requests", s.listRequests)
	s.api("GET /api/requests/{id}", s.getRequest)
	s.api("GET /api/requests/{id}/raw", s.rawRequest)
	s.api("POST /api/requests/{id}/verify", s.verifyRequest)
	s.api("POST /api/requests/{id}/replay", s.replayRequest)

	s.api("GET /api/deliveries", s.listDeliveries)
	s.api("GET /api/deliveries/{id}", s.getDelivery)
	s.api("POST /api/deliveries/{id}/resend", s.resendDelivery)

	s.api("GET /api/instances", s.listInstances)
	s.api("GET /api/instances/{id}", s.getInstance)
	s.api("POST /api/instances/{id}/approve", s.approveInstance)
	s.api("POST /api/instances/{id}/reject", s.rejectInstance)
	s.api("POST /api/instances/{id}/deploy", s.deployInstance)

	s.api("GET /api/configs", s.listConfigs)
	s.api("POST /api/configs", s.createConfig)
	s.api("GET /api/configs/{id}/secret", s.revealSecret)
	s.api("POST /api/configs/{id}/rotate", s.rotateSecret)
	s.api("POST /api/configs/{id}/test", s.sendTest)

	s.api("/api/", func(http.ResponseWriter, *http.Request) error {
		return apperr.NotFoundf("no such inspector API call")
	})
}

// --- JSON in and out ------------------------------------------------------------

// writeJSON writes v as JSON; encoding/json escapes <, > and & in strings,
// so no received text can close a tag should the JSON ever be read as HTML.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, err = w.Write(append(b, '\n'))
	return err
}

// errorBody is {"error":{"code","message"}}, as `hookctl serve` answers.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, err error) {
	var body errorBody
	status, code := apperr.HTTPStatus(err)
	var se *replay.SendError
	switch {
	case errors.Is(err, errForbidden):
		status, code = http.StatusForbidden, "forbidden"
	case errors.As(err, &se):
		status, code = http.StatusBadGateway, "replay_failed"
	}
	body.Error.Code, body.Error.Message = code, err.Error()
	_ = writeJSON(w, status, body)
}

// decode reads a JSON body into v; unknown fields are a usage error.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxAPIBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return apperr.Usagef("bad request body: %v", err)
	}
	return nil
}

func page(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return defaultPage, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxPage {
		return 0, apperr.Usagef("limit=%q: use 1 to %d", v, maxPage)
	}
	return n, nil
}

func (s *Server) queryTime(r *http.Request, name string) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, v, s.opts.Location); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, apperr.Usagef("%s=%q: use a date (2026-11-23), a local time (2026-11-23T10:00) or RFC 3339", name, v)
}

// --- info -----------------------------------------------------------------------

type infoBody struct {
	Version      string   `json:"version"`
	Mode         string   `json:"mode"`
	Now          string   `json:"now"`
	Capabilities []string `json:"capabilities"`
}

func (s *Server) info(w http.ResponseWriter, r *http.Request) error {
	caps := []string{"replay"}
	if s.opts.Resend != nil {
		caps = append(caps, "resend")
	}
	if s.opts.SendTest != nil {
		caps = append(caps, "send_test")
	}
	return writeJSON(w, http.StatusOK, infoBody{Version: build.CurrentVersion(), Mode: s.opts.Mode,
		Now: s.opts.Now().UTC().Format(time.RFC3339), Capabilities: caps})
}

// --- requests -------------------------------------------------------------------

// RequestSummary is a row of the request list (and of the live stream):
// everything but headers and body.
type RequestSummary struct {
	ID           string                `json:"id"`
	ReceivedAt   time.Time             `json:"received_at"`
	Method       string                `json:"method"`
	Path         string                `json:"path"`
	Query        string                `json:"query,omitempty"`
	EventType    string                `json:"event_type,omitempty"`
	Verification *model.Verification   `json:"verification,omitempty"`
	Reason       string                `json:"reason"` // the verification in words
	Status       int                   `json:"status"`
	Rejected     string                `json:"rejected,omitempty"`
	Filtered     bool                  `json:"filtered,omitempty"`
	Forwards     []model.ForwardResult `json:"forwards,omitempty"`
	Source       string                `json:"source,omitempty"`
}

func summarize(r *model.ReceivedRequest) RequestSummary {
	return RequestSummary{ID: r.ID, ReceivedAt: r.ReceivedAt, Method: r.Method, Path: r.Path, Query: r.Query, EventType: r.EventType,
		Verification: r.Verification, Reason: VerificationText(r.Verification), Status: r.Status, Rejected: r.Rejected,
		Filtered: r.Filtered, Forwards: r.Forwards, Source: r.Source}
}

// VerificationText is a verification in words: what the badge's title
// and the detail's diagnosis say.
func VerificationText(v *model.Verification) string {
	switch {
	case v == nil:
		return "not checked: no secret was known (give listen --secret or --config, or check it here with a config)"
	case v.OK:
		return fmt.Sprintf("verified (%s, secret #%d)", orUnknown(v.Scheme), v.SecretIndex+1)
	}
	s := "not verified (" + orUnknown(v.Scheme) + ")"
	if v.Message != "" {
		s += ": " + v.Message
	}
	if v.Cause != "" {
		s += " [" + v.Cause + "]"
	}
	return s
}

func orUnknown(s string) string {
	if s == "" {
		return "scheme unknown"
	}
	return s
}

type listPage[T any] struct {
	Data    []T  `json:"data"`
	HasMore bool `json:"has_more"`
}

// listRequests: ?search, event, verification (verified|failed|unchecked),
// status (404, 4xx), failed=true, limit, starting_after.
func (s *Server) listRequests(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, err := page(r)
	if err != nil {
		return err
	}
	p := backend.ListRequestsParams{Search: strings.TrimSpace(q.Get("search")), Event: q.Get("event"), Verification: q.Get("verification"),
		Status: q.Get("status"), Failed: q.Get("failed") == "true", StartingAfter: q.Get("starting_after"), Limit: limit + 1}
	reqs, err := s.opts.Backend.ListRequests(r.Context(), p)
	if err != nil {
		return err
	}
	out := listPage[RequestSummary]{Data: make([]RequestSummary, 0, min(len(reqs), limit))}
	for i := range reqs {
		if i == limit {
			out.HasMore = true
			break
		}
		out.Data = append(out.Data, summarize(&reqs[i]))
	}
	return writeJSON(w, http.StatusOK, out)
}

// RequestDetail is one request with what the detail pane shows.
type RequestDetail struct {
	Request *model.ReceivedRequest `json:"request"`
	Reason  string                 `json:"reason"`
	// Raw is the request as HTTP/1.1 text (body as text; /raw has the bytes).
	Raw string `json:"raw"`
	// Curl sends the same request again (to the forward target when there
	// was one, else where it was received).
	Curl string `json:"curl"`
	// Target is where a replay goes by default ("" when it needs a URL).
	Target string `json:"target"`
}

// request fetches one request with its headers in full, or the copy
// published by this process's listener (a listener with --no-record).
func (s *Server) request(r *http.Request) (*model.ReceivedRequest, error) {
	id := r.PathValue("id")
	rec, err := s.opts.Backend.GetRequest(backend.WithShowSecret(r.Context()), id)
	if apperr.IsKind(err, apperr.ErrNotFound) {
		if kept := s.hub.recent(id); kept != nil {
			return kept, nil
		}
	}
	return rec, err
}

// getRequest: ?show_secret=true shows credential headers (Authorization,
// Cookie, signatures, …) in full in request and raw; without it they are
// redacted as `hookctl webhook requests show` does. Curl is the exact
// command (it is only copied, on a click), as is the raw download.
func (s *Server) getRequest(w http.ResponseWriter, r *http.Request) error {
	rec, err := s.request(r)
	if err != nil {
		return err
	}
	shown := rec
	if r.URL.Query().Get("show_secret") != "true" {
		cp := *rec
		cp.Headers = redact.HTTPHeader(rec.Headers)
		shown = &cp
	}
	target, _ := replay.Target(rec, "")
	curlTo := target
	if curlTo == "" {
		host := rec.Host
		if host == "" {
			host = "localhost"
		}
		curlTo = "http://" + host + requestTarget(rec)
	}
	headers := listener.ForwardHeaders(rec.Headers, nil)
	headers.Del("Content-Length")
	headers.Del("Host")
	return writeJSON(w, http.StatusOK, RequestDetail{Request: shown, Reason: VerificationText(rec.Verification),
		Raw: string(rawRequest(shown)), Curl: shellquote.Curl(rec.Method, curlTo, headers, rec.Body), Target: target})
}

func requestTarget(r *model.ReceivedRequest) string {
	if r.Query != "" {
		return r.Path + "?" + r.Query
	}
	return r.Path
}

func rawRequest(r *model.ReceivedRequest) []byte {
	host := r.Host
	if host == "" {
		host = "localhost"
	}
	return rawhttp.Format(r.Method, requestTarget(r), host, r.Headers, r.Body)
}

// rawRequest downloads the exact request (what `requests show --raw` prints).
func (s *Server) rawRequest(w http.ResponseWriter, r *http.Request) error {
	rec, err := s.request(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="`+safeFilename(rec.ID)+`.http"`)
	_, err = w.Write(rawRequest(rec))
	return err
}

func safeFilename(id string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' {
			return r
		}
		return '_'
	}, id)
}

// SigningBody names a secret: a webhook config's (config_id) or a given
// secret, with an optional scheme.
type SigningBody struct {
	ConfigID string `json:"config_id,omitempty"`
	Secret   string `json:"secret,omitempty"`
	Scheme   string `json:"scheme,omitempty"`
}

func (b SigningBody) secrets() []string {
	if b.Secret == "" {
		return nil
	}
	return []string{b.Secret}
}

// verifyRequest checks a recorded request again with a config's or a
// given secret, as the listener would have (listener.Verify).
func (s *Server) verifyRequest(w http.ResponseWriter, r *http.Request) error {
	var body SigningBody
	if err := decode(r, &body); err != nil {
		return err
	}
	if body.ConfigID == "" && body.Secret == "" {
		return apperr.Usagef("choose a webhook config or give a secret to verify with")
	}
	rec, err := s.request(r)
	if err != nil {
		return err
	}
	sign, err := backend.ResolveSigning(r.Context(), s.backend, body.Scheme, body.secrets(), body.ConfigID, signature.Auto)
	if err != nil {
		return err
	}
	v := listener.Verify(sign.Scheme, sign.Secrets, signature.Options{Now: rec.ReceivedAt}, rec.Headers, rec.Body)
	return writeJSON(w, http.StatusOK, struct {
		Verification *model.Verification `json:"verification"`
		Reason       string              `json:"reason"`
	}{v, VerificationText(v)})
}

func (s *Server) backend() (backend.Backend, error) { return s.opts.Backend, nil }

// ReplayBody is the body of POST /api/requests/{id}/replay.
type ReplayBody struct {
	To string `json:"to,omitempty"`
	// Body replaces the recorded body when set (as text, or exact bytes
	// in BodyBase64).
	Body       *string  `json:"body,omitempty"`
	BodyBase64 []byte   `json:"body_base64,omitempty"`
	Set        []string `json:"set,omitempty"`
	Resign     bool     `json:"resign,omitempty"`
	SigningBody
}

// replayRequest replays with the CLI's replay code (internal/replay).
func (s *Server) replayRequest(w http.ResponseWriter, r *http.Request) error {
	var body ReplayBody
	if err := decode(r, &body); err != nil {
		return err
	}
	if body.To != "" {
		if err := backend.ValidateEndpointURL(body.To); err != nil {
			return apperr.Usagef("invalid URL: %v", err)
		}
	}
	if !body.Resign && (body.ConfigID != "" || body.Secret != "") {
		return apperr.Usagef("a config or secret is for re-signing: set resign")
	}
	rec, err := s.request(r)
	if err != nil {
		return err
	}
	p := replay.Params{Request: rec, To: body.To, Sets: body.Set, Resign: body.Resign, Scheme: body.Scheme, Secrets: body.secrets(),
		ConfigID: body.ConfigID, Backend: s.backend, Now: s.opts.Now(), Client: s.opts.HTTPClient, Timeout: s.opts.ReplayTimeout}
	switch {
	case body.BodyBase64 != nil:
		edited := body.BodyBase64
		p.Edit = func([]byte) ([]byte, error) { return edited, nil }
	case body.Body != nil:
		edited := []byte(*body.Body)
		p.Edit = func([]byte) ([]byte, error) { return edited, nil }
	}
	res, err := replay.Run(r.Context(), p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, res)
}

// --- deliveries -----------------------------------------------------------------

// listDeliveries: ?since, until (dates or times), status_code, request_id,
// event_type, config_id, state, limit, starting_after; totals over the
// whole filter.
func (s *Server) listDeliveries(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, err := page(r)
	if err != nil {
		return err
	}
	p := backend.ListDeliveriesParams{RequestID: strings.TrimSpace(q.Get("request_id")), EventType: q.Get("event_type"),
		ConfigID: q.Get("config_id"), State: q.Get("state"), Limit: limit, StartingAfter: q.Get("starting_after")}
	if p.Since, err = s.queryTime(r, "since"); err != nil {
		return err
	}
	if p.Until, err = s.queryTime(r, "until"); err != nil {
		return err
	}
	if len(q.Get("until")) == len("2006-01-02") {
		p.Until = p.Until.Add(24*time.Hour - time.Nanosecond) // the whole day
	}
	if v := q.Get("status_code"); v != "" {
		if p.StatusCode, err = strconv.Atoi(v); err != nil || p.StatusCode < 0 || p.StatusCode > 599 {
			return apperr.Usagef("status_code=%q: use an HTTP status such as 500 (0: no answer)", v)
		}
	}
	list, err := s.opts.Backend.ListDeliveries(r.Context(), p)
	if err != nil {
		return err
	}
	if list.Deliveries == nil {
		list.Deliveries = []model.Delivery{}
	}
	for i := range list.Deliveries {
		list.Deliveries[i].RequestHeaders = redact.Headers(list.Deliveries[i].RequestHeaders)
	}
	return writeJSON(w, http.StatusOK, list)
}

func (s *Server) getDelivery(w http.ResponseWriter, r *http.Request) error {
	d, err := s.opts.Backend.GetDelivery(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	d.RequestHeaders = redact.Headers(d.RequestHeaders) // as deliveries show does
	return writeJSON(w, http.StatusOK, d)
}

func (s *Server) resendDelivery(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		To string `json:"to,omitempty"`
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	if s.opts.Resend == nil {
		return apperr.Usagef("resending is not available in this inspector")
	}
	if body.To != "" {
		if err := backend.ValidateEndpointURL(body.To); err != nil {
			return apperr.Usagef("invalid URL: %v", err)
		}
	}
	res, err := s.opts.Resend(r.Context(), r.PathValue("id"), body.To)
	if res == nil {
		return err
	}
	out := struct {
		*backend.SendResult
		Error string `json:"error,omitempty"`
	}{SendResult: res}
	if err != nil {
		out.Error = err.Error()
	}
	s.hub.poke()
	return writeJSON(w, http.StatusOK, out)
}

// --- config instances -----------------------------------------------------------

func (s *Server) listInstances(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	list, err := s.opts.Backend.ListConfigInstances(r.Context(), backend.ListConfigInstancesParams{Status: q.Get("status"), DeviceID: q.Get("device_id")})
	if err != nil {
		return err
	}
	// Newest first, as every other list of the page.
	out := make([]model.ConfigInstance, 0, len(list))
	for i := len(list) - 1; i >= 0; i-- {
		out = append(out, list[i])
	}
	return writeJSON(w, http.StatusOK, listPage[model.ConfigInstance]{Data: out})
}

// InstanceDetail is an instance with the deployed one it would replace and
// the line diff of their pretty-printed contents.
type InstanceDetail struct {
	Instance *model.ConfigInstance `json:"instance"`
	Deployed *model.ConfigInstance `json:"deployed"`
	Content  string                `json:"content"` // pretty-printed
	Diff     []DiffLine            `json:"diff"`
}

// DiffLine is one line of InstanceDetail.Diff: op is " ", "-" or "+".
type DiffLine struct {
	Op   string `json:"op"`
	Line string `json:"line"`
}

func prettyJSON(raw []byte) string {
	var b bytes.Buffer
	if json.Indent(&b, raw, "", "  ") != nil {
		return string(raw)
	}
	return b.String()
}

func (s *Server) getInstance(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	ci, err := s.opts.Backend.GetConfigInstance(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	cur, err := backend.CurrentDeployment(ctx, s.opts.Backend, ci)
	if err != nil {
		return err
	}
	d := InstanceDetail{Instance: ci, Deployed: cur, Content: prettyJSON(ci.Content), Diff: []DiffLine{}}
	if cur != nil && cur.ID != ci.ID {
		for _, op := range textdiff.Lines(textdiff.SplitLines(prettyJSON(cur.Content)), textdiff.SplitLines(d.Content)) {
			d.Diff = append(d.Diff, DiffLine{Op: string(op.Kind), Line: op.Line})
		}
	}
	return writeJSON(w, http.StatusOK, d)
}

func (s *Server) approveInstance(w http.ResponseWriter, r *http.Request) error {
	var body backend.ApproveConfigInstanceRequest
	if err := decode(r, &body); err != nil {
		return err
	}
	ci, err := s.opts.Backend.ApproveConfigInstance(r.Context(), r.PathValue("id"), body)
	if err != nil {
		return err
	}
	s.hub.poke()
	return writeJSON(w, http.StatusOK, ci)
}

// RejectBody is the body of POST /api/instances/{id}/reject: the
// provider's shape, or a path written as a gjson path ("speed.max").
type RejectBody struct {
	Message string `json:"message"`
	Errors  []struct {
		ParameterPath []string `json:"parameter_path,omitempty"`
		Path          string   `json:"path,omitempty"`
		Message       string   `json:"message"`
	} `json:"errors"`
}

func (s *Server) rejectInstance(w http.ResponseWriter, r *http.Request) error {
	var body RejectBody
	if err := decode(r, &body); err != nil {
		return err
	}
	req := backend.RejectConfigInstanceRequest{Message: body.Message, Errors: []model.ParameterError{}}
	for _, e := range body.Errors {
		path := e.ParameterPath
		if len(path) == 0 && strings.TrimSpace(e.Path) != "" {
			path = model.SplitParameterPath(strings.TrimSpace(e.Path))
		}
		req.Errors = append(req.Errors, model.ParameterError{ParameterPath: path, Message: e.Message})
	}
	ci, err := s.opts.Backend.RejectConfigInstance(r.Context(), r.PathValue("id"), req)
	if err != nil {
		return err
	}
	s.hub.poke()
	return writeJSON(w, http.StatusOK, ci)
}

func (s *Server) deployInstance(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		DryRun bool `json:"dry_run,omitempty"`
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	res, err := s.opts.Backend.DeployConfigInstance(r.Context(), r.PathValue("id"), body.DryRun)
	if err != nil {
		return err
	}
	s.hub.poke()
	return writeJSON(w, http.StatusOK, res)
}

// --- webhook configs ------------------------------------------------------------

func (s *Server) listConfigs(w http.ResponseWriter, r *http.Request) error {
	list, err := s.opts.Backend.ListWebhookConfigs(r.Context(), backend.ListWebhookConfigsParams{})
	if err != nil {
		return err
	}
	out := make([]model.WebhookConfig, len(list))
	for i, c := range list {
		out[i] = c.Redacted() // secrets only when revealed
		out[i].Headers = redact.Headers(c.Headers)
	}
	return writeJSON(w, http.StatusOK, listPage[model.WebhookConfig]{Data: out})
}

func (s *Server) createConfig(w http.ResponseWriter, r *http.Request) error {
	var body backend.CreateWebhookConfigParams
	if err := decode(r, &body); err != nil {
		return err
	}
	c, err := s.opts.Backend.CreateWebhookConfig(r.Context(), body)
	if err != nil {
		return err
	}
	s.hub.poke()
	return writeJSON(w, http.StatusCreated, c) // with its secret, shown once
}

func (s *Server) revealSecret(w http.ResponseWriter, r *http.Request) error {
	c, err := s.opts.Backend.GetWebhookConfig(backend.WithShowSecret(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, struct {
		ID     string `json:"id"`
		Secret string `json:"secret"`
	}{c.ID, c.Secret})
}

func (s *Server) rotateSecret(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		KeepOld string `json:"keep_old,omitempty"` // a duration: 24h (default), 0 drops the old secret now
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	keep := 24 * time.Hour
	if body.KeepOld != "" {
		d, err := time.ParseDuration(body.KeepOld)
		if err != nil || d < 0 {
			return apperr.Usagef("keep_old=%q: use a duration such as 24h, or 0", body.KeepOld)
		}
		keep = d
	}
	c, err := s.opts.Backend.RotateWebhookConfigSecret(backend.WithShowSecret(r.Context()), r.PathValue("id"), keep)
	if err != nil {
		return err
	}
	s.hub.poke()
	return writeJSON(w, http.StatusOK, c)
}

func (s *Server) sendTest(w http.ResponseWriter, r *http.Request) error {
	if s.opts.SendTest == nil {
		return apperr.Usagef("sending a test event is not available in this inspector")
	}
	if err := decode(r, &struct{}{}); err != nil {
		return err
	}
	d, err := s.opts.SendTest(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	s.hub.poke()
	return writeJSON(w, http.StatusOK, d)
}
