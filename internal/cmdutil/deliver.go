package cmdutil

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/tidwall/gjson"

	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/dispatch"
	"github.com/hookctl/hookctl/internal/model"
)

// DeliverToConfig is the sending path of one event to one webhook config,
// shared by the commands that send (`webhook-config test`; the same steps as
// `webhook send --config`): in remote mode the server's dispatcher sends and
// records (f.Sender); locally the CLI's dispatcher signs with the config's
// scheme and current secret, POSTs, retries per policy and records the
// delivery in the store. A disabled config is refused (backend.ConfigTargets).
// It returns the final delivery.
func DeliverToConfig(ctx context.Context, f *Factory, ev dispatch.Event, configID string, policy dispatch.Policy) (*model.Delivery, error) {
	sender, err := f.Sender()
	if err != nil {
		return nil, err
	}
	if sender != nil {
		p := backend.SendEventParams{Type: ev.Type, PayloadBase64: ev.Body, Headers: map[string]string{}, ConfigID: configID,
			DeliveryPolicy: backend.PolicyOf(policy)}
		if p.PayloadBase64 == nil {
			p.PayloadBase64 = []byte{}
		}
		for k := range ev.Headers {
			p.Headers[k] = ev.Headers.Get(k)
		}
		res, err := sender.SendEvent(ctx, p, nil)
		if err != nil {
			return nil, err
		}
		for _, w := range res.Warnings {
			fmt.Fprintf(f.IOStreams.ErrOut, "%s %s\n", f.IOStreams.ErrStyles().WarningIcon(), w)
		}
		if len(res.Data) != 1 {
			return nil, fmt.Errorf("the server answered %d deliveries for one config", len(res.Data))
		}
		return res.Data[0], nil
	}
	be, err := f.Backend()
	if err != nil {
		return nil, err
	}
	targets, err := backend.ConfigTargets(ctx, be, configID, ev.Type)
	if err != nil {
		return nil, err
	}
	d := dispatch.New(DeliveryClient(f), dispatch.SaveRecorder(be.SaveDeliveries))
	d.Policy = policy
	return d.Deliver(ctx, ev, targets[0])
}

// DeliveryClient is the factory's HTTP client without its overall timeout:
// a dispatcher's policy times each attempt.
func DeliveryClient(f *Factory) *http.Client {
	if f.HTTPClient == nil {
		return http.DefaultClient
	}
	c := *f.HTTPClient()
	c.Timeout = 0
	return &c
}

// SendTestEvent sends the catalogue's webhook_config.test event to a
// config, signed with its scheme and current secret (DeliverToConfig): one
// attempt, no retries, within timeout. `webhook-config test` and the
// inspector's "send test event" call it.
func SendTestEvent(ctx context.Context, f *Factory, configID string, timeout time.Duration) (*model.Delivery, error) {
	cat, err := LoadCatalog(f, nil)
	if err != nil {
		return nil, err
	}
	e, err := cat.Get(backend.TestEventType)
	if err != nil {
		return nil, err
	}
	body, hdr, err := e.BuildRequest(catalog.BuildOptions{Now: f.Now()})
	if err != nil {
		return nil, err
	}
	ev := dispatch.Event{Type: backend.TestEventType, Body: body, Headers: hdr}
	if r := gjson.GetBytes(body, "id"); r.Type == gjson.String {
		ev.EventID = r.Str
	}
	return DeliverToConfig(ctx, f, ev, configID, dispatch.Policy{Retries: 0, Timeout: timeout})
}

// Resend sends a recorded delivery again as a new delivery (`webhook
// deliveries resend`, the inspector's resend): in remote mode the server
// resends and records; locally the delivery is signed afresh
// (backend.PrepareResend) and sent by a dispatcher over client with policy
// (configure, if not nil, adjusts it), and recorded. The result holds the
// new delivery, also when err says it failed, and the warnings for people.
func Resend(ctx context.Context, f *Factory, id, to string, policy dispatch.Policy, client *http.Client, configure func(*dispatch.Dispatcher)) (*backend.SendResult, error) {
	sender, err := f.Sender()
	if err != nil {
		return nil, err
	}
	if sender != nil {
		return sender.ResendDelivery(ctx, id, backend.ResendParams{To: to, DeliveryPolicy: backend.PolicyOf(policy)})
	}
	be, err := f.Backend()
	if err != nil {
		return nil, err
	}
	// A local resend re-sends the recorded headers: ask for them in full.
	orig, err := be.GetDelivery(backend.WithShowSecret(ctx), id)
	if err != nil {
		return nil, err
	}
	ev, target, warning, err := backend.PrepareResend(ctx, be, orig, to)
	if err != nil {
		return nil, err
	}
	res := &backend.SendResult{}
	if warning != "" {
		res.Warnings = []string{warning}
	}
	d := dispatch.New(client, dispatch.SaveRecorder(be.SaveDeliveries))
	d.Policy = policy
	if configure != nil {
		configure(d)
	}
	del, err := d.Deliver(ctx, ev, target)
	if del == nil {
		return nil, err
	}
	res.Data = []*model.Delivery{del}
	return res, err
}

// AttemptOutcome is an attempt's answer for people: "200 OK", "503 Service
// Unavailable (…)" or the error of an attempt without a response.
func AttemptOutcome(a *model.DeliveryAttempt) string {
	if a == nil {
		return "not attempted"
	}
	if a.StatusCode == 0 {
		return a.Error
	}
	s := fmt.Sprintf("%d %s", a.StatusCode, http.StatusText(a.StatusCode))
	if a.Error != "" {
		s += " (" + a.Error + ")"
	}
	return s
}

// FormatLatency is a latency for people: µs, ms with one decimal, or s.
func FormatLatency(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < time.Second:
		return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
	default:
		return d.Round(10 * time.Millisecond).String()
	}
}
