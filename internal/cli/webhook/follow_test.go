package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/cmdtest"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/server/servertest"
)

// lineSink is a stdout that a test reads while a command writes to it.
type lineSink struct {
	mu      sync.Mutex
	buf     strings.Builder
	changed chan struct{}
}

func newLineSink() *lineSink { return &lineSink{changed: make(chan struct{}, 1)} }

func (s *lineSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	s.buf.Write(p)
	s.mu.Unlock()
	select {
	case s.changed <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (s *lineSink) lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Split(strings.TrimSuffix(s.buf.String(), "\n"), "\n")
}

// waitLines waits (10s at most) until n complete lines were written.
func (s *lineSink) waitLines(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		s.mu.Lock()
		got := strings.Count(s.buf.String(), "\n")
		s.mu.Unlock()
		if got >= n {
			return s.lines()
		}
		select {
		case <-s.changed:
		case <-deadline:
			t.Fatalf("waited for %d lines, got:\n%s", n, strings.Join(s.lines(), "\n"))
		}
	}
}

var t0 = time.Date(2026, 11, 23, 11, 0, 0, 0, time.UTC)

func delivery(id, event string, at time.Time) *model.Delivery {
	return &model.Delivery{ID: id, RequestID: "msg_" + id, EventType: event, URL: "http://x.test/", RequestHeaders: map[string]string{},
		Payload: []byte(`{}`), State: model.DeliverySucceeded, StatusCode: 200, AttemptCount: 1, CreatedAt: at, UpdatedAt: at,
		Attempts: []model.DeliveryAttempt{{N: 1, StartedAt: at, StatusCode: 200}}}
}

func received(id, event string, at time.Time) *model.ReceivedRequest {
	return &model.ReceivedRequest{ID: id, ReceivedAt: at, Method: "POST", Path: "/hooks",
		Headers: http.Header{"Authorization": {"Bearer secret-token-123"}}, Body: []byte(`{}`), EventType: event, Status: 200}
}

// ids of JSON lines.
func jsonIDs(t *testing.T, lines []string) []string {
	t.Helper()
	var out []string
	for _, l := range lines {
		var v struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal([]byte(l), &v); err != nil || strings.Contains(l, "\n") {
			t.Fatalf("not one JSON object: %q (%v)", l, err)
		}
		out = append(out, v.ID)
	}
	return out
}

// startFollow runs a follow (run) with env's stdout read by the test; stop
// cancels its ctx (Ctrl-C) and returns its error.
func startFollow(t *testing.T, env *cmdtest.Env, run func(ctx context.Context) error) (*lineSink, func() error) {
	t.Helper()
	sink := newLineSink()
	env.Factory.IOStreams.Out = sink
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx) }()
	stop := func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("the follow did not stop on cancel")
			return nil
		}
	}
	t.Cleanup(func() { cancel() })
	return sink, stop
}

// TestDeliveriesFollow: the newest --limit deliveries first (oldest first),
// then every new matching one once, in (time, id) order: several saved in
// one go, ties on the time, one saved late behind a newer one already
// printed; older history beyond the first page and other event types
// never; Ctrl-C ends it with ctx's error (exit 130).
func TestDeliveriesFollow(t *testing.T) {
	for _, remote := range []bool{false, true} {
		t.Run(fmt.Sprintf("remote=%v", remote), func(t *testing.T) {
			env := cmdtest.New(t, false)
			env.Factory.Globals.Output = "json"
			var be backend.Backend = env.Local
			if remote {
				in, err := servertest.Start(t.TempDir())
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { in.Close() })
				r := in.Remote()
				env.UseRemote(r)
				be = r
			}
			ctx := context.Background()
			save := func(ds ...*model.Delivery) {
				t.Helper()
				if err := be.SaveDeliveries(ctx, ds); err != nil {
					t.Fatal(err)
				}
			}
			save(delivery("dlv_01", "ping", t0), delivery("dlv_02", "ping", t0.Add(time.Second)),
				delivery("dlv_03", "ping", t0.Add(2*time.Second)), delivery("dlv_04", "other", t0.Add(3*time.Second)))

			opts := &DeliveriesListOptions{Factory: env.Factory, Follow: true, Interval: 5 * time.Millisecond,
				Params: backend.ListDeliveriesParams{EventType: "ping", Limit: 2}}
			sink, stop := startFollow(t, env, func(ctx context.Context) error { return deliveriesListRun(ctx, opts) })
			if got := jsonIDs(t, sink.waitLines(t, 2)); !slices.Equal(got, []string{"dlv_02", "dlv_03"}) {
				t.Fatalf("first page %v", got)
			}

			// Several in one save, two at the same time, one other type.
			save(delivery("dlv_06", "ping", t0.Add(5*time.Second)), delivery("dlv_05", "ping", t0.Add(5*time.Second)),
				delivery("dlv_07", "other", t0.Add(6*time.Second)), delivery("dlv_08", "ping", t0.Add(4*time.Second)))
			sink.waitLines(t, 5)
			// Saved late: older than the newest printed, but in the window.
			save(delivery("dlv_09", "ping", t0.Add(4500*time.Millisecond)))
			sink.waitLines(t, 6)
			save(delivery("dlv_10", "ping", t0.Add(7*time.Second)))
			got := jsonIDs(t, sink.waitLines(t, 7))
			want := []string{"dlv_02", "dlv_03", "dlv_08", "dlv_05", "dlv_06", "dlv_09", "dlv_10"}
			if !slices.Equal(got, want) {
				t.Errorf("printed %v, want %v", got, want)
			}
			if err := stop(); !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v, want context.Canceled", err)
			}
			if n := len(sink.lines()); n != len(want) {
				t.Errorf("%d lines after the cancel", n)
			}
		})
	}
}

