package backend

import (
	"context"
	"net/http"
	"time"

	"github.com/hookctl/hookctl/internal/dispatch"
	"github.com/hookctl/hookctl/internal/model"
)

// Notifier sends the validation event of a new config instance (a
// validation server answers it by approving or rejecting) to the targets:
// the enabled webhook configs of the instance's tenant subscribed to it.
// The CLI's delivers at once (the CLI process is the provider); `hookctl
// serve`'s queues the deliveries in its outbox and returns them pending.
// log is the tenant's delivery log, where the deliveries are recorded.
type Notifier interface {
	NotifyValidation(ctx context.Context, log Deliveries, tenant string, ev dispatch.Event, targets []dispatch.Target, p dispatch.Policy) []model.ValidationDelivery
}

// ValidationPolicy is the retry policy of validation events.
var ValidationPolicy = dispatch.Policy{Retries: 2, Timeout: 10 * time.Second}

// ValidationEvent is the config_instance.target_status.validated event of
// ci, shaped like the provider's.
func ValidationEvent(ci *model.ConfigInstance) dispatch.Event {
	return dispatch.Event{
		Type:    model.EventConfigInstanceValidated,
		EventID: ci.ID,
		Body:    model.ValidatedEvent(ci, ci.CreatedAt),
		Headers: http.Header{"Content-Type": {"application/json"}},
	}
}

// DirectNotifier delivers validation events at once over Client, waiting
// for each delivery's final state (the CLI without a server).
type DirectNotifier struct {
	Client func() *http.Client
}

// NotifyValidation implements Notifier.
func (n DirectNotifier) NotifyValidation(ctx context.Context, log Deliveries, _ string, ev dispatch.Event, targets []dispatch.Target, p dispatch.Policy) []model.ValidationDelivery {
	d := dispatch.New(n.Client(), dispatch.SaveRecorder(log.SaveDeliveries))
	d.Policy = p
	results := d.DeliverAll(ctx, ev, targets, 8)
	out := make([]model.ValidationDelivery, len(results))
	for i, r := range results {
		out[i] = model.ValidationDelivery{URL: r.Target.URL, Delivery: r.Delivery}
		if r.Err != nil {
			out[i].Error = r.Err.Error()
		}
	}
	return out
}

// notifyValidation sends ci's validation event to the tenant's subscribed
// configs through l's notifier, if it has one.
func (l *Local) notifyValidation(ctx context.Context, ci *model.ConfigInstance) []model.ValidationDelivery {
	if l.notifier == nil {
		return nil
	}
	enabled := true
	configs, err := l.ListWebhookConfigs(ctx, ListWebhookConfigsParams{Event: model.EventConfigInstanceValidated, Enabled: &enabled})
	if err != nil {
		return []model.ValidationDelivery{{Error: "list the webhook configs subscribed to " + model.EventConfigInstanceValidated + ": " + err.Error()}}
	}
	targets := dispatch.Subscribed(configs, model.EventConfigInstanceValidated)
	if len(targets) == 0 {
		return nil
	}
	return l.notifier.NotifyValidation(ctx, l, l.tenant, ValidationEvent(ci), targets, ValidationPolicy)
}
