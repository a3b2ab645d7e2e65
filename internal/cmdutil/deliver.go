package cmdutil

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/hookctl/hookctl/internal/backend"
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
	client := http.DefaultClient
	if f.HTTPClient != nil {
		c := *f.HTTPClient()
		c.Timeout = 0 // per attempt: the dispatcher's policy
		client = &c
	}
	d := dispatch.New(client, dispatch.SaveRecorder(be.SaveDeliveries))
	d.Policy = policy
	return d.Deliver(ctx, ev, targets[0])
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
