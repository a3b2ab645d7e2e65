package backend

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/hookctl/hookctl/internal/model"
)

// --- config instances --------------------------------------------------------
//
// The routes are the provider's (POST /config_instances/{id}/approve …)
// under /v1; requests and responses are the same JSON as Local's types.

func configInstancePath(id string, verb string) string {
	p := "/v1/config_instances/" + url.PathEscape(id)
	if verb != "" {
		p += "/" + verb
	}
	return p
}

func (r *Remote) CreateConfigInstance(ctx context.Context, p CreateConfigInstanceParams) (*model.ConfigInstance, error) {
	// Validate here too: invalid JSON cannot travel inside the request's
	// JSON, and the error must name the line and column like Local's.
	content, err := ValidateConfigContent(p.Content)
	if err != nil {
		return nil, err
	}
	p.Content = content
	var ci model.ConfigInstance
	if err := r.do(ctx, http.MethodPost, "/v1/config_instances", nil, p, &ci); err != nil {
		return nil, err
	}
	// The server queued the validation event: wait for its outcome, as a
	// local create does.
	for i := range ci.ValidationDeliveries {
		v := &ci.ValidationDeliveries[i]
		if v.Delivery == nil {
			continue
		}
		ds := []*model.Delivery{v.Delivery}
		if err := r.awaitFinal(ctx, ds, nil); err != nil {
			return &ci, err
		}
		v.Delivery = ds[0]
	}
	return &ci, nil
}

func (r *Remote) ListConfigInstances(ctx context.Context, p ListConfigInstancesParams) ([]model.ConfigInstance, error) {
	q := url.Values{}
	if p.Status != "" {
		q.Set("status", p.Status)
	}
	if p.DeviceID != "" {
		q.Set("device_id", p.DeviceID)
	}
	if p.RelativeFilepath != "" {
		q.Set("relative_filepath", p.RelativeFilepath)
	}
	var out ListBody[model.ConfigInstance]
	if err := r.do(ctx, http.MethodGet, "/v1/config_instances", q, nil, &out); err != nil {
		return nil, err
	}
	if out.Data == nil {
		out.Data = []model.ConfigInstance{}
	}
	return out.Data, nil
}

func (r *Remote) GetConfigInstance(ctx context.Context, id string) (*model.ConfigInstance, error) {
	var ci model.ConfigInstance
	if err := r.do(ctx, http.MethodGet, configInstancePath(id, ""), nil, nil, &ci); err != nil {
		return nil, err
	}
	return &ci, nil
}

func (r *Remote) ApproveConfigInstance(ctx context.Context, id string, req ApproveConfigInstanceRequest) (*model.ConfigInstance, error) {
	var ci model.ConfigInstance
	if err := r.do(ctx, http.MethodPost, configInstancePath(id, "approve"), nil, req, &ci); err != nil {
		return nil, err
	}
	return &ci, nil
}

func (r *Remote) RejectConfigInstance(ctx context.Context, id string, req RejectConfigInstanceRequest) (*model.ConfigInstance, error) {
	if req.Errors == nil {
		req.Errors = []model.ParameterError{}
	}
	var ci model.ConfigInstance
	if err := r.do(ctx, http.MethodPost, configInstancePath(id, "reject"), nil, req, &ci); err != nil {
		return nil, err
	}
	return &ci, nil
}

func (r *Remote) DeployConfigInstance(ctx context.Context, id string, dryRun bool) (*DeployResult, error) {
	q := url.Values{"dry_run": {strconv.FormatBool(dryRun)}}
	var res DeployResult
	if err := r.do(ctx, http.MethodPost, configInstancePath(id, "deploy"), q, nil, &res); err != nil {
		return nil, err
	}
	if res.Remove == nil {
		res.Remove = []Removal{}
	}
	return &res, nil
}
