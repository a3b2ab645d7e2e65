package backendtest

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/model"
)

// ConfigInstances is the contract of backend.ConfigInstances: the
// provider's lifecycle, its JSON shapes, and the error kinds (usage 400,
// invalid 422, conflict 409, not found 404).
func ConfigInstances(t *testing.T, newBackend NewBackend) {
	ctx := context.Background()
	ci := must[*model.ConfigInstance](t)
	create := func(t *testing.T, be backend.Backend, device, path, schema string) *model.ConfigInstance {
		t.Helper()
		return ci(be.CreateConfigInstance(ctx, backend.CreateConfigInstanceParams{ConfigTypeID: "cfg_type_motion", DeviceID: device,
			RelativeFilepath: path, ConfigSchemaID: schema, Content: json.RawMessage(`{"max_speed": 2,
  "wheels": ["front", "rear"]}`)}))
	}

	t.Run("CreateGetList", func(t *testing.T) {
		be := newBackend(t)
		empty := must[[]model.ConfigInstance](t)(be.ListConfigInstances(ctx, backend.ListConfigInstancesParams{}))
		if empty == nil || len(empty) != 0 {
			t.Fatalf("empty list = %#v", empty)
		}
		a := create(t, be, "dvc_1", "", "cfg_sch_1")
		if a.Status != model.ConfigInstanceValidating || a.ActivityStatus != model.ActivityValidating || a.TargetStatus != model.TargetValidated ||
			a.ErrorStatus != model.ErrorNone || a.RelativeFilepath != "/cfg_type_motion.json" || string(a.Content) != `{"max_speed":2,"wheels":["front","rear"]}` {
			t.Fatalf("created = %+v (content %s)", a, a.Content)
		}
		b := create(t, be, "dvc_2", "/v1/m.json", "")
		got := ci(be.GetConfigInstance(ctx, a.ID))
		if got.ID != a.ID || !got.CreatedAt.Equal(a.CreatedAt) || string(got.Content) != string(a.Content) || got.ConfigSchemaID != "cfg_sch_1" {
			t.Fatalf("get = %+v, want %+v", got, a)
		}
		list := must[[]model.ConfigInstance](t)
		all := list(be.ListConfigInstances(ctx, backend.ListConfigInstancesParams{}))
		if len(all) != 2 || all[0].ID != a.ID || all[1].ID != b.ID {
			t.Fatalf("list = %+v, want oldest first", all)
		}
		if l := list(be.ListConfigInstances(ctx, backend.ListConfigInstancesParams{DeviceID: "dvc_2"})); len(l) != 1 || l[0].ID != b.ID {
			t.Fatalf("device filter = %+v", l)
		}
		if l := list(be.ListConfigInstances(ctx, backend.ListConfigInstancesParams{Status: model.ConfigInstanceApproved})); len(l) != 0 {
			t.Fatalf("status filter = %+v", l)
		}
		_, err := be.ListConfigInstances(ctx, backend.ListConfigInstancesParams{Status: "bogus"})
		wantErr(t, err, apperr.ErrUsage, `unknown status "bogus"`)
	})

	t.Run("CreateErrors", func(t *testing.T) {
		be := newBackend(t)
		_, err := be.CreateConfigInstance(ctx, backend.CreateConfigInstanceParams{DeviceID: "d", Content: json.RawMessage(`{}`)})
		wantErr(t, err, apperr.ErrUsage, "needs a config type")
		_, err = be.CreateConfigInstance(ctx, backend.CreateConfigInstanceParams{ConfigTypeID: "t", DeviceID: "d", Content: json.RawMessage("{\n  \"a\": 1,\n  }")})
		wantErr(t, err, apperr.ErrInvalid, "not valid JSON: line 3, column 3")
		_, err = be.CreateConfigInstance(ctx, backend.CreateConfigInstanceParams{ConfigTypeID: "t", DeviceID: "d"})
		wantErr(t, err, apperr.ErrInvalid, "config content is empty")
		_, err = be.CreateConfigInstance(ctx, backend.CreateConfigInstanceParams{ConfigTypeID: "t", DeviceID: "d", RelativeFilepath: "../x", Content: json.RawMessage(`{}`)})
		wantErr(t, err, apperr.ErrUsage, "invalid file path")
		_, err = be.GetConfigInstance(ctx, "cfg_inst_nope")
		wantErrMessage(t, err, apperr.ErrNotFound, `no config instance cfg_inst_nope (run "hookctl config-instance list")`)
	})

	t.Run("ApproveDeployReplaces", func(t *testing.T) {
		be := newBackend(t)
		a := create(t, be, "dvc_1", "/v1/m.json", "")
		b := create(t, be, "dvc_1", "/v1/m.json", "")
		_, err := be.ApproveConfigInstance(ctx, a.ID, backend.ApproveConfigInstanceRequest{Message: " "})
		wantErr(t, err, apperr.ErrUsage, "an approval needs a message")
		_, err = be.DeployConfigInstance(ctx, a.ID, false)
		wantErr(t, err, apperr.ErrConflict, "is validating: only an approved instance can be deployed")
		got := ci(be.ApproveConfigInstance(ctx, a.ID, backend.ApproveConfigInstanceRequest{Message: "Speeds within limits"}))
		if got.Status != model.ConfigInstanceApproved || got.ActivityStatus != model.ActivityValidated || got.Message != "Speeds within limits" {
			t.Fatalf("approved = %+v", got)
		}
		_, err = be.ApproveConfigInstance(ctx, a.ID, backend.ApproveConfigInstanceRequest{Message: "again"})
		wantErrMessage(t, err, apperr.ErrConflict, a.ID+" is approved: only a validating instance can be approved")

		dry := must[*backend.DeployResult](t)(be.DeployConfigInstance(ctx, a.ID, true))
		if dry.Deploy.Status != model.ConfigInstanceDeployed || dry.Remove == nil || len(dry.Remove) != 0 {
			t.Fatalf("dry run = %+v", dry)
		}
		if s := ci(be.GetConfigInstance(ctx, a.ID)).Status; s != model.ConfigInstanceApproved {
			t.Fatalf("a dry run changed the status to %s", s)
		}
		res := must[*backend.DeployResult](t)(be.DeployConfigInstance(ctx, a.ID, false))
		if res.Deploy.ID != a.ID || res.Deploy.DeployedAt == nil || len(res.Remove) != 0 {
			t.Fatalf("deploy = %+v", res)
		}
		_, err = be.DeployConfigInstance(ctx, a.ID, false)
		wantErr(t, err, apperr.ErrConflict, "it is deployed already")

		ci(be.ApproveConfigInstance(ctx, b.ID, backend.ApproveConfigInstanceRequest{Message: "ok"}))
		res = must[*backend.DeployResult](t)(be.DeployConfigInstance(ctx, b.ID, false))
		if len(res.Remove) != 1 || res.Remove[0].Code != model.ConflictDeviceFilePath || res.Remove[0].ConfigInstance.ID != a.ID ||
			res.Remove[0].ConfigInstance.Status != model.ConfigInstanceRemoved || res.Remove[0].Explanation == "" {
			t.Fatalf("deploy b = %+v", res)
		}
		if s := ci(be.GetConfigInstance(ctx, a.ID)).Status; s != model.ConfigInstanceRemoved {
			t.Fatalf("a is %s, want removed", s)
		}
	})

	t.Run("Reject", func(t *testing.T) {
		be := newBackend(t)
		a := create(t, be, "dvc_1", "", "")
		_, err := be.RejectConfigInstance(ctx, a.ID, backend.RejectConfigInstanceRequest{Message: "Unsafe"})
		wantErr(t, err, apperr.ErrUsage, "at least one parameter error")
		_, err = be.RejectConfigInstance(ctx, a.ID, backend.RejectConfigInstanceRequest{Errors: []model.ParameterError{{ParameterPath: []string{"a"}, Message: "m"}}})
		wantErr(t, err, apperr.ErrUsage, "a rejection needs a message")
		_, err = be.RejectConfigInstance(ctx, "cfg_inst_nope", backend.RejectConfigInstanceRequest{Message: "x", Errors: []model.ParameterError{{ParameterPath: []string{"a"}, Message: "m"}}})
		wantErr(t, err, apperr.ErrNotFound)
		errs := []model.ParameterError{{ParameterPath: []string{"limits", "max_speed"}, Message: "must be at most 2.5 m/s"}}
		got := ci(be.RejectConfigInstance(ctx, a.ID, backend.RejectConfigInstanceRequest{Message: "Unsafe speeds", Errors: errs}))
		if got.Status != model.ConfigInstanceRejected || got.ErrorStatus != model.ErrorFailed || len(got.Errors) != 1 ||
			got.Errors[0].ParameterPath[1] != "max_speed" || got.Message != "Unsafe speeds" {
			t.Fatalf("rejected = %+v", got)
		}
		got = ci(be.GetConfigInstance(ctx, a.ID))
		if len(got.Errors) != 1 || got.Errors[0].Message != errs[0].Message {
			t.Fatalf("stored errors = %+v", got.Errors)
		}
		_, err = be.DeployConfigInstance(ctx, a.ID, false)
		wantErr(t, err, apperr.ErrConflict, "is rejected")
	})
}
