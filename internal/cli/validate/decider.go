package validate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/tidwall/gjson"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/rules"
)

// Kinds of Decision.
const (
	DecisionApproved = "approved"
	DecisionRejected = "rejected"
	DecisionSkipped  = "skipped" // not a validation event, or already decided
	DecisionError    = "error"   // the instance could not be decided (unknown, backend failure)
)

// Job is one accepted webhook waiting for the worker.
type Job struct {
	RequestID string
	EventType string
	Body      []byte
	Received  time.Time
}

// Decision is what the worker did with one Job. It is printed as is with
// --format json (one object per line).
type Decision struct {
	Time         time.Time              `json:"time"`
	RequestID    string                 `json:"request_id,omitempty"`
	EventType    string                 `json:"event_type,omitempty"`
	Decision     string                 `json:"decision"`
	InstanceID   string                 `json:"config_instance_id,omitempty"`
	ConfigTypeID string                 `json:"config_type_id,omitempty"`
	DeviceID     string                 `json:"device_id,omitempty"`
	Status       string                 `json:"status,omitempty"` // the instance's status afterwards (or as found, when skipped)
	Message      string                 `json:"message,omitempty"`
	Errors       []model.ParameterError `json:"errors,omitempty"`
	RulesChecked int                    `json:"rules_checked,omitempty"`
	Reason       string                 `json:"reason,omitempty"` // why it was skipped
	Error        string                 `json:"error,omitempty"`  // DecisionError, or the approval/rejection call failing
	Deploy       *backend.DeployResult  `json:"deploy,omitempty"` // --auto-deploy
	DeployError  string                 `json:"deploy_error,omitempty"`
}

// Decided reports whether d approved or rejected an instance: what
// --exit-after counts.
func (d Decision) Decided() bool {
	return d.Decision == DecisionApproved || d.Decision == DecisionRejected
}

// Decider decides config instances against a rules file.
type Decider struct {
	Backend    backend.ConfigInstances
	Rules      *rules.RuleSet
	AutoDeploy bool
	// CallTimeout bounds each backend call. Default 30s.
	CallTimeout time.Duration
	Now         func() time.Time
}

// Decide handles one job: for a config_instance.target_status.validated
// event it fetches the instance named in data.config_instance.id, checks its
// content against the rules for its config type and approves or rejects it
// (then deploys an approval with AutoDeploy). Nothing here is fatal: every
// problem is reported in the Decision.
func (d *Decider) Decide(ctx context.Context, j Job) Decision {
	dec := d.decide(ctx, j)
	dec.RequestID, dec.EventType = j.RequestID, j.EventType
	if d.Now != nil {
		dec.Time = d.Now().UTC()
	} else {
		dec.Time = time.Now().UTC()
	}
	return dec
}

func (d *Decider) call(ctx context.Context) (context.Context, context.CancelFunc) {
	t := d.CallTimeout
	if t <= 0 {
		t = 30 * time.Second
	}
	return context.WithTimeout(ctx, t)
}

