package backend

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/hookctl/hookctl/internal/model"
)

// --- inbound sources (the key's tenant) ------------------------------------

// UpsertSource creates or updates the key tenant's source (POST /wh/config).
func (r *Remote) UpsertSource(ctx context.Context, p UpsertSourceParams) (*model.Source, error) {
	var src model.Source
	if err := r.do(ctx, http.MethodPost, "/wh/config", nil, p, &src); err != nil {
		return nil, err
	}
	return &src, nil
}

// ListSources lists the key tenant's sources.
func (r *Remote) ListSources(ctx context.Context) ([]model.Source, error) {
	var out ListBody[model.Source]
	if err := r.do(ctx, http.MethodGet, "/wh/config", nil, nil, &out); err != nil {
		return nil, err
	}
	if out.Data == nil {
		out.Data = []model.Source{}
	}
	return out.Data, nil
}

// GetSource returns the key tenant's source with this token.
func (r *Remote) GetSource(ctx context.Context, token string) (*model.Source, error) {
	var src model.Source
	if err := r.do(ctx, http.MethodGet, "/wh/config/"+url.PathEscape(token), nil, nil, &src); err != nil {
		return nil, err
	}
	return &src, nil
}

// DeleteSource deletes the key tenant's source with this token.
func (r *Remote) DeleteSource(ctx context.Context, token string) error {
	return r.do(ctx, http.MethodDelete, "/wh/config/"+url.PathEscape(token), nil, nil, nil)
}

// OpenRelay opens the relay stream of a source (GET /v1/relay/{token},
// text/event-stream), resuming after lastID when it is >= 0. The caller
// reads and closes the response body; ctx ends the stream. API errors are
// mapped like every other call.
func (r *Remote) OpenRelay(ctx context.Context, token string, lastID int64) (*http.Response, error) {
	u := *r.base
	u.Path += "/v1/relay/" + url.PathEscape(token)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("X-API-Key", r.key)
	if lastID >= 0 {
		req.Header.Set("Last-Event-ID", strconv.FormatInt(lastID, 10))
	}
	// The stream lasts: no client timeout (r.client's would cut it).
	client := &http.Client{Transport: r.client.Transport, CheckRedirect: sameOriginRedirects}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var re *RedirectError
		if errors.As(err, &re) {
			return nil, re
		}
		return nil, fmt.Errorf("cannot reach the hookctl server at %s: %s; is `hookctl serve` running?", r.base, rootCause(err))
	}
	if resp.StatusCode >= 400 {
		defer resp.Body.Close()
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return nil, r.apiError(resp, data)
	}
	return resp, nil
}
