package backend

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/ids"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/store"
)

// ConfigInstances manages config instances through their lifecycle:
//
//	create → validating ─approve→ approved ─deploy→ deployed ─(replaced by another deploy)→ removed
//	                    ╰reject→  rejected (final: cannot be deployed)
//
// Request and response types carry the JSON shape of the provider's API
// (Miru's validation server), which `hookctl serve` serves as is.
type ConfigInstances interface {
	// CreateConfigInstance stores a new instance, validating and waiting
	// for a decision.
	CreateConfigInstance(ctx context.Context, p CreateConfigInstanceParams) (*model.ConfigInstance, error)
	// ListConfigInstances lists instances, oldest first.
	ListConfigInstances(ctx context.Context, p ListConfigInstancesParams) ([]model.ConfigInstance, error)
	// GetConfigInstance returns one instance or an apperr.ErrNotFound error.
	GetConfigInstance(ctx context.Context, id string) (*model.ConfigInstance, error)
	// ApproveConfigInstance (POST /config_instances/{id}/approve).
	ApproveConfigInstance(ctx context.Context, id string, req ApproveConfigInstanceRequest) (*model.ConfigInstance, error)
	// RejectConfigInstance (POST /config_instances/{id}/reject).
	RejectConfigInstance(ctx context.Context, id string, req RejectConfigInstanceRequest) (*model.ConfigInstance, error)
	// DeployConfigInstance (POST /config_instances/{id}/deploy?dry_run=…)
	// deploys an approved instance, removing those it replaces. With dryRun
	// it returns the same result and changes nothing.
	DeployConfigInstance(ctx context.Context, id string, dryRun bool) (*DeployResult, error)
}

// CreateConfigInstanceParams describes a new config instance. Content must
// be a JSON document. An empty RelativeFilepath means "/<config_type_id>.json".
type CreateConfigInstanceParams struct {
	ConfigTypeID     string          `json:"config_type_id"`
	DeviceID         string          `json:"device_id"`
	RelativeFilepath string          `json:"relative_filepath,omitempty"`
	ConfigSchemaID   string          `json:"config_schema_id,omitempty"`
	Content          json.RawMessage `json:"content"`
}

// ListConfigInstancesParams filters a listing; empty fields match everything.
type ListConfigInstancesParams struct {
	Status           string `json:"status,omitempty"`
	DeviceID         string `json:"device_id,omitempty"`
	RelativeFilepath string `json:"relative_filepath,omitempty"`
}

// ApproveConfigInstanceRequest is the body of POST /config_instances/{id}/approve.
type ApproveConfigInstanceRequest struct {
	Message string `json:"message"`
}

// RejectConfigInstanceRequest is the body of POST /config_instances/{id}/reject.
type RejectConfigInstanceRequest struct {
	Message string                 `json:"message"`
	Errors  []model.ParameterError `json:"errors"`
}

// DeployResult is the response of POST /config_instances/{id}/deploy.
type DeployResult struct {
	Deploy *model.ConfigInstance `json:"deploy"`
	Remove []Removal             `json:"remove"`
}

// Removal is an instance a deployment replaces, and why.
type Removal struct {
	Code           string                `json:"code"` // model.ConflictDeviceFilePath or model.ConflictDeviceConfigSchema
	Explanation    string                `json:"explanation"`
	ConfigInstance *model.ConfigInstance `json:"config_instance"`
}

// CurrentDeployment is the instance deployed now on ci's device at ci's
// file path (the newest, should there be several), or nil: what a review
// compares ci's content with.
func CurrentDeployment(ctx context.Context, c ConfigInstances, ci *model.ConfigInstance) (*model.ConfigInstance, error) {
	deployed, err := c.ListConfigInstances(ctx, ListConfigInstancesParams{
		Status: model.ConfigInstanceDeployed, DeviceID: ci.DeviceID, RelativeFilepath: ci.RelativeFilepath})
	if err != nil || len(deployed) == 0 {
		return nil, err
	}
	return &deployed[len(deployed)-1], nil
}

// ValidateConfigContent checks that content is one JSON document and returns
// it compacted. Syntax errors name the line and column (apperr.ErrInvalid).
func ValidateConfigContent(content []byte) (json.RawMessage, error) {
	if len(bytes.TrimSpace(content)) == 0 {
		return nil, apperr.New(apperr.ErrInvalid, "config content is empty: expected a JSON document")
	}
	var v any
	if err := json.Unmarshal(content, &v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := lineCol(content, se.Offset)
			return nil, apperr.Wrap(apperr.ErrInvalid, err, "config content is not valid JSON: line %d, column %d: %v", line, col, err)
		}
		return nil, apperr.Wrap(apperr.ErrInvalid, err, "config content is not valid JSON: %v", err)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, content); err != nil {
		return nil, apperr.Wrap(apperr.ErrInvalid, err, "config content is not valid JSON: %v", err)
	}
	return buf.Bytes(), nil
}