func (d *Decider) decide(ctx context.Context, j Job) Decision {
	typ := j.EventType
	if typ == "" {
		typ = gjson.GetBytes(j.Body, "type").String()
	}
	if typ != model.EventConfigInstanceValidated {
		what := "an event without a type"
		if typ != "" {
			what = typ
		}
		return Decision{Decision: DecisionSkipped, Reason: fmt.Sprintf("%s is not %s", what, model.EventConfigInstanceValidated)}
	}
	id := gjson.GetBytes(j.Body, "data.config_instance.id").String()
	if id == "" {
		return Decision{Decision: DecisionError, Error: "the event has no data.config_instance.id"}
	}

	cctx, cancel := d.call(ctx)
	ci, err := d.Backend.GetConfigInstance(cctx, id)
	cancel()
	if err != nil {
		return Decision{Decision: DecisionError, InstanceID: id, Error: fmt.Sprintf("cannot fetch %s: %v", id, err)}
	}
	dec := Decision{InstanceID: ci.ID, ConfigTypeID: ci.ConfigTypeID, DeviceID: ci.DeviceID, Status: ci.Status}
	if ci.Status != model.ConfigInstanceValidating {
		dec.Decision, dec.Reason = DecisionSkipped, alreadyDecided(ci.Status)
		return dec
	}

	out := d.Rules.Check(ci.ConfigTypeID, ci.Content)
	dec.Message, dec.RulesChecked = out.Message, out.Checked
	var updated *model.ConfigInstance
	verb := "approve"
	cctx, cancel = d.call(ctx)
	if out.Approved {
		dec.Decision = DecisionApproved
		updated, err = d.Backend.ApproveConfigInstance(cctx, ci.ID, backend.ApproveConfigInstanceRequest{Message: out.Message})
	} else {
		dec.Decision, verb = DecisionRejected, "reject"
		dec.Errors = d.rejectionErrors(ci, out.Errors)
		updated, err = d.Backend.RejectConfigInstance(cctx, ci.ID, backend.RejectConfigInstanceRequest{Message: out.Message, Errors: dec.Errors})
	}
	cancel()
	if err != nil {
		if errors.Is(err, apperr.ErrConflict) {
			// Decided by someone else between our fetch and our decision.
			cctx, cancel := d.call(ctx)
			if cur, gerr := d.Backend.GetConfigInstance(cctx, ci.ID); gerr == nil {
				dec.Status = cur.Status
			}
			cancel()
			return Decision{Decision: DecisionSkipped, InstanceID: ci.ID, ConfigTypeID: ci.ConfigTypeID, DeviceID: ci.DeviceID,
				Status: dec.Status, Reason: alreadyDecided(dec.Status) + " (" + err.Error() + ")"}
		}
		dec.Error = fmt.Sprintf("cannot %s %s: %v", verb, ci.ID, err)
		dec.Decision = DecisionError
		return dec
	}
	dec.Status = updated.Status
	if out.Approved && d.AutoDeploy {
		cctx, cancel = d.call(ctx)
		res, err := d.Backend.DeployConfigInstance(cctx, ci.ID, false)
		cancel()
		if err != nil {
			dec.DeployError = err.Error()
		} else {
			dec.Deploy = res
			dec.Status = res.Deploy.Status
		}
	}
	return dec
}

func alreadyDecided(status string) string {
	return fmt.Sprintf("it is %s already: only a validating instance is decided", status)
}

// rejectionErrors makes the rules' errors acceptable to the API, which wants
// a non-empty parameter path: an error about the whole content (the rules
// give it the root path []) is put on config_type_id when the rules file does
// not cover the instance's config type, and on content otherwise.
func (d *Decider) rejectionErrors(ci *model.ConfigInstance, errs []model.ParameterError) []model.ParameterError {
	out := slices.Clone(errs)
	for i, e := range out {
		if len(e.ParameterPath) > 0 {
			continue
		}
		if _, covered := d.Rules.Rules(ci.ConfigTypeID); !covered {
			out[i].ParameterPath = []string{"config_type_id"}
		} else {
			out[i].ParameterPath = []string{"content"}
		}
	}
	return out
}

// Worker decides jobs one at a time, in arrival order, on its own
// goroutine. Enqueue never blocks: the queue grows as needed, so the
// listener answers senders at once however slow the backend is.
type Worker struct {
	decide func(context.Context, Job) Decision
	emit   func(Decision)
	ctx    context.Context

	mu     sync.Mutex
	jobs   []Job
	closed bool
	wake   chan struct{}
	done   chan struct{}
}

// StartWorker starts a worker that calls decide for every job and emit with
// the result (from the worker's goroutine only). ctx is handed to decide; it
// should outlive a shutdown (context.WithoutCancel) so queued jobs still get
// decided after Ctrl-C.
func StartWorker(ctx context.Context, decide func(context.Context, Job) Decision, emit func(Decision)) *Worker {
	w := &Worker{decide: decide, emit: emit, ctx: ctx, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go w.run()
	return w
}

// Enqueue adds a job; it reports false after Close.
func (w *Worker) Enqueue(j Job) bool {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return false
	}
	w.jobs = append(w.jobs, j)
	select { // under mu: Close cannot close wake meanwhile
	case w.wake <- struct{}{}:
	default:
	}
	w.mu.Unlock()
	return true
}

// Close stops accepting jobs and waits until the queued ones are decided.
func (w *Worker) Close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.wake)
	}
	w.mu.Unlock()
	<-w.done
}

func (w *Worker) run() {
	defer close(w.done)
	for {
		w.mu.Lock()
		if len(w.jobs) == 0 {
			closed := w.closed
			w.mu.Unlock()
			if closed {
				return
			}
			<-w.wake
			continue
		}
		j := w.jobs[0]
		w.jobs[0] = Job{}
		w.jobs = w.jobs[1:]
		w.mu.Unlock()
		w.emit(w.decide(w.ctx, j))
	}
}
