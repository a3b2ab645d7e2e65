package backend

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/model"
)

// Remote is the Backend over the JSON API of `hookctl serve`. Every method is
// one call to do, which maps the API's error JSON back to apperr kinds, so
// commands print the same messages and exit with the same codes as with Local.
type Remote struct {
	base   *url.URL
	key    string
	client *http.Client
}

// maxResponseSize bounds what Remote reads from the server.
const maxResponseSize = 64 << 20

// NewRemote returns a Remote for the server at baseURL (http or https),
// authenticating with key. client may be nil.
func NewRemote(baseURL, key string, client *http.Client) (*Remote, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, apperr.Usagef("invalid API URL %q: use the address of a hookctl server, e.g. http://127.0.0.1:8787", baseURL)
	}
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	// A copy of the caller's client (same transport) with our redirect
	// policy: the API key never follows a redirect to another origin.
	c := *client
	c.CheckRedirect = sameOriginRedirects
	return &Remote{base: u, key: key, client: &c}, nil
}

// RedirectError is the answer of a server that redirected the client to
// another origin (scheme, host or port): the redirect is not followed, so
// that the API key is not sent there.
type RedirectError struct {
	From, To string
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("the hookctl server at %s redirected to %s, another origin: not followed, so that the API key is not sent there; if that is the server, set HOOKCTL_API_URL (or --api-url) to it", e.From, e.To)
}

// sameOriginRedirects is the CheckRedirect of Remote's client: redirects
// within the origin of the first request are followed (at most 10), any
// other is refused with a *RedirectError.
func sameOriginRedirects(req *http.Request, via []*http.Request) error {
	if len(via) == 0 {
		return nil
	}
	first := via[0].URL
	if origin(req.URL) != origin(first) {
		return &RedirectError{From: via[len(via)-1].URL.String(), To: req.URL.String()}
	}
	if len(via) >= 10 {
		return fmt.Errorf("stopped after 10 redirects")
	}
	return nil
}

// origin is scheme://host:port with the default port made explicit.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[scheme]
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// URL is the server's base URL.
func (r *Remote) URL() string { return r.base.String() }

// Close releases idle connections.
func (r *Remote) Close() error {
	r.client.CloseIdleConnections()
	return nil
}

// do sends in (if not nil) as JSON to path (with query q) and decodes the
// response into out (if not nil). Errors: the server's error JSON becomes an
// error of the matching apperr kind with the server's message; a server
// that cannot be reached is a plain one-line error naming the URL.
func (r *Remote) do(ctx context.Context, method, path string, q url.Values, in, out any) error {
	u := *r.base
	u.Path = strings.TrimRight(u.Path, "/") + path
	u.RawQuery = q.Encode()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-API-Key", r.key)
	resp, err := r.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var re *RedirectError
		if errors.As(err, &re) {
			return re
		}
		return fmt.Errorf("cannot reach the hookctl server at %s: %s; is `hookctl serve` running?", r.base, rootCause(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseSize))
	if err != nil {
		return fmt.Errorf("read response of the hookctl server at %s: %s", r.base, rootCause(err))
	}
	if resp.StatusCode >= 400 {
		return r.apiError(resp, data)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("the hookctl server at %s answered %s %s with unexpected JSON: %v", r.base, method, path, err)
	}
	return nil
}

// apiError maps an error response back to an apperr kind.
func (r *Remote) apiError(resp *http.Response, data []byte) error {
	var eb ErrorBody
	msg := ""
	if json.Unmarshal(data, &eb) == nil && eb.Error.Message != "" {
		msg = eb.Error.Message
	} else {
		msg = fmt.Sprintf("the hookctl server at %s answered %s", r.base, resp.Status)
	}
	kind := apperr.KindForHTTP(resp.StatusCode, eb.Error.Code)
	if errors.Is(kind, apperr.ErrAuth) {
		return apperr.New(apperr.ErrAuth, "%s (the key in HOOKCTL_API_KEY was refused by %s; create one on the server with \"hookctl api-key create --name NAME\")", msg, r.base)
	}
	if kind == nil {
		return fmt.Errorf("%s", msg)
	}
	return apperr.New(kind, "%s", msg)
}

// rootCause turns "Get \"http://…\": dial tcp 127.0.0.1:1: connect:
// connection refused" into "connection refused".
func rootCause(err error) string {
	var op *net.OpError
	if errors.As(err, &op) {
		var sc *os.SyscallError
		if errors.As(op.Err, &sc) {
			return sc.Err.Error()
		}
		return op.Err.Error()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

var _ Backend = (*Remote)(nil)

// showSecretQuery returns q plus show_secret=true when ctx comes from a
// command that prints or uses a secret (WithShowSecret), else q unchanged:
// only such commands ask the server for secrets. Calls whose endpoint takes
// show_secret pass their query through it.
func showSecretQuery(ctx context.Context, q url.Values) url.Values {
	if !ShowSecret(ctx) {
		return q
	}
	out := make(url.Values, len(q)+1)
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	out.Set("show_secret", "true")
	return out
}

// --- webhook configs -------------------------------------------------------

func (r *Remote) CreateWebhookConfig(ctx context.Context, p CreateWebhookConfigParams) (*model.WebhookConfig, error) {
	var c model.WebhookConfig
	if err := r.do(ctx, http.MethodPost, "/v1/webhook_configs", nil, p, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

func (r *Remote) ListWebhookConfigs(ctx context.Context, p ListWebhookConfigsParams) ([]model.WebhookConfig, error) {
	q := url.Values{}
	if p.Event != "" {
		q.Set("event", p.Event)
	}
	if p.Enabled != nil {
		q.Set("enabled", strconv.FormatBool(*p.Enabled))
	}
	var out ListBody[model.WebhookConfig]
	if err := r.do(ctx, http.MethodGet, "/v1/webhook_configs", showSecretQuery(ctx, q), nil, &out); err != nil {
		return nil, err
	}
	if out.Data == nil {
		out.Data = []model.WebhookConfig{}
	}
	return out.Data, nil
}

func (r *Remote) GetWebhookConfig(ctx context.Context, id string) (*model.WebhookConfig, error) {
	var c model.WebhookConfig
	if err := r.do(ctx, http.MethodGet, "/v1/webhook_configs/"+url.PathEscape(id), showSecretQuery(ctx, nil), nil, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

func (r *Remote) UpdateWebhookConfig(ctx context.Context, id string, p UpdateWebhookConfigParams) (*model.WebhookConfig, error) {
	var c model.WebhookConfig
	if err := r.do(ctx, http.MethodPatch, "/v1/webhook_configs/"+url.PathEscape(id), showSecretQuery(ctx, nil), p, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

func (r *Remote) DeleteWebhookConfig(ctx context.Context, id string) error {
	return r.do(ctx, http.MethodDelete, "/v1/webhook_configs/"+url.PathEscape(id), nil, nil, nil)
}

func (r *Remote) RotateWebhookConfigSecret(ctx context.Context, id string, keepOld time.Duration) (*model.WebhookConfig, error) {
	d := Duration(keepOld)
	var c model.WebhookConfig
	if err := r.do(ctx, http.MethodPost, "/v1/webhook_configs/"+url.PathEscape(id)+"/rotate_secret", nil, RotateSecretBody{KeepOld: &d}, &c); err != nil {
		return nil, err
	}
	return &c, nil
}
