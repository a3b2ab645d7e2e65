package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/model"
)

// A database made before tenants (schema 7) keeps every row on upgrade: in
// the default tenant, except requests received by a source, which go to the
// source's tenant; the relay log and outbox rows follow their rows.
func TestMigrationGivesOldRowsToTheirTenants(t *testing.T) {
	sqliteOnly(t)
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, FileName)+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	const before = 7
	for _, m := range ms[:before] {
		if _, err := db.Exec(m.sql); err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
	}
	now := formatTime(time.Now())
	for _, q := range []string{
		`INSERT INTO webhook_configs (id, url, events, scheme, secret, created_at, updated_at) VALUES ('whc_old', 'https://old.example', '["*"]', 'standard', 's', '` + now + `', '` + now + `')`,
		`INSERT INTO config_instances (id, config_type_id, device_id, relative_filepath, content, target_status, activity_status, error_status, status, created_at, updated_at)
			VALUES ('cfg_inst_old', 'ct', 'dev', '/a.json', '{}', 'validated', 'validating', 'none', 'validating', '` + now + `', '` + now + `')`,
		`INSERT INTO delivery_payloads (hash, body) VALUES ('h', '{}')`,
		`INSERT INTO deliveries (id, request_id, url, payload_hash, state, created_at, updated_at) VALUES ('dlv_old', 'r', 'https://old.example', 'h', 'pending', '` + now + `', '` + now + `')`,
		`INSERT INTO delivery_attempts (delivery_id, n, started_at) VALUES ('dlv_old', 1, '` + now + `')`,
		`INSERT INTO outbox (delivery_id, job, next_attempt_at, created_at) VALUES ('dlv_old', '{}', '` + now + `', '` + now + `')`,
		`INSERT INTO sources (id, tenant, datasource, event, api_token, token, token_hash, created_at, updated_at) VALUES ('src_1', 'acme', 'github', 'push', 'a', 't', 'th', '` + now + `', '` + now + `')`,
		`INSERT INTO received_requests (id, received_at, method, path, body) VALUES ('req_cli', '` + now + `', 'POST', '/', x'')`,
		`INSERT INTO received_requests (id, received_at, method, path, body, source_id) VALUES ('req_src', '` + now + `', 'POST', '/', x'', 'src_1')`,
		`INSERT INTO source_events (source_id, request_id) VALUES ('src_1', 'req_src')`,
		`PRAGMA user_version = ` + strconv.Itoa(before),
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	s := openTemp(t, dir)
	if _, err := s.GetWebhookConfig(ctx, model.DefaultTenant, "whc_old"); err != nil {
		t.Fatalf("config: %v", err)
	}
	if _, err := s.GetConfigInstance(ctx, model.DefaultTenant, "cfg_inst_old"); err != nil {
		t.Fatalf("instance: %v", err)
	}
	if d, err := s.GetDelivery(ctx, model.DefaultTenant, "dlv_old"); err != nil || len(d.Attempts) != 1 {
		t.Fatalf("delivery: %+v, %v", d, err)
	}
	if in, err := s.InOutbox(ctx, model.DefaultTenant, "dlv_old"); err != nil || !in {
		t.Fatalf("outbox row: %v, %v", in, err)
	}
	if _, err := s.GetReceivedRequest(ctx, model.DefaultTenant, "req_cli"); err != nil {
		t.Fatalf("CLI request: %v", err)
	}
	if _, err := s.GetReceivedRequest(ctx, "acme", "req_src"); err != nil {
		t.Fatalf("source request: %v", err)
	}
	if evs, err := s.SourceEventsAfter(ctx, "src_1", 0, 10); err != nil || len(evs) != 1 || evs[0].Request.ID != "req_src" {
		t.Fatalf("relay log: %+v, %v", evs, err)
	}
}

