package backendtest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/model"
)

// NewTenants returns the backends of two tenants over one store (Local
// scoped with ForTenant, or Remote with the keys of two tenants).
type NewTenants func(t *testing.T) (a, b backend.Backend)

// Tenants is the contract of isolation between tenants: b cannot see or
// change a's data, another tenant's id behaves as an id that does not
// exist, and uniqueness (a config's URL, client-chosen ids) is per tenant.
func Tenants(t *testing.T, newTenants NewTenants) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

	t.Run("WebhookConfigs", func(t *testing.T) {
		a, b := newTenants(t)
		c, err := a.CreateWebhookConfig(ctx, backend.CreateWebhookConfigParams{URL: "https://a.example/hook"})
		if err != nil {
			t.Fatal(err)
		}
		_, errUnknown := b.GetWebhookConfig(ctx, "whc_unknown")
		_, err = b.GetWebhookConfig(ctx, c.ID)
		wantErr(t, err, apperr.ErrNotFound, c.ID)
		wantSameMessage(t, err, errUnknown, c.ID, "whc_unknown")
		url := "https://evil.example"
		_, err = b.UpdateWebhookConfig(ctx, c.ID, backend.UpdateWebhookConfigParams{URL: &url})
		wantErr(t, err, apperr.ErrNotFound)
		_, err = b.RotateWebhookConfigSecret(ctx, c.ID, 0)
		wantErr(t, err, apperr.ErrNotFound)
		wantErr(t, b.DeleteWebhookConfig(ctx, c.ID), apperr.ErrNotFound)
		if l, err := b.ListWebhookConfigs(ctx, backend.ListWebhookConfigsParams{}); err != nil || len(l) != 0 {
			t.Fatalf("b lists %v, %v: want nothing", l, err)
		}
		// The same URL is free in b: a conflict would reveal a's config.
		if _, err := b.CreateWebhookConfig(ctx, backend.CreateWebhookConfigParams{URL: c.URL}); err != nil {
			t.Fatalf("b creating a's URL: %v", err)
		}
		got, err := a.GetWebhookConfig(backend.WithShowSecret(ctx), c.ID)
		if err != nil || got.URL != c.URL || got.Secret != c.Secret {
			t.Fatalf("a's config after b's attempts: %+v, %v", got, err)
		}
	})

	t.Run("ConfigInstances", func(t *testing.T) {
		a, b := newTenants(t)
		ci, err := a.CreateConfigInstance(ctx, backend.CreateConfigInstanceParams{ConfigTypeID: "ct", DeviceID: "dev", Content: []byte(`{"a":1}`)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = b.GetConfigInstance(ctx, ci.ID)
		wantErr(t, err, apperr.ErrNotFound)
		_, err = b.ApproveConfigInstance(ctx, ci.ID, backend.ApproveConfigInstanceRequest{Message: "ok"})
		wantErr(t, err, apperr.ErrNotFound)
		_, err = b.RejectConfigInstance(ctx, ci.ID, backend.RejectConfigInstanceRequest{Message: "no", Errors: []model.ParameterError{{ParameterPath: []string{"a"}, Message: "bad"}}})
		wantErr(t, err, apperr.ErrNotFound)
		_, err = b.DeployConfigInstance(ctx, ci.ID, false)
		wantErr(t, err, apperr.ErrNotFound)
		if l, err := b.ListConfigInstances(ctx, backend.ListConfigInstancesParams{}); err != nil || len(l) != 0 {
			t.Fatalf("b lists %v, %v: want nothing", l, err)
		}
		if got, err := a.GetConfigInstance(ctx, ci.ID); err != nil || got.Status != model.ConfigInstanceValidating {
			t.Fatalf("a's instance after b's attempts: %+v, %v", got, err)
		}
	})

	t.Run("Deliveries", func(t *testing.T) {
		a, b := newTenants(t)
		d := delivery(model.DeliverySucceeded, "ping", "", 200, t0, `{"n":1}`)
		if err := a.SaveDeliveries(ctx, []*model.Delivery{d}); err != nil {
			t.Fatal(err)
		}
		_, err := b.GetDelivery(ctx, d.ID)
		wantErr(t, err, apperr.ErrNotFound)
		// b's delivery with the same (client-chosen) id is b's own.
		forged := delivery(model.DeliveryFailed, "forged", "", 500, t0, `{"n":2}`)
		forged.ID = d.ID
		if err := b.SaveDeliveries(ctx, []*model.Delivery{forged}); err != nil {
			t.Fatal(err)
		}
		if got, err := a.GetDelivery(ctx, d.ID); err != nil || got.State != model.DeliverySucceeded || string(got.Payload) != `{"n":1}` {
			t.Fatalf("a's delivery after b's save: %+v, %v", got, err)
		}
		if got, err := b.GetDelivery(ctx, d.ID); err != nil || got.EventType != "forged" {
			t.Fatalf("b's own delivery: %+v, %v", got, err)
		}
		if l, err := b.ListDeliveries(ctx, backend.ListDeliveriesParams{}); err != nil || l.Total != 1 {
			t.Fatalf("b's list: %+v, %v: want its one delivery", l, err)
		}
	})

	t.Run("Requests", func(t *testing.T) {
		a, b := newTenants(t)
		r := &model.ReceivedRequest{ID: "req_chosen", ReceivedAt: t0, Method: "POST", Path: "/a", Body: []byte(`{}`)}
		if err := a.RecordRequests(ctx, r); err != nil {
			t.Fatal(err)
		}
		_, err := b.GetRequest(ctx, r.ID)
		wantErr(t, err, apperr.ErrNotFound)
		if err := b.RecordRequests(ctx, &model.ReceivedRequest{ID: r.ID, ReceivedAt: t0, Method: "PUT", Path: "/b"}); err != nil {
			t.Fatalf("b recording the same id: %v", err)
		}
		if got, err := a.GetRequest(ctx, r.ID); err != nil || got.Path != "/a" {
			t.Fatalf("a's request after b's: %+v, %v", got, err)
		}
		if l, err := b.ListRequests(ctx, backend.ListRequestsParams{}); err != nil || len(l) != 1 || l[0].Path != "/b" {
			t.Fatalf("b's list: %+v, %v", l, err)
		}
	})

	// Pages: a list asked for everything (Limit 0) or for more than the
	// server answers at once gets every item, page after page.
	t.Run("ListPastOnePage", func(t *testing.T) {
		a, _ := newTenants(t)
		const n = backend.MaxListLimit + 5
		ds := make([]*model.Delivery, n)
		rs := make([]*model.ReceivedRequest, n)
		for i := range ds {
			at := t0.Add(time.Duration(i) * time.Millisecond)
			ds[i] = delivery(model.DeliverySucceeded, "ping", "", 200, at, `{}`)
			rs[i] = &model.ReceivedRequest{ID: fmt.Sprintf("req_%05d", i), ReceivedAt: at, Method: "POST", Path: "/"}
		}
		if err := a.SaveDeliveries(ctx, ds); err != nil {
			t.Fatal(err)
		}
		if err := a.RecordRequests(ctx, rs...); err != nil {
			t.Fatal(err)
		}
		for _, limit := range []int{0, n, n - 2} {
			want := n
			if limit > 0 {
				want = limit
			}
			l, err := a.ListDeliveries(ctx, backend.ListDeliveriesParams{Limit: limit})
			if err != nil || len(l.Deliveries) != want || l.Total != n || l.Deliveries[0].ID != ds[n-1].ID {
				t.Fatalf("deliveries, limit %d: %v, %v", limit, len(l.Deliveries), err)
			}
			seen := map[string]bool{}
			for _, d := range l.Deliveries {
				seen[d.ID] = true
			}
			if len(seen) != want {
				t.Fatalf("deliveries, limit %d: %d distinct of %d", limit, len(seen), want)
			}
			reqs, err := a.ListRequests(ctx, backend.ListRequestsParams{Limit: limit})
			if err != nil || len(reqs) != want || reqs[0].ID != rs[n-1].ID || reqs[want-1].ID != rs[n-want].ID {
				t.Fatalf("requests, limit %d: %d, %v", limit, len(reqs), err)
			}
		}
	})
}

// wantSameMessage fails unless err reads as errUnknown with the unknown id
// in place of the real one: nothing tells the two apart.
func wantSameMessage(t *testing.T, err, errUnknown error, id, unknownID string) {
	t.Helper()
	if errUnknown == nil || err.Error() != strings.ReplaceAll(errUnknown.Error(), unknownID, id) {
		t.Fatalf("another tenant's id: %v; an unknown id: %v", err, errUnknown)
	}
}
