package backendtest

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/ids"
	"github.com/hookctl/hookctl/internal/model"
)

// Requests is the contract of backend.Requests (the listener's history).
func Requests(t *testing.T, newBackend NewBackend) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	req := func(event string, at time.Time, body []byte) *model.ReceivedRequest {
		return &model.ReceivedRequest{ID: ids.New(ids.Request), ReceivedAt: at, Method: "POST", Host: "127.0.0.1:8080", Path: "/hooks",
			Query: "a=1", Headers: http.Header{"Content-Type": {"application/json"}, "Webhook-Id": {"msg_1"}}, Body: body,
			RemoteAddr: "127.0.0.1:5555", EventType: event, Status: 200}
	}

	t.Run("RecordGetRoundTrip", func(t *testing.T) {
		be := newBackend(t)
		a := req("device.enrolled", t0, []byte(`{"event":"device.enrolled"}`))
		a.Verification = &model.Verification{OK: false, Scheme: "standard", Cause: "mismatch", Message: "signature does not match"}
		a.Forwards = []model.ForwardResult{{URL: "http://127.0.0.1:3000/x", Status: 502, Latency: 1500 * time.Microsecond, LatencyMS: 1.5}}
		bin := req("", t0.Add(time.Second), []byte{0xff, 0x00, 0x01})
		if err := be.RecordRequests(ctx, a, bin); err != nil {
			t.Fatal(err)
		}
		got := must[*model.ReceivedRequest](t)(be.GetRequest(ctx, a.ID))
		if !got.ReceivedAt.Equal(t0) || got.Method != "POST" || got.Path != "/hooks" || got.Query != "a=1" || got.Headers.Get("Webhook-Id") != "msg_1" ||
			string(got.Body) != string(a.Body) || got.EventType != "device.enrolled" || got.Verification == nil || got.Verification.OK ||
			len(got.Forwards) != 1 || got.Forwards[0].Status != 502 || got.Forwards[0].Latency != 1500*time.Microsecond || !got.Failed() {
			t.Fatalf("get = %+v", got)
		}
		if got := must[*model.ReceivedRequest](t)(be.GetRequest(ctx, bin.ID)); string(got.Body) != string(bin.Body) {
			t.Fatalf("binary body = %x, want %x", got.Body, bin.Body)
		}
		_, err := be.GetRequest(ctx, "req_nope")
		wantErrMessage(t, err, apperr.ErrNotFound, `no received request req_nope (run "hookctl webhook requests list")`)
	})

	t.Run("ListFilters", func(t *testing.T) {
		be := newBackend(t)
		list := must[[]model.ReceivedRequest](t)
		if l := list(be.ListRequests(ctx, backend.ListRequestsParams{})); l == nil || len(l) != 0 {
			t.Fatalf("empty = %#v", l)
		}
		a := req("device.enrolled", t0, []byte(`{"serial":"SN-100_x"}`))
		a.Verification = &model.Verification{OK: true, Scheme: "standard"}
		b := req("device.locked", t0.Add(time.Hour), []byte(`{}`))
		b.Rejected, b.Status = "invalid_signature", 401
		b.Verification = &model.Verification{Scheme: "standard", Message: "no"}
		b.Headers = http.Header{"X-Trace": {"Needle-42"}}
		c := req("user.signed_in", t0.Add(2*time.Hour), []byte(`{"city":"Zürich","path":"C:\\temp"}`))
		if err := be.RecordRequests(ctx, a, b, c); err != nil {
			t.Fatal(err)
		}
		ids := func(rs []model.ReceivedRequest) []string {
			var out []string
			for _, r := range rs {
				out = append(out, r.ID)
			}
			return out
		}
		for _, tc := range []struct {
			name string
			p    backend.ListRequestsParams
			want []string
		}{
			{"all newest first", backend.ListRequestsParams{}, []string{c.ID, b.ID, a.ID}},
			{"since", backend.ListRequestsParams{Since: t0.Add(time.Hour)}, []string{c.ID, b.ID}},
			{"event pattern", backend.ListRequestsParams{Event: "device.*"}, []string{b.ID, a.ID}},
			{"event", backend.ListRequestsParams{Event: "user.signed_in"}, []string{c.ID}},
			{"event patterns", backend.ListRequestsParams{Event: "user.signed_in, device.*"}, []string{c.ID, b.ID, a.ID}},
			{"event pattern and limit", backend.ListRequestsParams{Event: "device.*", Limit: 1}, []string{b.ID}},
			{"failed", backend.ListRequestsParams{Failed: true}, []string{b.ID}},
			{"limit", backend.ListRequestsParams{Limit: 1}, []string{c.ID}},
			{"search body, any case", backend.ListRequestsParams{Search: "sn-100"}, []string{a.ID}},
			{"search: LIKE wildcards are text", backend.ListRequestsParams{Search: "100_x"}, []string{a.ID}},
			{"search: no wildcard match", backend.ListRequestsParams{Search: "1%x"}, nil},
			{"search header", backend.ListRequestsParams{Search: "needle-42"}, []string{b.ID}},
			{"search event type", backend.ListRequestsParams{Search: "signed_in"}, []string{c.ID}},
			{"search body, non-ASCII text", backend.ListRequestsParams{Search: "Zürich"}, []string{c.ID}},
			{"search body, a backslash", backend.ListRequestsParams{Search: `C:\\temp`}, []string{c.ID}},
			{"verified", backend.ListRequestsParams{Verification: "verified"}, []string{a.ID}},
			{"verification failed", backend.ListRequestsParams{Verification: "failed"}, []string{b.ID}},
			{"unchecked", backend.ListRequestsParams{Verification: "unchecked"}, []string{c.ID}},
			{"status class", backend.ListRequestsParams{Status: "4xx"}, []string{b.ID}},
			{"status code", backend.ListRequestsParams{Status: "401"}, []string{b.ID}},
		} {
			got := ids(list(be.ListRequests(ctx, tc.p)))
			if len(got) != len(tc.want) {
				t.Fatalf("%s: %v, want %v", tc.name, got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("%s: %v, want %v", tc.name, got, tc.want)
				}
			}
		}
		_, err := be.ListRequests(ctx, backend.ListRequestsParams{Status: "6xx"})
		wantErr(t, err, apperr.ErrUsage, `invalid status filter "6xx"`)
		_, err = be.ListRequests(ctx, backend.ListRequestsParams{Verification: "maybe"})
		wantErr(t, err, apperr.ErrUsage, `unknown verification filter "maybe"`)
	})
}
