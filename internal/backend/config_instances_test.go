package backend

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/dispatch"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/store"
)

func newTestLocal(t *testing.T) *Local {
	t.Helper()
	s, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return NewLocal(s, func() time.Time { clock = clock.Add(time.Second); return clock })
}

func mustCreate(t *testing.T, l *Local, device, path, schema string) *model.ConfigInstance {
	t.Helper()
	ci, err := l.CreateConfigInstance(context.Background(), CreateConfigInstanceParams{
		ConfigTypeID: "cfg_type_1", DeviceID: device, RelativeFilepath: path, ConfigSchemaID: schema,
		Content: json.RawMessage(`{"speed": 3, "limits": {"max": 10}}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	return ci
}

var okReject = RejectConfigInstanceRequest{Message: "too fast", Errors: []model.ParameterError{{ParameterPath: []string{"speed"}, Message: "must be ≤ 2"}}}

// fakeNotifier records what it is asked to send.
type fakeNotifier struct {
	tenant  string
	ev      dispatch.Event
	targets []dispatch.Target
}

func (n *fakeNotifier) NotifyValidation(_ context.Context, _ Deliveries, tenant string, ev dispatch.Event, targets []dispatch.Target, _ dispatch.Policy) []model.ValidationDelivery {
	n.tenant, n.ev, n.targets = tenant, ev, targets
	out := make([]model.ValidationDelivery, len(targets))
	for i, t := range targets {
		out[i] = model.ValidationDelivery{URL: t.URL, Delivery: &model.Delivery{ID: "dlv_fake", State: model.DeliveryPending}}
	}
	return out
}

func TestCreateConfigInstance(t *testing.T) {
	base := newTestLocal(t)
	notifier := &fakeNotifier{}
	l := NewLocal(base.store, base.now, WithNotifier(notifier))
	ctx := context.Background()
	for _, p := range []CreateWebhookConfigParams{
		{URL: "https://validator.example/hook", Events: []string{"config_instance.*"}},
		{URL: "https://other.example/hook", Events: []string{"device.*"}},
		{URL: "https://paused.example/hook", Disabled: true},
	} {
		if _, err := l.CreateWebhookConfig(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	ci := mustCreate(t, l, "dvc_1", "", "")
	if !strings.HasPrefix(ci.ID, "cfg_inst_") {
		t.Errorf("id = %q", ci.ID)
	}
	want := [4]string{model.ConfigInstanceValidating, model.ActivityValidating, model.TargetValidated, model.ErrorNone}
	if got := [4]string{ci.Status, ci.ActivityStatus, ci.TargetStatus, ci.ErrorStatus}; got != want {
		t.Errorf("statuses = %v, want %v", got, want)
	}
	if ci.RelativeFilepath != "/cfg_type_1.json" {
		t.Errorf("default path = %q", ci.RelativeFilepath)
	}
	if string(ci.Content) != `{"speed":3,"limits":{"max":10}}` {
		t.Errorf("content = %s", ci.Content)
	}
	if notifier.ev.EventID != ci.ID || notifier.ev.Type != model.EventConfigInstanceValidated || notifier.tenant != model.DefaultTenant ||
		len(notifier.targets) != 1 || notifier.targets[0].URL != "https://validator.example/hook" {
		t.Errorf("the notifier was not asked for the instance's event to the one subscribed config: %+v", notifier)
	}
	if len(ci.ValidationDeliveries) != 1 || ci.ValidationDeliveries[0].Delivery.ID != "dlv_fake" {
		t.Errorf("create does not return the validation deliveries: %+v", ci.ValidationDeliveries)
	}
	got, err := l.GetConfigInstance(context.Background(), ci.ID)
	if err != nil || got.Status != ci.Status || string(got.Content) != string(ci.Content) || !got.CreatedAt.Equal(ci.CreatedAt) {
		t.Errorf("get = %+v, %v", got, err)
	}
}

func TestCreateConfigInstanceErrors(t *testing.T) {
	tests := []struct {
		name    string
		p       CreateConfigInstanceParams
		kind    error
		wantMsg string
	}{
		{"no type", CreateConfigInstanceParams{DeviceID: "d", Content: json.RawMessage(`{}`)}, apperr.ErrUsage, "--config-type"},
		{"no device", CreateConfigInstanceParams{ConfigTypeID: "t", Content: json.RawMessage(`{}`)}, apperr.ErrUsage, "--device"},
		{"bad path", CreateConfigInstanceParams{ConfigTypeID: "t", DeviceID: "d", RelativeFilepath: "x.json", Content: json.RawMessage(`{}`)}, apperr.ErrUsage, "invalid file path"},
		{"empty", CreateConfigInstanceParams{ConfigTypeID: "t", DeviceID: "d"}, apperr.ErrInvalid, "empty"},
		{"syntax", CreateConfigInstanceParams{ConfigTypeID: "t", DeviceID: "d", Content: json.RawMessage("{\n  \"a\": 1,\n  \"b\": }")}, apperr.ErrInvalid, "line 3, column 8"},
		{"truncated", CreateConfigInstanceParams{ConfigTypeID: "t", DeviceID: "d", Content: json.RawMessage("{\"a\": 1")}, apperr.ErrInvalid, "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newTestLocal(t)
			_, err := l.CreateConfigInstance(context.Background(), tt.p)
			if !errors.Is(err, tt.kind) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("err = %v, want kind %v containing %q", err, tt.kind, tt.wantMsg)
			}
		})
	}
}

// TestConfigInstanceTransitions runs every verb from every state.
func TestConfigInstanceTransitions(t *testing.T) {
	ctx := context.Background()
	// setup brings a fresh instance to the named state.
	setup := func(t *testing.T, l *Local, state string) *model.ConfigInstance {
		ci := mustCreate(t, l, "dvc_1", "/a.json", "")
		var err error
		switch state {
		case "approved":
			ci, err = l.ApproveConfigInstance(ctx, ci.ID, ApproveConfigInstanceRequest{Message: "ok"})
		case "rejected":
			ci, err = l.RejectConfigInstance(ctx, ci.ID, okReject)
		case "deployed", "removed":
			if _, err = l.ApproveConfigInstance(ctx, ci.ID, ApproveConfigInstanceRequest{Message: "ok"}); err == nil {
				_, err = l.DeployConfigInstance(ctx, ci.ID, false)
			}
			if state == "removed" && err == nil {
				other := mustCreate(t, l, "dvc_1", "/a.json", "")
				if _, err = l.ApproveConfigInstance(ctx, other.ID, ApproveConfigInstanceRequest{Message: "ok"}); err == nil {
					_, err = l.DeployConfigInstance(ctx, other.ID, false)
				}
			}
			if err == nil {
				ci, err = l.GetConfigInstance(ctx, ci.ID)
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		if ci.Status != state {
			t.Fatalf("setup: status %q, want %q", ci.Status, state)
		}
		return ci
	}
	verbs := map[string]func(l *Local, id string) (*model.ConfigInstance, error){
		"approve": func(l *Local, id string) (*model.ConfigInstance, error) {
			return l.ApproveConfigInstance(ctx, id, ApproveConfigInstanceRequest{Message: "looks right"})
		},
		"reject": func(l *Local, id string) (*model.ConfigInstance, error) {
			return l.RejectConfigInstance(ctx, id, okReject)
		},
		"deploy": func(l *Local, id string) (*model.ConfigInstance, error) {
			r, err := l.DeployConfigInstance(ctx, id, false)
			if err != nil {
				return nil, err
			}
			return r.Deploy, nil
		},
	}
	tests := []struct {
		from, verb string
		to         string // "" when the transition is illegal
		errMsg     string
		statuses   [4]string // status, activity, target, error after a legal transition
	}{
		{"validating", "approve", "approved", "", [4]string{"approved", "validated", "validated", "none"}},
		{"validating", "reject", "rejected", "", [4]string{"rejected", "validating", "validated", "failed"}},
		{"validating", "deploy", "", "is validating: only an approved instance can be deployed", [4]string{}},
		{"approved", "approve", "", "is approved: only a validating instance can be approved", [4]string{}},
		{"approved", "reject", "", "is approved: only a validating instance can be rejected", [4]string{}},
		{"approved", "deploy", "deployed", "", [4]string{"deployed", "deployed", "deployed", "none"}},
		{"rejected", "approve", "", "is rejected: only a validating instance can be approved", [4]string{}},
		{"rejected", "reject", "", "is rejected: only a validating instance can be rejected", [4]string{}},
		{"rejected", "deploy", "", "is rejected: only an approved instance can be deployed", [4]string{}},
		{"deployed", "approve", "", "is deployed: only a validating instance can be approved", [4]string{}},
		{"deployed", "reject", "", "is deployed: only a validating instance can be rejected", [4]string{}},
		{"deployed", "deploy", "", "is deployed: it is deployed already", [4]string{}},
		{"removed", "approve", "", "is removed: only a validating instance can be approved", [4]string{}},
		{"removed", "deploy", "", "is removed: only an approved instance can be deployed", [4]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.from+"/"+tt.verb, func(t *testing.T) {
			l := newTestLocal(t)
			ci := setup(t, l, tt.from)
			got, err := verbs[tt.verb](l, ci.ID)
			after, gerr := l.GetConfigInstance(ctx, ci.ID)
			if gerr != nil {
				t.Fatal(gerr)
			}
			if tt.to == "" {
				if !errors.Is(err, apperr.ErrConflict) || !strings.Contains(err.Error(), ci.ID+" "+tt.errMsg) {
					t.Fatalf("err = %v, want conflict %q", err, tt.errMsg)
				}
				if after.Status != tt.from || !after.UpdatedAt.Equal(ci.UpdatedAt) {
					t.Errorf("illegal %s changed the instance: %+v", tt.verb, after)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []*model.ConfigInstance{got, after} {
				if s := [4]string{c.Status, c.ActivityStatus, c.TargetStatus, c.ErrorStatus}; s != tt.statuses {
					t.Errorf("statuses = %v, want %v", s, tt.statuses)
				}
			}
			switch tt.verb {
			case "approve":
				if after.Message != "looks right" {
					t.Errorf("message = %q", after.Message)
				}
			case "reject":
				if after.Message != "too fast" || len(after.Errors) != 1 || after.Errors[0].ParameterPath[0] != "speed" {
					t.Errorf("rejection not stored: %+v", after)
				}
			case "deploy":
				if after.DeployedAt == nil {
					t.Error("deployed_at not set")
				}
			}
		})
	}
}

func TestConfigInstanceNotFound(t *testing.T) {
	l := newTestLocal(t)
	ctx := context.Background()
	id := "cfg_inst_nope"
	_, e1 := l.GetConfigInstance(ctx, id)
	_, e2 := l.ApproveConfigInstance(ctx, id, ApproveConfigInstanceRequest{Message: "m"})
	_, e3 := l.RejectConfigInstance(ctx, id, okReject)
	_, e4 := l.DeployConfigInstance(ctx, id, true)
	for i, err := range []error{e1, e2, e3, e4} {
		if !errors.Is(err, apperr.ErrNotFound) || err.Error() != `no config instance cfg_inst_nope (run "hookctl config-instance list")` {
			t.Errorf("%d: err = %v", i, err)
		}
	}
}

func TestApproveRejectValidation(t *testing.T) {
	l := newTestLocal(t)
	ctx := context.Background()
	ci := mustCreate(t, l, "dvc_1", "/a.json", "")
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"approve no message", func() error {
			_, err := l.ApproveConfigInstance(ctx, ci.ID, ApproveConfigInstanceRequest{Message: "  "})
			return err
		}, "needs a message"},
		{"reject no message", func() error {
			_, err := l.RejectConfigInstance(ctx, ci.ID, RejectConfigInstanceRequest{Errors: okReject.Errors})
			return err
		}, "needs a message"},
		{"reject no errors", func() error {
			_, err := l.RejectConfigInstance(ctx, ci.ID, RejectConfigInstanceRequest{Message: "m"})
			return err
		}, "at least one parameter error"},
		{"reject empty path", func() error {
			_, err := l.RejectConfigInstance(ctx, ci.ID, RejectConfigInstanceRequest{Message: "m", Errors: []model.ParameterError{{Message: "x"}}})
			return err
		}, "no parameter path"},
		{"reject empty error message", func() error {
			_, err := l.RejectConfigInstance(ctx, ci.ID, RejectConfigInstanceRequest{Message: "m", Errors: []model.ParameterError{{ParameterPath: []string{"a"}}}})
			return err
		}, "(a) has no message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if !errors.Is(err, apperr.ErrUsage) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want usage error with %q", err, tt.want)
			}
		})
	}
	if after, _ := l.GetConfigInstance(ctx, ci.ID); after.Status != model.ConfigInstanceValidating {
		t.Errorf("status = %q after refused calls", after.Status)
	}
}

func TestDeployReplacement(t *testing.T) {
	ctx := context.Background()
	type inst struct{ device, path, schema string }
	tests := []struct {
		name     string
		deployed []inst // deployed first, in order
		next     inst
		want     map[int]string // index in deployed → removal code
	}{
		{"empty device", nil, inst{"d1", "/a.json", "s1"}, map[int]string{}},
		{"same path", []inst{{"d1", "/a.json", ""}}, inst{"d1", "/a.json", ""}, map[int]string{0: model.ConflictDeviceFilePath}},
		{"same schema", []inst{{"d1", "/a.json", "s1"}}, inst{"d1", "/b.json", "s1"}, map[int]string{0: model.ConflictDeviceConfigSchema}},
		{"path wins over schema", []inst{{"d1", "/a.json", "s1"}}, inst{"d1", "/a.json", "s1"}, map[int]string{0: model.ConflictDeviceFilePath}},
		{"both kinds", []inst{{"d1", "/a.json", "s1"}, {"d1", "/b.json", "s2"}, {"d1", "/c.json", "s3"}}, inst{"d1", "/a.json", "s2"},
			map[int]string{0: model.ConflictDeviceFilePath, 1: model.ConflictDeviceConfigSchema}},
		{"other device untouched", []inst{{"d2", "/a.json", "s1"}}, inst{"d1", "/a.json", "s1"}, map[int]string{}},
		{"empty schemas never conflict", []inst{{"d1", "/a.json", ""}}, inst{"d1", "/b.json", ""}, map[int]string{}},
	}
	for _, tt := range tests {
		for _, dry := range []bool{false, true} {
			name := tt.name
			if dry {
				name += "/dry_run"
			}
			t.Run(name, func(t *testing.T) {
				l := newTestLocal(t)
				var old []*model.ConfigInstance
				for _, d := range tt.deployed {
					ci := mustCreate(t, l, d.device, d.path, d.schema)
					if _, err := l.ApproveConfigInstance(ctx, ci.ID, ApproveConfigInstanceRequest{Message: "ok"}); err != nil {
						t.Fatal(err)
					}
					if _, err := l.DeployConfigInstance(ctx, ci.ID, false); err != nil {
						t.Fatal(err)
					}
					old = append(old, ci)
				}
				next := mustCreate(t, l, tt.next.device, tt.next.path, tt.next.schema)
				if _, err := l.ApproveConfigInstance(ctx, next.ID, ApproveConfigInstanceRequest{Message: "ok"}); err != nil {
					t.Fatal(err)
				}
				res, err := l.DeployConfigInstance(ctx, next.ID, dry)
				if err != nil {
					t.Fatal(err)
				}
				if res.Deploy.ID != next.ID || res.Deploy.Status != model.ConfigInstanceDeployed {
					t.Errorf("deploy = %+v", res.Deploy)
				}
				if len(res.Remove) != len(tt.want) {
					t.Fatalf("remove = %+v, want %d entries", res.Remove, len(tt.want))
				}
				for _, r := range res.Remove {
					i := indexOf(old, r.ConfigInstance.ID)
					if code, ok := tt.want[i]; !ok || code != r.Code {
						t.Errorf("removed %s with %s, want %v", r.ConfigInstance.ID, r.Code, tt.want)
					}
					if r.ConfigInstance.Status != model.ConfigInstanceRemoved || !strings.Contains(r.Explanation, r.ConfigInstance.ID) {
						t.Errorf("removal = %+v", r)
					}
				}
				// Stored state: a dry run changes nothing.
				got, _ := l.GetConfigInstance(ctx, next.ID)
				wantNext := model.ConfigInstanceDeployed
				if dry {
					wantNext = model.ConfigInstanceApproved
				}
				if got.Status != wantNext {
					t.Errorf("stored status of deployed instance = %q, want %q", got.Status, wantNext)
				}
				for i, o := range old {
					got, _ := l.GetConfigInstance(ctx, o.ID)
					want := model.ConfigInstanceDeployed
					if _, removed := tt.want[i]; removed && !dry {
						want = model.ConfigInstanceRemoved
						if got.RemovedAt == nil {
							t.Error("removed_at not set")
						}
					}
					if got.Status != want {
						t.Errorf("stored status of %d = %q, want %q", i, got.Status, want)
					}
				}
				// JSON has the provider's shape.
				b, _ := json.Marshal(res)
				if !strings.HasPrefix(string(b), `{"deploy":{"object":"config_instance"`) || !strings.Contains(string(b), `"remove":[`) {
					t.Errorf("json = %s", b)
				}
			})
		}
	}
}

func indexOf(xs []*model.ConfigInstance, id string) int {
	for i, x := range xs {
		if x.ID == id {
			return i
		}
	}
	return -1
}

func TestListConfigInstances(t *testing.T) {
	ctx := context.Background()
	l := newTestLocal(t)
	a := mustCreate(t, l, "d1", "/a.json", "")
	mustCreate(t, l, "d2", "/a.json", "")
	if _, err := l.ApproveConfigInstance(ctx, a.ID, ApproveConfigInstanceRequest{Message: "ok"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		p    ListConfigInstancesParams
		want int
	}{
		{ListConfigInstancesParams{}, 2},
		{ListConfigInstancesParams{Status: "approved"}, 1},
		{ListConfigInstancesParams{Status: "validating", DeviceID: "d1"}, 0},
		{ListConfigInstancesParams{DeviceID: "d2"}, 1},
		{ListConfigInstancesParams{DeviceID: "d1", RelativeFilepath: "/a.json"}, 1},
	}
	for _, tt := range tests {
		got, err := l.ListConfigInstances(ctx, tt.p)
		if err != nil || len(got) != tt.want {
			t.Errorf("list %+v = %d, %v; want %d", tt.p, len(got), err, tt.want)
		}
	}
	if _, err := l.ListConfigInstances(ctx, ListConfigInstancesParams{Status: "bogus"}); !errors.Is(err, apperr.ErrUsage) {
		t.Errorf("bogus status: %v", err)
	}
}
