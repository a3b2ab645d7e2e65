// Package replay re-sends a recorded request: to the target it was
// forwarded to or to another URL, with its body changed (gjson/sjson --set
// edits, then an editor) and re-signed with a fresh timestamp. It is the one
// implementation behind `hookctl webhook replay` and the inspector's replay
// and edit-and-replay.
package replay

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/listener"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/signature"
)

// MaxResponse bounds the target's answer that is read.
const MaxResponse = 32 << 20

// Params describe one replay.
type Params struct {
	// Request is the recorded request, with its headers in full
	// (backend.WithShowSecret).
	Request *model.ReceivedRequest
	// To is the target; "" means the one the request was forwarded to.
	To string
	// Sets change the JSON body: PATH=VALUE (catalog.Apply).
	Sets []string
	// Edit, when not nil, changes the body after Sets (the CLI's editor,
	// the inspector's text area).
	Edit func(body []byte) ([]byte, error)
	// Resign signs the body again with a fresh timestamp, replacing every
	// signature header; the scheme comes from Scheme, the config, the
	// recorded verification or the headers.
	Resign   bool
	Scheme   string
	Secrets  []string
	ConfigID string
	// Backend opens the backend that holds ConfigID.
	Backend func() (backend.Backend, error)
	// Now is the signing time.
	Now time.Time
	// Client sends; redirects are never followed. nil: a plain client.
	Client  *http.Client
	Timeout time.Duration
}

// Result is the target's answer (what replay prints with -o json).
type Result struct {
	ID        string        `json:"id"`
	URL       string        `json:"url"`
	Resigned  bool          `json:"resigned"`
	Edited    bool          `json:"edited"`
	Status    int           `json:"status"`
	LatencyMS float64       `json:"latency_ms"`
	Latency   time.Duration `json:"-"`
	Headers   http.Header   `json:"headers"`
	Body      string        `json:"body"`
	// Warnings are for people, e.g. a changed body sent with the old
	// signature.
	Warnings []string `json:"warnings,omitempty"`
}

// SendError is a replay that reached no answer (connection refused, timed
// out, …), as opposed to one that could not be prepared.
type SendError struct {
	ID, URL string
	Err     error
}

func (e *SendError) Error() string {
	return fmt.Sprintf("replay %s to %s failed: %v", e.ID, e.URL, sendErrorText(e.Err))
}

func (e *SendError) Unwrap() error { return e.Err }

// Target is where rec is replayed: to, or the one target it was forwarded to.
func Target(rec *model.ReceivedRequest, to string) (string, error) {
	if to != "" {
		return to, nil
	}
	switch len(rec.Forwards) {
	case 0:
		return "", apperr.Usagef("%s was not forwarded anywhere: pass --to URL", rec.ID)
	case 1:
		return rec.Forwards[0].URL, nil
	default:
		return "", apperr.Usagef("%s was forwarded to %d targets: choose one with --to", rec.ID, len(rec.Forwards))
	}
}

// Run replays p.Request and returns the target's answer.
func Run(ctx context.Context, p Params) (*Result, error) {
	rec := p.Request
	to, err := Target(rec, p.To)
	if err != nil {
		return nil, err
	}
	body, err := catalog.Apply(rec.Body, p.Sets)
	if err != nil {
		return nil, err
	}
	if p.Edit != nil {
		if body, err = p.Edit(body); err != nil {
			return nil, err
		}
	}
	edited := !bytes.Equal(body, rec.Body)
	headers := listener.ForwardHeaders(rec.Headers, nil)
	res := &Result{ID: rec.ID, URL: to, Resigned: p.Resign, Edited: edited}
	if p.Resign {
		if headers, err = resign(ctx, p, headers, body); err != nil {
			return nil, err
		}
	} else if edited && len(signature.Detect(rec.Headers)) > 0 {
		res.Warnings = append(res.Warnings, "the body was changed but not re-signed: the recorded signature will not match")
	}
	if p.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.Timeout)
		defer cancel()
	}
	client := &http.Client{}
	if p.Client != nil {
		c := *p.Client
		client = &c
	}
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	start := time.Now()
	resp, err := listener.Send(ctx, client, rec.Method, to, headers, body)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil, err
		}
		return nil, &SendError{ID: rec.ID, URL: to, Err: err}
	}
	respBody, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponse))
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("replay %s to %s: reading the response: %w", rec.ID, to, err)
	}
	res.Latency = time.Since(start)
	res.Status, res.Headers, res.Body = resp.StatusCode, resp.Header, string(respBody)
	res.LatencyMS = float64(res.Latency.Microseconds()) / 1000
	return res, nil
}

func sendErrorText(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, "\": "); i >= 0 {
		s = s[i+3:]
	}
	if strings.Contains(s, "deadline exceeded") {
		return "timed out (--timeout)"
	}
	return s
}

// resign drops every signature header of the recorded request and signs
// body again with a fresh timestamp, keeping the message id.
func resign(ctx context.Context, p Params, headers http.Header, body []byte) (http.Header, error) {
	rec := p.Request
	def := ""
	if rec.Verification != nil && rec.Verification.Scheme != "" {
		def = rec.Verification.Scheme
	} else if detected := signature.Detect(rec.Headers); len(detected) > 0 {
		def = detected[0]
	}
	if len(p.Secrets) == 0 && p.ConfigID == "" {
		return nil, apperr.Usagef("--resign needs a secret: pass --secret or --config")
	}
	s, err := backend.ResolveSigning(ctx, p.Backend, p.Scheme, p.Secrets, p.ConfigID, def)
	if err != nil {
		return nil, err
	}
	if s.Scheme == "" || s.Scheme == signature.Auto {
		return nil, apperr.Usagef("cannot tell which scheme to re-sign %s with (no signature headers recorded): pass --scheme", rec.ID)
	}
	sopts := signature.Options{Now: p.Now}
	if sopts.Now.IsZero() {
		sopts.Now = time.Now()
	}
	if s.Scheme == "standard" && rec.Headers.Get("Svix-Signature") != "" {
		sopts.HeaderSet = "svix"
	}
	if id := rec.Headers.Get("Webhook-Id"); id != "" {
		sopts.ID = id
	} else if id := rec.Headers.Get("Svix-Id"); id != "" {
		sopts.ID = id
	}
	signed, err := signature.Sign(s.Scheme, s.Secrets, body, sopts)
	if err != nil {
		return nil, err
	}
	out := headers.Clone()
	for k := range out {
		if isSignatureHeader(k) {
			delete(out, k)
		}
	}
	for k, v := range signed {
		out[k] = v
	}
	return out, nil
}

// isSignatureHeader reports a header that carries a signature or its
// timestamp/id for some scheme.
func isSignatureHeader(k string) bool {
	switch k {
	case "Webhook-Timestamp", "Svix-Timestamp", "X-Slack-Request-Timestamp":
		return true
	}
	return len(signature.Detect(http.Header{k: {"x"}})) > 0
}
