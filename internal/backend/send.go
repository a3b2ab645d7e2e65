package backend

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/dispatch"
	"github.com/hookctl/hookctl/internal/model"
)

// Sender sends through someone else: Remote asks `hookctl serve`, whose
// durable dispatcher sends and records. Commands get one from the factory
// (cmdutil.Factory.Sender) in remote mode (webhook send without --mock or
// --count, deliveries resend); locally there is none and the CLI delivers
// itself.
type Sender interface {
	// SendEvent sends an event (POST /v1/events) and returns the
	// deliveries once final; progress, if not nil, hears of each attempt
	// the server retries.
	SendEvent(ctx context.Context, p SendEventParams, progress func(*model.Delivery, *model.DeliveryAttempt)) (*SendResult, error)
	// ResendDelivery resends a recorded delivery (POST
	// /v1/deliveries/{id}/resend) and returns the new delivery once final.
	ResendDelivery(ctx context.Context, id string, p ResendParams) (*SendResult, error)
}

// SendEventParams is the body of POST /v1/events. The event is the
// catalogue's Type, or Payload (any JSON) / PayloadBase64 (exact bytes,
// what the CLI sends); Set edits it (GJSON-PATH=VALUE). It goes to ConfigID,
// to the ad-hoc URL To (signed with Scheme/Secret when Secret is set), or,
// when neither is given, to every enabled config subscribed to the type.
type SendEventParams struct {
	Type          string            `json:"type,omitempty"`
	Payload       json.RawMessage   `json:"payload,omitempty"`
	PayloadBase64 []byte            `json:"payload_base64,omitempty"`
	Set           []string          `json:"set,omitempty"`
	Headers       map[string]string `json:"headers,omitempty"`
	ConfigID      string            `json:"config_id,omitempty"`
	To            string            `json:"to,omitempty"`
	Scheme        string            `json:"scheme,omitempty"`
	Secret        string            `json:"secret,omitempty"`
	DeliveryPolicy
}

// DeliveryPolicy is the retry policy of a send or resend; absent fields
// take the defaults (dispatch.DefaultPolicy). Retries 0 means no retries.
type DeliveryPolicy struct {
	Retries    *int      `json:"retries,omitempty"`
	RetryDelay *Duration `json:"retry_delay,omitempty"`
	Timeout    *Duration `json:"timeout,omitempty"`
}

// PolicyOf is the DeliveryPolicy that asks for p in full.
func PolicyOf(p dispatch.Policy) DeliveryPolicy {
	retries, delay, timeout := p.Retries, Duration(p.BaseDelay), Duration(p.Timeout)
	return DeliveryPolicy{Retries: &retries, RetryDelay: &delay, Timeout: &timeout}
}

// Policy turns p into a dispatch.Policy.
func (p DeliveryPolicy) Policy() (dispatch.Policy, error) {
	out := dispatch.DefaultPolicy()
	if p.Retries != nil {
		if *p.Retries < 0 {
			return out, apperr.Usagef("retries must not be negative")
		}
		out.Retries = *p.Retries
	}
	if p.RetryDelay != nil {
		if *p.RetryDelay < 0 {
			return out, apperr.Usagef("retry_delay must not be negative")
		}
		out.BaseDelay = timeDuration(*p.RetryDelay)
	}
	if p.Timeout != nil {
		if *p.Timeout < 0 {
			return out, apperr.Usagef("timeout must not be negative")
		}
		out.Timeout = timeDuration(*p.Timeout)
	}
	return out, nil
}

// ResendParams is the body of POST /v1/deliveries/{id}/resend.
type ResendParams struct {
	To string `json:"to,omitempty"`
	DeliveryPolicy
}

// SendResult is the response of POST /v1/events and of resend: the
// deliveries (pending when the server answered before they were final) and
// warnings for people (e.g. "resending unsigned").
type SendResult struct {
	Data     []*model.Delivery `json:"data"`
	Warnings []string          `json:"warnings,omitempty"`
}