// TestRequestsFollow: table rows (piped: tab-separated), the --event
// pattern applied, only new requests with --since now, locally and
// remotely; JSON lines are redacted.
func TestRequestsFollow(t *testing.T) {
	for _, remote := range []bool{false, true} {
		for _, format := range []string{"", "json"} {
			t.Run(fmt.Sprintf("remote=%v,output=%q", remote, format), func(t *testing.T) {
				env := cmdtest.New(t, false)
				env.Factory.Globals.Output = format
				var be backend.Backend = env.Local
				if remote {
					in, err := servertest.Start(t.TempDir())
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { in.Close() })
					r := in.Remote()
					env.UseRemote(r)
					be = r
				}
				ctx := context.Background()
				record := func(rs ...*model.ReceivedRequest) {
					t.Helper()
					if err := be.RecordRequests(ctx, rs...); err != nil {
						t.Fatal(err)
					}
				}
				record(received("req_01", "device.enrolled", t0))
				opts := &RequestsListOptions{Factory: env.Factory, Follow: true, Interval: 5 * time.Millisecond,
					Params: backend.ListRequestsParams{Event: "device.*", Since: t0.Add(time.Second), Limit: 30}}
				sink, stop := startFollow(t, env, func(ctx context.Context) error { return requestsListRun(ctx, opts) })
				record(received("req_02", "device.locked", t0.Add(2*time.Second)), received("req_03", "user.signed_in", t0.Add(2*time.Second)),
					received("req_04", "device.enrolled", t0.Add(3*time.Second)))
				lines := sink.waitLines(t, 2)
				if err := stop(); !errors.Is(err, context.Canceled) {
					t.Errorf("err = %v", err)
				}
				if len(lines) != 2 {
					t.Fatalf("lines %q", lines)
				}
				if format == "json" {
					if got := jsonIDs(t, lines); !slices.Equal(got, []string{"req_02", "req_04"}) {
						t.Errorf("printed %v", got)
					}
					if strings.Contains(lines[0], "secret-token-123") {
						t.Errorf("not redacted: %s", lines[0])
					}
					return
				}
				want := []string{
					"req_02\t2026-11-23T11:00:02Z\tPOST\t/hooks\tdevice.locked\t-\t-\t200",
					"req_04\t2026-11-23T11:00:03Z\tPOST\t/hooks\tdevice.enrolled\t-\t-\t200",
				}
				if !slices.Equal(lines, want) {
					t.Errorf("rows\n%q\nwant\n%q", lines, want)
				}
			})
		}
	}
}

// TestFollowTerminalRows: on a terminal the header comes once and rows are
// padded to the widest cell seen so far.
func TestFollowTerminalRows(t *testing.T) {
	env := cmdtest.New(t, true)
	env.Factory.IOStreams.SetColour(false)
	sink := newLineSink()
	env.Factory.IOStreams.Out = sink
	p := newFollowPrinter(env.Factory, "ID", "EVENT", "STATUS")
	for _, row := range [][]string{{"req_1", "ping", "200"}, {"req_2", "device.enrolled", "503"}} {
		if err := p.print(nil, row); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{
		"ID     EVENT  STATUS",
		"req_1  ping   200",
		"req_2  device.enrolled  503",
	}
	if got := sink.lines(); !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestFollowFlags(t *testing.T) {
	tests := []struct {
		line, wantErr string
	}{
		{line: "--follow"},
		{line: "-f --interval 2s --since 0s"},
		{line: "--interval 2s", wantErr: "--interval needs --follow"},
		{line: "-f --interval 0s", wantErr: "--interval must be positive"},
		{line: "-f --until 1h", wantErr: "--until cannot be used with --follow"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			got, ok := cmdtest.ParseFlags(t, cmdtest.New(t, false), NewCmdDeliveriesList, tt.line, tt.wantErr)
			if ok && (!got.Follow || got.Interval <= 0) {
				t.Errorf("opts %+v", got)
			}
			if strings.Contains(tt.line, "until") {
				return
			}
			got2, ok := cmdtest.ParseFlags(t, cmdtest.New(t, false), NewCmdRequestsList, tt.line, tt.wantErr)
			if ok && (!got2.Follow || got2.Interval <= 0) {
				t.Errorf("opts %+v", got2)
			}
		})
	}
}