// lineCol turns a byte offset (the one after the error) into a 1-based line and column.
func lineCol(b []byte, offset int64) (line, col int) {
	if offset > int64(len(b)) {
		offset = int64(len(b))
	}
	if offset > 0 {
		offset-- // json reports the offset after the offending byte
	}
	line, col = 1, 1
	for _, c := range b[:offset] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// ValidateRejection checks a reject request: a message and at least one
// parameter error, each with a path and a message (apperr.ErrUsage otherwise).
func ValidateRejection(req RejectConfigInstanceRequest) error {
	if strings.TrimSpace(req.Message) == "" {
		return apperr.Usagef("a rejection needs a message: say why the config is rejected (--message)")
	}
	if len(req.Errors) == 0 {
		return apperr.Usagef("a rejection needs at least one parameter error: which parameter is wrong and why (--error 'path.to.param=message')")
	}
	for i, e := range req.Errors {
		if len(e.ParameterPath) == 0 {
			return apperr.Usagef("parameter error %d has no parameter path", i+1)
		}
		for _, p := range e.ParameterPath {
			if p == "" {
				return apperr.Usagef("parameter error %d: path %q has an empty element", i+1, strings.Join(e.ParameterPath, "."))
			}
		}
		if strings.TrimSpace(e.Message) == "" {
			return apperr.Usagef("parameter error %d (%s) has no message", i+1, strings.Join(e.ParameterPath, "."))
		}
	}
	return nil
}

func illegal(ci *model.ConfigInstance, allowed string) error {
	return apperr.New(apperr.ErrConflict, "%s is %s: %s", ci.ID, ci.Status, allowed)
}

func (l *Local) CreateConfigInstance(ctx context.Context, p CreateConfigInstanceParams) (*model.ConfigInstance, error) {
	if strings.TrimSpace(p.ConfigTypeID) == "" {
		return nil, apperr.Usagef("a config instance needs a config type (--config-type)")
	}
	if strings.TrimSpace(p.DeviceID) == "" {
		return nil, apperr.Usagef("a config instance needs a device (--device)")
	}
	path := p.RelativeFilepath
	if path == "" {
		path = "/" + p.ConfigTypeID + ".json"
	}
	if !strings.HasPrefix(path, "/") || strings.Contains(path, "..") || strings.ContainsAny(path, "\r\n\x00") {
		return nil, apperr.Usagef("invalid file path %q: use an absolute path inside the device's config directory, e.g. /v1/motion-control.json", path)
	}
	content, err := ValidateConfigContent(p.Content)
	if err != nil {
		return nil, err
	}
	now := l.now().UTC()
	ci := &model.ConfigInstance{
		Tenant:           l.tenant,
		ID:               ids.New(ids.ConfigInstance),
		ConfigTypeID:     p.ConfigTypeID,
		DeviceID:         p.DeviceID,
		RelativeFilepath: path,
		ConfigSchemaID:   p.ConfigSchemaID,
		Content:          content,
		TargetStatus:     model.TargetValidated,
		ActivityStatus:   model.ActivityValidating,
		ErrorStatus:      model.ErrorNone,
		Status:           model.ConfigInstanceValidating,
		CreatedAt:        now,
		UpdatedAt:        now,
	}
	if err := l.store.InsertConfigInstance(ctx, ci); err != nil {
		return nil, err
	}
	ci.ValidationDeliveries = l.notifyValidation(ctx, ci)
	return ci, nil
}

func (l *Local) ListConfigInstances(ctx context.Context, p ListConfigInstancesParams) ([]model.ConfigInstance, error) {
	if p.Status != "" && !validStatus(p.Status) {
		return nil, apperr.Usagef("unknown status %q: use one of %s", p.Status, strings.Join(model.ConfigInstanceStatuses, ", "))
	}
	return l.store.ListConfigInstances(ctx, l.tenant, store.ConfigInstanceFilter{Status: p.Status, DeviceID: p.DeviceID, RelativeFilepath: p.RelativeFilepath})
}

func validStatus(s string) bool {
	for _, x := range model.ConfigInstanceStatuses {
		if x == s {
			return true
		}
	}
	return false
}

func (l *Local) GetConfigInstance(ctx context.Context, id string) (*model.ConfigInstance, error) {
	return l.store.GetConfigInstance(ctx, l.tenant, id)
}

func (l *Local) ApproveConfigInstance(ctx context.Context, id string, req ApproveConfigInstanceRequest) (*model.ConfigInstance, error) {
	if strings.TrimSpace(req.Message) == "" {
		return nil, apperr.Usagef("an approval needs a message: it is shown to people next to the config (--message)")
	}
	return l.decide(ctx, id, "approved", func(ci *model.ConfigInstance) {
		ci.ActivityStatus = model.ActivityValidated
		ci.Status = model.ConfigInstanceApproved
		ci.Message = req.Message
	})
}

func (l *Local) RejectConfigInstance(ctx context.Context, id string, req RejectConfigInstanceRequest) (*model.ConfigInstance, error) {
	if err := ValidateRejection(req); err != nil {
		return nil, err
	}
	return l.decide(ctx, id, "rejected", func(ci *model.ConfigInstance) {
		ci.ErrorStatus = model.ErrorFailed
		ci.Status = model.ConfigInstanceRejected
		ci.Message = req.Message
		ci.Errors = append([]model.ParameterError(nil), req.Errors...)
	})
}

// decide records the decision on a validating instance in one write
// transaction; any other state is an illegal transition.
func (l *Local) decide(ctx context.Context, id, verb string, apply func(*model.ConfigInstance)) (*model.ConfigInstance, error) {
	var out *model.ConfigInstance
	err := l.store.UpdateConfigInstances(ctx, l.tenant, func(tx *store.ConfigInstanceTx) error {
		ci, err := tx.Get(id)
		if err != nil {
			return err
		}
		if ci.Status != model.ConfigInstanceValidating {
			return illegal(ci, "only a validating instance can be "+verb)
		}
		apply(ci)
		ci.UpdatedAt = l.now().UTC()
		out = ci
		return tx.Save(ci)
	})
	return out, err
}

func (l *Local) DeployConfigInstance(ctx context.Context, id string, dryRun bool) (*DeployResult, error) {
	var res *DeployResult
	err := l.store.UpdateConfigInstances(ctx, l.tenant, func(tx *store.ConfigInstanceTx) error {
		ci, err := tx.Get(id)
		if err != nil {
			return err
		}
		switch ci.Status {
		case model.ConfigInstanceApproved:
		case model.ConfigInstanceDeployed:
			return illegal(ci, "it is deployed already")
		default:
			return illegal(ci, "only an approved instance can be deployed")
		}
		deployed, err := tx.List(store.ConfigInstanceFilter{Status: model.ConfigInstanceDeployed, DeviceID: ci.DeviceID})
		if err != nil {
			return err
		}
		now := l.now().UTC()
		res = &DeployResult{Deploy: ci, Remove: []Removal{}}
		for i := range deployed {
			old := &deployed[i]
			if old.ID == ci.ID {
				continue
			}
			var r Removal
			switch {
			case old.RelativeFilepath == ci.RelativeFilepath:
				r = Removal{Code: model.ConflictDeviceFilePath, Explanation: fmt.Sprintf(
					"%s is deployed on device %s at the same file path %s", old.ID, ci.DeviceID, ci.RelativeFilepath)}
			case ci.ConfigSchemaID != "" && old.ConfigSchemaID == ci.ConfigSchemaID:
				r = Removal{Code: model.ConflictDeviceConfigSchema, Explanation: fmt.Sprintf(
					"%s is deployed on device %s with the same config schema %s (at %s)", old.ID, ci.DeviceID, ci.ConfigSchemaID, old.RelativeFilepath)}
			default:
				continue
			}
			old.TargetStatus = model.TargetRemoved
			old.ActivityStatus = model.ActivityRemoved
			old.Status = model.ConfigInstanceRemoved
			old.RemovedAt = &now
			old.UpdatedAt = now
			r.ConfigInstance = old
			res.Remove = append(res.Remove, r)
		}
		ci.TargetStatus = model.TargetDeployed
		ci.ActivityStatus = model.ActivityDeployed
		ci.Status = model.ConfigInstanceDeployed
		ci.DeployedAt = &now
		ci.UpdatedAt = now
		if dryRun {
			return errDryRun // roll back: nothing was written anyway
		}
		for _, r := range res.Remove {
			if err := tx.Save(r.ConfigInstance); err != nil {
				return err
			}
		}
		return tx.Save(ci)
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

// errDryRun rolls back a dry run's transaction.
var errDryRun = errors.New("dry run")