// TestEventType is the event of "webhook-config test" (the providers' "send
// test" button): a named config takes it whatever its subscriptions.
const TestEventType = "webhook_config.test"

// ConfigTargets resolves --config ID (configID) or --all (configID "") to
// targets for eventType, with the CLI's messages: a disabled or
// unsubscribed config is a usage error, no subscribed config is not found;
// only TestEventType reaches a named config it is not subscribed to.
func ConfigTargets(ctx context.Context, wc WebhookConfigs, configID, eventType string) ([]dispatch.Target, error) {
	if configID != "" {
		c, err := wc.GetWebhookConfig(ctx, configID)
		if err != nil {
			return nil, err
		}
		if !c.Enabled {
			return nil, apperr.Usagef("webhook config %s is disabled: enable it with \"hookctl webhook-config update %s --enable\", or send to its URL with --to", c.ID, c.ID)
		}
		if !c.Subscribes(eventType) && eventType != TestEventType {
			return nil, apperr.Usagef("webhook config %s is not subscribed to %s (its events: %s): add it with \"hookctl webhook-config update %s --add-event %s\", or send to its URL with --to",
				c.ID, eventType, strings.Join(c.Events, ", "), c.ID, eventType)
		}
		return []dispatch.Target{dispatch.TargetFromConfig(c)}, nil
	}
	configs, err := wc.ListWebhookConfigs(ctx, ListWebhookConfigsParams{})
	if err != nil {
		return nil, err
	}
	targets := dispatch.Subscribed(configs, eventType)
	if len(targets) == 0 {
		return nil, apperr.NotFoundf("no enabled webhook config is subscribed to %s (run \"hookctl webhook-config list --event %s\")", eventType, eventType)
	}
	return targets, nil
}

// signatureHeaders are dropped from a stored request before it is re-signed.
var signatureHeaders = []string{"Webhook-Id", "Webhook-Timestamp", "Webhook-Signature", "Svix-Id", "Svix-Timestamp", "Svix-Signature",
	"Stripe-Signature", "X-Hub-Signature-256", "X-Hub-Signature", "X-Slack-Signature", "X-Slack-Request-Timestamp",
	"X-Shopify-Hmac-Sha256", "X-Sf-Signature", "Ricloud-Signature", "X-Request-Id", "Content-Length"}

// PrepareResend builds the resend of orig (to the URL to, if not empty):
// the same payload, headers and request id, signed afresh with the config's
// current secret when the config still exists, unsigned otherwise (with a
// warning saying so).
func PrepareResend(ctx context.Context, wc WebhookConfigs, orig *model.Delivery, to string) (dispatch.Event, dispatch.Target, string, error) {
	target := dispatch.Target{URL: orig.URL}
	warning := ""
	if orig.ConfigID != "" {
		c, err := wc.GetWebhookConfig(ctx, orig.ConfigID)
		switch {
		case err == nil:
			target = dispatch.TargetFromConfig(c)
		case apperr.IsKind(err, apperr.ErrNotFound):
			warning = fmt.Sprintf("webhook config %s no longer exists: resending unsigned", orig.ConfigID)
		default:
			return dispatch.Event{}, dispatch.Target{}, "", err
		}
	} else if orig.Scheme != "" {
		warning = "the secret of an ad-hoc --to delivery is not stored: resending unsigned"
	}
	if to != "" {
		target.URL = to
	}
	hdr := http.Header{}
	for k, v := range orig.RequestHeaders {
		hdr.Set(k, v)
	}
	for _, k := range signatureHeaders {
		hdr.Del(k)
	}
	ev := dispatch.Event{Type: orig.EventType, EventID: orig.EventID, Body: orig.Payload, Headers: hdr,
		RequestID: orig.RequestID, ResendOf: orig.ID}
	return ev, target, warning, nil
}

func timeDuration(d Duration) time.Duration { return time.Duration(d) }
