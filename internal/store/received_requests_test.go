package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/model"
)

func receivedRequest(i int) *model.ReceivedRequest {
	at := time.Date(2026, 11, 23, 12, 0, 0, i, time.UTC)
	r := &model.ReceivedRequest{Tenant: "default", ID: fmt.Sprintf("req_%04d", i), ReceivedAt: at, Method: "POST", Host: "localhost", Path: "/hooks",
		Query: fmt.Sprintf("n=%d", i), Headers: http.Header{"Content-Type": {"application/json"}, "X-Html": {"<&>", fmt.Sprint(i)}},
		Body: []byte(fmt.Sprintf(`{"n":%d}`, i)), RemoteAddr: "127.0.0.1:1", EventType: fmt.Sprintf("thing.%d", i%3), Status: 200}
	switch i % 4 {
	case 1:
		r.Verification = &model.Verification{OK: true, Scheme: "standard", SecretIndex: 1}
		r.Forwards = []model.ForwardResult{{URL: "http://a", Status: 200, LatencyMS: 1.5, Latency: 1500 * time.Microsecond}}
	case 2:
		r.Verification = &model.Verification{Scheme: "stripe", Cause: "mismatch", Message: "no"}
		r.Rejected, r.Status = "invalid_signature", 401
		et := at.Add(-time.Hour)
		r.EventTime = &et
	case 3:
		r.Headers, r.Body, r.Filtered = nil, []byte{0xff, 0}, true
		r.Source, r.Datasource, r.RoutingKey = "src_1", "ds", "event.t.ds.e"
	}
	return r
}

func TestInsertReceivedRequestsBatches(t *testing.T) {
	ctx := context.Background()
	for _, n := range []int{1, 2, maxRowsPerInsert - 1, maxRowsPerInsert, maxRowsPerInsert + 1, 2*maxRowsPerInsert + 22} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			s := openTemp(t, t.TempDir())
			var reqs []*model.ReceivedRequest
			for i := range n {
				reqs = append(reqs, receivedRequest(i))
			}
			// Twice: the second batch reuses the prepared statements.
			if err := s.InsertReceivedRequests(ctx, reqs[:n/2]...); err != nil {
				t.Fatal(err)
			}
			if err := s.InsertReceivedRequests(ctx, reqs[n/2:]...); err != nil {
				t.Fatal(err)
			}
			got, err := s.ListReceivedRequests(ctx, "default", ReceivedRequestFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != n {
				t.Fatalf("%d rows, want %d", len(got), n)
			}
			for i, r := range reqs {
				g, err := s.GetReceivedRequest(ctx, "default", r.ID)
				if err != nil {
					t.Fatal(err)
				}
				want := *r
				if want.Headers == nil {
					want.Headers = http.Header{}
				}
				if !reflect.DeepEqual(*g, want) {
					t.Errorf("row %d:\n got %+v\nwant %+v", i, *g, want)
				}
				var headers, forwards string
				var failed bool
				if err := s.db.QueryRowContext(ctx, `SELECT headers, forwards, failed FROM received_requests WHERE id = ?`, r.ID).Scan(&headers, &forwards, &failed); err != nil {
					t.Fatal(err)
				}
				wantHeaders, _ := json.Marshal(want.Headers)
				if headers != string(wantHeaders) {
					t.Errorf("row %d: stored headers %s, want %s", i, headers, wantHeaders)
				}
				if want.Forwards == nil && forwards != "[]" {
					t.Errorf("row %d: stored forwards %s, want []", i, forwards)
				}
				if failed != r.Failed() {
					t.Errorf("row %d: failed %v", i, failed)
				}
			}
		})
	}
}

func TestInsertReceivedRequestsConflict(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t, t.TempDir())
	if err := s.InsertReceivedRequests(ctx, receivedRequest(5)); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name      string
		batch     []*model.ReceivedRequest
		duplicate string
	}{
		{"already recorded", []*model.ReceivedRequest{receivedRequest(1), receivedRequest(2), receivedRequest(5), receivedRequest(6)}, receivedRequest(5).ID},
		{"twice in a batch", []*model.ReceivedRequest{receivedRequest(7), receivedRequest(8), receivedRequest(7)}, receivedRequest(7).ID},
		{"single", []*model.ReceivedRequest{receivedRequest(5)}, receivedRequest(5).ID},
	} {
		name, batch := tt.name, tt.batch
		err := s.InsertReceivedRequests(ctx, batch...)
		if !errors.Is(err, apperr.ErrConflict) || !strings.Contains(err.Error(), tt.duplicate+" is already recorded") {
			t.Fatalf("%s: err %v, want a conflict naming %s", name, err, tt.duplicate)
		}
		got, _ := s.ListReceivedRequests(ctx, "default", ReceivedRequestFilter{})
		if len(got) != 1 {
			t.Errorf("%s: %d rows after a failed batch, want 1 (all or nothing)", name, len(got))
		}
	}
}
