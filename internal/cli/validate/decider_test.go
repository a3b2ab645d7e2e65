package validate

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/cmdtest"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/rules"
)

const testRules = `unknown_types: reject
config_types:
  motion-control:
    - {path: speed.max, required: true, type: number, min: 0, max: 10}
    - {path: mode, enum: [auto, manual]}
`

func mustRules(t *testing.T, src string) *rules.RuleSet {
	t.Helper()
	rs, err := rules.Parse([]byte(src), "rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func createInstance(t *testing.T, be backend.ConfigInstances, typ, device, path, content string) *model.ConfigInstance {
	t.Helper()
	ci, err := be.CreateConfigInstance(context.Background(), backend.CreateConfigInstanceParams{
		ConfigTypeID: typ, DeviceID: device, RelativeFilepath: path, Content: json.RawMessage(content),
	})
	if err != nil {
		t.Fatal(err)
	}
	return ci
}

func validatedJob(ci *model.ConfigInstance) Job {
	return Job{RequestID: "req_1", EventType: model.EventConfigInstanceValidated, Body: model.ValidatedEvent(ci, cmdtest.Now)}
}

func TestDecide(t *testing.T) {
	const good, bad = `{"speed":{"max":5},"mode":"auto"}`, `{"speed":{"max":12},"mode":"fast"}`
	tests := []struct {
		name       string
		autoDeploy bool
		setup      func(t *testing.T, be backend.ConfigInstances) Job
		check      func(t *testing.T, be backend.ConfigInstances, d Decision)
	}{
		{name: "approve", setup: func(t *testing.T, be backend.ConfigInstances) Job {
			return validatedJob(createInstance(t, be, "motion-control", "dvc_1", "", good))
		}, check: func(t *testing.T, be backend.ConfigInstances, d Decision) {
			want := "all 2 rules for motion-control passed: speed.max (required, number, 0–10), mode (enum)"
			if d.Decision != DecisionApproved || d.Message != want || d.RulesChecked != 2 || d.Status != model.ConfigInstanceApproved || d.Deploy != nil {
				t.Fatalf("got %+v", d)
			}
			ci := get(t, be, d.InstanceID)
			if ci.Status != model.ConfigInstanceApproved || ci.Message != want {
				t.Errorf("stored %+v", ci)
			}
		}},
		{name: "reject", setup: func(t *testing.T, be backend.ConfigInstances) Job {
			return validatedJob(createInstance(t, be, "motion-control", "dvc_1", "", bad))
		}, check: func(t *testing.T, be backend.ConfigInstances, d Decision) {
			wantErrs := []model.ParameterError{
				{ParameterPath: []string{"speed", "max"}, Message: "speed.max must be at most 10 (got 12)"},
				{ParameterPath: []string{"mode"}, Message: `mode must be one of auto, manual (got "fast")`},
			}
			if d.Decision != DecisionRejected || d.Message != "2 of 2 rules for motion-control failed: speed.max, mode" ||
				!reflect.DeepEqual(d.Errors, wantErrs) || d.Status != model.ConfigInstanceRejected {
				t.Fatalf("got %+v", d)
			}
			ci := get(t, be, d.InstanceID)
			if ci.Status != model.ConfigInstanceRejected || ci.ErrorStatus != model.ErrorFailed || !reflect.DeepEqual(ci.Errors, wantErrs) {
				t.Errorf("stored %+v", ci)
			}
		}},
		{name: "reject never deploys", autoDeploy: true, setup: func(t *testing.T, be backend.ConfigInstances) Job {
			return validatedJob(createInstance(t, be, "motion-control", "dvc_1", "", bad))
		}, check: func(t *testing.T, be backend.ConfigInstances, d Decision) {
			if d.Decision != DecisionRejected || d.Deploy != nil || d.DeployError != "" {
				t.Fatalf("got %+v", d)
			}
		}},
		{name: "unknown config type rejected on config_type_id", setup: func(t *testing.T, be backend.ConfigInstances) Job {
			return validatedJob(createInstance(t, be, "sensors", "dvc_1", "", good))
		}, check: func(t *testing.T, be backend.ConfigInstances, d Decision) {
			if d.Decision != DecisionRejected || len(d.Errors) != 1 || !reflect.DeepEqual(d.Errors[0].ParameterPath, []string{"config_type_id"}) ||
				!strings.Contains(d.Message, `no rules for config type "sensors" in rules.yaml`) {
				t.Fatalf("got %+v", d)
			}
			if ci := get(t, be, d.InstanceID); ci.Status != model.ConfigInstanceRejected {
				t.Errorf("stored %+v", ci)
			}
		}},
		{name: "auto-deploy replaces the deployed instance", autoDeploy: true, setup: func(t *testing.T, be backend.ConfigInstances) Job {
			ctx := context.Background()
			old := createInstance(t, be, "motion-control", "dvc_1", "/v1/m.json", good)
			if _, err := be.ApproveConfigInstance(ctx, old.ID, backend.ApproveConfigInstanceRequest{Message: "ok"}); err != nil {
				t.Fatal(err)
			}
			if _, err := be.DeployConfigInstance(ctx, old.ID, false); err != nil {
				t.Fatal(err)
			}
			return validatedJob(createInstance(t, be, "motion-control", "dvc_1", "/v1/m.json", good))
		}, check: func(t *testing.T, be backend.ConfigInstances, d Decision) {
			if d.Decision != DecisionApproved || d.Deploy == nil || d.Status != model.ConfigInstanceDeployed || len(d.Deploy.Remove) != 1 {
				t.Fatalf("got %+v", d)
			}
			r := d.Deploy.Remove[0]
			if r.Code != model.ConflictDeviceFilePath || r.ConfigInstance.Status != model.ConfigInstanceRemoved {
				t.Errorf("remove %+v", r)
			}
			if ci := get(t, be, r.ConfigInstance.ID); ci.Status != model.ConfigInstanceRemoved {
				t.Errorf("old instance stored as %s", ci.Status)
			}
			if ci := get(t, be, d.InstanceID); ci.Status != model.ConfigInstanceDeployed {
				t.Errorf("new instance stored as %s", ci.Status)
			}
		}},
		{name: "already decided is skipped", setup: func(t *testing.T, be backend.ConfigInstances) Job {
			ci := createInstance(t, be, "motion-control", "dvc_1", "", bad)
			if _, err := be.ApproveConfigInstance(context.Background(), ci.ID, backend.ApproveConfigInstanceRequest{Message: "by hand"}); err != nil {
				t.Fatal(err)
			}
			return validatedJob(ci)
		}, check: func(t *testing.T, be backend.ConfigInstances, d Decision) {
			if d.Decision != DecisionSkipped || d.Status != model.ConfigInstanceApproved || !strings.Contains(d.Reason, "approved already") || d.Decided() {
				t.Fatalf("got %+v", d)
			}
			if ci := get(t, be, d.InstanceID); ci.Message != "by hand" {
				t.Errorf("the decision changed: %+v", ci)
			}
		}},
		{name: "unknown instance", setup: func(t *testing.T, be backend.ConfigInstances) Job {
			return validatedJob(&model.ConfigInstance{ID: "cfg_inst_nope"})
		}, check: func(t *testing.T, be backend.ConfigInstances, d Decision) {
			if d.Decision != DecisionError || d.InstanceID != "cfg_inst_nope" || !strings.Contains(d.Error, "cannot fetch cfg_inst_nope: ") || d.Decided() {
				t.Fatalf("got %+v", d)
			}
		}},
		{name: "other event type", setup: func(t *testing.T, be backend.ConfigInstances) Job {
			return Job{RequestID: "req_2", EventType: "device.enrolled", Body: []byte(`{"event":"device.enrolled"}`)}
		}, check: func(t *testing.T, be backend.ConfigInstances, d Decision) {
			if d.Decision != DecisionSkipped || d.Reason != "device.enrolled is not config_instance.target_status.validated" || d.RequestID != "req_2" {
				t.Fatalf("got %+v", d)
			}
		}},
		{name: "type read from the body", setup: func(t *testing.T, be backend.ConfigInstances) Job {
			ci := createInstance(t, be, "motion-control", "dvc_1", "", good)
			return Job{Body: model.ValidatedEvent(ci, cmdtest.Now)}
		}, check: func(t *testing.T, be backend.ConfigInstances, d Decision) {
			if d.Decision != DecisionApproved {
				t.Fatalf("got %+v", d)
			}
		}},
		{name: "event without an instance id", setup: func(t *testing.T, be backend.ConfigInstances) Job {
			return Job{EventType: model.EventConfigInstanceValidated, Body: []byte(`{"type":"config_instance.target_status.validated","data":{}}`)}
		}, check: func(t *testing.T, be backend.ConfigInstances, d Decision) {
			if d.Decision != DecisionError || d.Error != "the event has no data.config_instance.id" {
				t.Fatalf("got %+v", d)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := cmdtest.New(t, false)
			job := tt.setup(t, env.Local)
			d := &Decider{Backend: env.Local, Rules: mustRules(t, testRules), AutoDeploy: tt.autoDeploy, Now: env.Factory.Now}
			got := d.Decide(context.Background(), job)
			if !got.Time.Equal(cmdtest.Now) {
				t.Errorf("time %v", got.Time)
			}
			tt.check(t, env.Local, got)
		})
	}
}

func get(t *testing.T, be backend.ConfigInstances, id string) *model.ConfigInstance {
	t.Helper()
	ci, err := be.GetConfigInstance(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return ci
}

// racingBackend lets someone else decide the instance between the
// validation server's fetch and its decision.
type racingBackend struct {
	backend.ConfigInstances
}

func (b racingBackend) GetConfigInstance(ctx context.Context, id string) (*model.ConfigInstance, error) {
	ci, err := b.ConfigInstances.GetConfigInstance(ctx, id)
	if err == nil && ci.Status == model.ConfigInstanceValidating {
		_, err = b.ConfigInstances.RejectConfigInstance(ctx, id, backend.RejectConfigInstanceRequest{
			Message: "by hand", Errors: []model.ParameterError{{ParameterPath: []string{"mode"}, Message: "no"}},
		})
	}
	return ci, err
}

func TestDecideRaceIsSkipped(t *testing.T) {
	env := cmdtest.New(t, false)
	ci := createInstance(t, env.Local, "motion-control", "dvc_1", "", `{"speed":{"max":5}}`)
	d := &Decider{Backend: racingBackend{env.Local}, Rules: mustRules(t, testRules)}
	got := d.Decide(context.Background(), validatedJob(ci))
	if got.Decision != DecisionSkipped || got.Status != model.ConfigInstanceRejected || !strings.Contains(got.Reason, "rejected already") {
		t.Fatalf("got %+v", got)
	}
	if cur := get(t, env.Local, ci.ID); cur.Message != "by hand" {
		t.Errorf("stored %+v", cur)
	}
}

func TestWorkerQueuesWithoutBlockingAndDrainsOnClose(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	var mu sync.Mutex
	var order []string
	decide := func(_ context.Context, j Job) Decision {
		select {
		case started <- struct{}{}:
		default:
		}
		<-release
		return Decision{RequestID: j.RequestID}
	}
	w := StartWorker(context.Background(), decide, func(d Decision) {
		mu.Lock()
		order = append(order, d.RequestID)
		mu.Unlock()
	})
	w.Enqueue(Job{RequestID: "r0"})
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("the worker did not start")
	}
	// The worker is stuck in decide; enqueueing must still return at once.
	enqueued := make(chan struct{})
	go func() {
		for i := 1; i < 1000; i++ {
			w.Enqueue(Job{RequestID: "r" + string(rune('0'+i%10))})
		}
		close(enqueued)
	}()
	select {
	case <-enqueued:
	case <-time.After(5 * time.Second):
		t.Fatal("Enqueue blocked while a decision was in progress")
	}
	closed := make(chan struct{})
	go func() { w.Close(); close(closed) }()
	close(release)
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(order) != 1000 || order[0] != "r0" || order[1] != "r1" || order[999] != "r9" {
		t.Fatalf("decided %d jobs, first %v", len(order), order[:min(3, len(order))])
	}
	if w.Enqueue(Job{RequestID: "late"}) {
		t.Error("Enqueue after Close accepted a job")
	}
}
