package catalog

import (
	"net/http"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/hookctl/hookctl/internal/jsondepth"
)

// typeHeaders name the event type in the request headers, checked in order.
var typeHeaders = []string{
	"X-GitHub-Event",
	"X-Gitea-Event",
	"X-Gitlab-Event",
	"X-Shopify-Topic",
	"X-Event-Key", // Bitbucket
	"X-Event-Type",
	"X-Webhook-Event",
	"X-Hook-Event",
}

// typeFields name the event type in a JSON body, checked in order.
var typeFields = []string{"type", "event", "event_type", "action", "topic"}

// EventType classifies a received webhook: the first non-empty header among
// X-GitHub-Event, X-Gitea-Event, X-Gitlab-Event, X-Shopify-Topic,
// X-Event-Key, X-Event-Type, X-Webhook-Event, X-Hook-Event; then the body's
// top-level string fields type, event, event_type, action, topic. ricloud
// sends the resource in "type" and the verb in "action", so a request that
// carries a Ricloud-Signature header, or whose body has a dot-less "type"
// together with an "action", yields "type.action" ("webhook_config.test").
// It returns "" when nothing names the type. A body nested deeper than
// jsondepth.MaxDepth is not JSON here: it is not parsed (gjson recurses per
// level), so only the headers can classify it.
func EventType(headers http.Header, body []byte) string {
	for _, h := range typeHeaders {
		if v := strings.TrimSpace(headers.Get(h)); v != "" {
			return v
		}
	}
	if !jsondepth.Sane(body) || !gjson.ValidBytes(body) {
		return ""
	}
	res := gjson.ParseBytes(body)
	if !res.IsObject() {
		return ""
	}
	typ, action := res.Get("type"), res.Get("action")
	if typ.Type == gjson.String && action.Type == gjson.String && typ.Str != "" && action.Str != "" &&
		(headers.Get("Ricloud-Signature") != "" || !strings.ContainsAny(typ.Str, "./:")) {
		return typ.Str + "." + action.Str
	}
	for _, f := range typeFields {
		if v := res.Get(f); v.Type == gjson.String && strings.TrimSpace(v.Str) != "" {
			return strings.TrimSpace(v.Str)
		}
	}
	return ""
}