// Reads, updates and deletes see only the tenant's rows; the same URL and
// the same client-chosen ids live side by side in two tenants; a row
// without a tenant is never written.
func TestTenantScoping(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, t.TempDir())
	a := newConfig("https://same.example")
	a.Tenant = "acme"
	b := newConfig("https://same.example")
	b.Tenant = "globex"
	for _, c := range []*model.WebhookConfig{a, b} {
		if err := s.InsertWebhookConfig(ctx, c); err != nil {
			t.Fatalf("insert %s: %v", c.Tenant, err)
		}
	}
	if _, err := s.GetWebhookConfig(ctx, "globex", a.ID); !errors.Is(err, apperr.ErrNotFound) {
		t.Fatalf("get another tenant's config: %v", err)
	}
	if _, err := s.UpdateWebhookConfig(ctx, "globex", a.ID, func(*model.WebhookConfig) error { return nil }); !errors.Is(err, apperr.ErrNotFound) {
		t.Fatalf("update another tenant's config: %v", err)
	}
	if err := s.DeleteWebhookConfig(ctx, "globex", a.ID); !errors.Is(err, apperr.ErrNotFound) {
		t.Fatalf("delete another tenant's config: %v", err)
	}
	if l, _ := s.ListWebhookConfigs(ctx, "acme", WebhookConfigFilter{}); len(l) != 1 || l[0].ID != a.ID {
		t.Fatalf("acme's list: %+v", l)
	}

	at := time.Now().UTC()
	for _, tenant := range []string{"acme", "globex"} {
		d := &model.Delivery{Tenant: tenant, ID: "dlv_same", RequestID: tenant, URL: "https://x", State: model.DeliverySucceeded, CreatedAt: at, UpdatedAt: at,
			Attempts: []model.DeliveryAttempt{{N: 1, StartedAt: at, StatusCode: 200}}}
		if err := s.SaveDeliveries(ctx, []*model.Delivery{d}); err != nil {
			t.Fatalf("save %s: %v", tenant, err)
		}
		r := &model.ReceivedRequest{Tenant: tenant, ID: "req_same", ReceivedAt: at, Method: "POST", Path: "/" + tenant}
		if err := s.InsertReceivedRequests(ctx, r); err != nil {
			t.Fatalf("record %s: %v", tenant, err)
		}
	}
	for _, tenant := range []string{"acme", "globex"} {
		if d, err := s.GetDelivery(ctx, tenant, "dlv_same"); err != nil || d.RequestID != tenant || len(d.Attempts) != 1 {
			t.Fatalf("%s's delivery: %+v, %v", tenant, d, err)
		}
		if r, err := s.GetReceivedRequest(ctx, tenant, "req_same"); err != nil || r.Path != "/"+tenant {
			t.Fatalf("%s's request: %+v, %v", tenant, r, err)
		}
	}
	if _, _, tot, _ := s.ListDeliveries(ctx, "nobody", DeliveryFilter{}); tot.Total != 0 {
		t.Fatalf("a tenant with nothing counts %d deliveries", tot.Total)
	}
	noTenant := newConfig("https://none.example")
	noTenant.Tenant = ""
	if err := s.InsertWebhookConfig(ctx, noTenant); err == nil {
		t.Fatal("a config without a tenant was written")
	}
}

// Pages: limit+cursor walk the list newest first without gaps or repeats.
func TestListDeliveriesPages(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, t.TempDir())
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	var ds []*model.Delivery
	for i := range 7 {
		created := at.Add(time.Duration(i/2) * time.Second) // pairs share a created_at
		ds = append(ds, &model.Delivery{Tenant: "t", ID: "dlv_" + strconv.Itoa(i), RequestID: "r", URL: "https://x", State: model.DeliverySucceeded,
			Payload: []byte(`{"big":true}`), CreatedAt: created, UpdatedAt: created})
	}
	if err := s.SaveDeliveries(ctx, ds); err != nil {
		t.Fatal(err)
	}
	var got []string
	after := ""
	for pages := 0; ; pages++ {
		page, more, tot, err := s.ListDeliveries(ctx, "t", DeliveryFilter{Limit: 3, StartingAfter: after})
		if err != nil || tot.Total != 7 || pages > 3 {
			t.Fatalf("page %d: %v, total %d", pages, err, tot.Total)
		}
		for _, d := range page {
			if d.Payload != nil {
				t.Fatalf("a list carries the payload of %s", d.ID)
			}
			got = append(got, d.ID)
		}
		if !more {
			break
		}
		after = page[len(page)-1].ID
	}
	if want := "dlv_6 dlv_5 dlv_4 dlv_3 dlv_2 dlv_1 dlv_0"; strings.Join(got, " ") != want {
		t.Fatalf("pages: %s, want %s", strings.Join(got, " "), want)
	}
	if _, _, _, err := s.ListDeliveries(ctx, "t", DeliveryFilter{Limit: 3, StartingAfter: "dlv_nope"}); !errors.Is(err, apperr.ErrNotFound) {
		t.Fatalf("unknown cursor: %v", err)
	}
}
