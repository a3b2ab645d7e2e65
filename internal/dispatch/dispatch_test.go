package dispatch

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/signature"
	"github.com/hookctl/hookctl/internal/testserver"
)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// fakeSleeper records the waits without waiting.
type fakeSleeper struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *fakeSleeper) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

// memRecorder keeps every recorded state.
type memRecorder struct {
	mu     sync.Mutex
	states []string
	last   *model.Delivery
}

func (r *memRecorder) Record(_ context.Context, d *model.Delivery) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.states = append(r.states, d.State)
	cp := *d
	r.last = &cp
	return nil
}

func newTestDispatcher(t *testing.T) (*Dispatcher, *fakeSleeper, *memRecorder) {
	t.Helper()
	sl := &fakeSleeper{}
	rec := &memRecorder{}
	d := New(&http.Client{}, rec)
	d.Sleep = sl.Sleep
	d.Jitter = func() float64 { return 0.5 }
	d.Now = func() time.Time { return time.Now() }
	return d, sl, rec
}

func startServer(t *testing.T) *testserver.Server {
	t.Helper()
	s, err := testserver.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestDeliverRetryPolicy(t *testing.T) {
	tests := []struct {
		name      string
		path      string
		retries   int
		wantState string
		wantCodes []int
		wantWaits []time.Duration
	}{
		{name: "503 then success", path: "/flaky/1/503", wantState: model.DeliverySucceeded,
			wantCodes: []int{503, 200}, wantWaits: []time.Duration{750 * time.Millisecond}},
		{name: "final 400 without retry", path: "/status/400", wantState: model.DeliveryFailed, wantCodes: []int{400}},
		{name: "404 is final", path: "/status/404", wantState: model.DeliveryFailed, wantCodes: []int{404}},
		{name: "429 honours Retry-After", path: "/retry-after/7", wantState: model.DeliverySucceeded,
			wantCodes: []int{429, 200}, wantWaits: []time.Duration{7 * time.Second}},
		{name: "408 is retried", path: "/flaky/1/408", wantState: model.DeliverySucceeded, wantCodes: []int{408, 200},
			wantWaits: []time.Duration{750 * time.Millisecond}},
		{name: "5xx until retries run out", path: "/status/502", retries: 2, wantState: model.DeliveryFailed,
			wantCodes: []int{502, 502, 502}, wantWaits: []time.Duration{750 * time.Millisecond, 1500 * time.Millisecond}},
		{name: "no retries", path: "/status/503", retries: -1, wantState: model.DeliveryFailed, wantCodes: []int{503}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t)
			d, sl, rec := newTestDispatcher(t)
			d.Policy = Policy{Retries: cmp.Or(tt.retries, DefaultRetries)} // -1: none
			del, err := d.Deliver(context.Background(), Event{Type: "ping", Body: []byte(`{"a":1}`)},
				Target{URL: srv.URL + tt.path, Scheme: "github", Secrets: []signature.Secret{{Value: "s"}}})
			if err != nil {
				t.Fatal(err)
			}
			if del.State != tt.wantState {
				t.Errorf("state = %s, want %s", del.State, tt.wantState)
			}
			var codes []int
			for _, a := range del.Attempts {
				codes = append(codes, a.StatusCode)
			}
			if !equal(codes, tt.wantCodes) {
				t.Errorf("codes = %v, want %v", codes, tt.wantCodes)
			}
			if !equal(sl.waits, tt.wantWaits) {
				t.Errorf("waits = %v, want %v", sl.waits, tt.wantWaits)
			}
			reqs := srv.Requests()
			if len(reqs) != len(tt.wantCodes) {
				t.Fatalf("server got %d requests, want %d", len(reqs), len(tt.wantCodes))
			}
			// One request id for every attempt.
			for _, r := range reqs {
				if got := r.Headers.Get("X-Request-Id"); got != del.RequestID {
					t.Errorf("X-Request-Id = %q, want %q", got, del.RequestID)
				}
				if r.Headers.Get("X-Hub-Signature-256") == "" {
					t.Errorf("no signature header")
				}
			}
			if rec.last == nil || rec.last.State != tt.wantState || len(rec.states) != len(tt.wantCodes) {
				t.Errorf("recorded states %v", rec.states)
			}
			if !strings.HasPrefix(del.ID, "dlv_") {
				t.Errorf("id = %q", del.ID)
			}
		})
	}
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestStandardSignatureCoversRequestID(t *testing.T) {
	srv := startServer(t)
	d, _, _ := newTestDispatcher(t)
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	body := []byte(`{"type":"x"}`)
	del, err := d.Deliver(context.Background(), Event{Type: "x", Body: body},
		Target{URL: srv.URL + "/hook", Scheme: "standard", Secrets: []signature.Secret{{Value: secret}}, Headers: map[string]string{"X-Team": "fleet"}})
	if err != nil {
		t.Fatal(err)
	}
	r := srv.Requests()[0]
	if r.Headers.Get("Webhook-Id") != del.RequestID || r.Headers.Get("X-Request-Id") != del.RequestID {
		t.Errorf("webhook-id %q, x-request-id %q, request id %q", r.Headers.Get("Webhook-Id"), r.Headers.Get("X-Request-Id"), del.RequestID)
	}
	if len(del.RequestID) != 36 || del.RequestID[14] != '7' {
		t.Errorf("request id %q is not a UUID v7", del.RequestID)
	}
	if r.Headers.Get("X-Team") != "fleet" {
		t.Errorf("config header missing")
	}
	res := signature.Verify("standard", []signature.Secret{{Value: secret}}, r.Headers, []byte(r.Body), signature.Options{})
	if !res.OK {
		t.Fatalf("verify: %v", res.Err)
	}
}

func TestTimeoutIsRetried(t *testing.T) {
	srv := startServer(t)
	d, sl, _ := newTestDispatcher(t)
	d.Policy = Policy{Retries: 1, Timeout: 20 * time.Millisecond}
	del, err := d.Deliver(context.Background(), Event{Type: "x", Body: []byte(`{}`)}, Target{URL: srv.URL + "/slow/5s"})
	if err != nil {
		t.Fatal(err)
	}
	if del.State != model.DeliveryFailed || len(del.Attempts) != 2 || len(sl.waits) != 1 {
		t.Fatalf("state %s, %d attempts, waits %v", del.State, len(del.Attempts), sl.waits)
	}
	if !strings.Contains(del.Attempts[0].Error, "timed out after 20ms") {
		t.Errorf("error = %q", del.Attempts[0].Error)
	}
}

func TestRefusedConnectionMessage(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	d, _, _ := newTestDispatcher(t)
	d.Policy = Policy{Retries: -1}
	del, err := d.Deliver(context.Background(), Event{Type: "x", Body: []byte(`{}`)}, Target{URL: "http://" + addr + "/"})
	if err != nil {
		t.Fatal(err)
	}
	want := "connection refused by " + addr + ": is the receiver running?"
	if got := del.Attempts[0].Error; got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
}

func TestCancelStopsRetrying(t *testing.T) {
	srv := startServer(t)
	d, _, rec := newTestDispatcher(t)
	ctx, cancel := context.WithCancel(context.Background())
	d.Sleep = func(ctx context.Context, _ time.Duration) error { cancel(); return ctx.Err() }
	del, err := d.Deliver(ctx, Event{Type: "x", Body: []byte(`{}`)}, Target{URL: srv.URL + "/status/503"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if del.State != model.DeliveryFailed || len(del.Attempts) != 1 || !strings.Contains(del.Attempts[0].Error, "retry cancelled") {
		t.Errorf("delivery %+v", del)
	}
	if rec.last.State != model.DeliveryFailed {
		t.Errorf("recorded %v", rec.states)
	}
}

func TestMockIsNotRecordedAndBadSecretFails(t *testing.T) {
	srv := startServer(t)
	d := New(nil, nil)
	del, err := d.Deliver(context.Background(), Event{Type: "x", Body: []byte(`{}`)}, Target{URL: srv.URL})
	if err != nil || !del.Mock || del.ID != "" || del.State != model.DeliverySucceeded {
		t.Fatalf("mock delivery %+v, %v", del, err)
	}
	_, err = d.Deliver(context.Background(), Event{Type: "x"}, Target{URL: srv.URL, Scheme: "nope", Secrets: []signature.Secret{{Value: "s"}}})
	if !errors.Is(err, apperr.ErrUsage) {
		t.Errorf("unknown scheme: err = %v", err)
	}
}

func TestResponseBodyTruncated(t *testing.T) {
	srv := startServer(t)
	d, _, _ := newTestDispatcher(t)
	d.MaxResponseBody = 8
	del, _ := d.Deliver(context.Background(), Event{Type: "x", Body: []byte(`{"hello":"world, long body"}`)}, Target{URL: srv.URL + "/echo"})
	a := del.Attempts[0]
	if a.ResponseBody != `{"hello"` || !a.ResponseTruncated {
		t.Errorf("body %q truncated %v", a.ResponseBody, a.ResponseTruncated)
	}
}

func TestBackoffBounds(t *testing.T) {
	p := Policy{BaseDelay: time.Second, MaxDelay: 30 * time.Second}
	for n := 1; n <= 10; n++ {
		full := min(time.Second<<(n-1), 30*time.Second)
		for _, j := range []float64{0, 0.25, 0.999999} {
			got := Backoff(p, n, j)
			if got < full/2 || got >= full {
				t.Errorf("Backoff(n=%d, jitter=%v) = %v, want in [%v, %v)", n, j, got, full/2, full)
			}
		}
	}
	if got := Backoff(p, 3, 0); got != 2*time.Second {
		t.Errorf("Backoff(3, 0) = %v, want 2s", got)
	}
}

func TestRetryAfterParsing(t *testing.T) {
	now := t0
	tests := map[string]time.Duration{
		"":     0,
		"5":    5 * time.Second,
		"-1":   0,
		"soon": 0,
		now.Add(90 * time.Second).Format(http.TimeFormat):  90 * time.Second,
		now.Add(-90 * time.Second).Format(http.TimeFormat): 0,
	}
	for in, want := range tests {
		if got := retryAfter(in, now); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", in, got, want)
		}
	}
	// Retry-After is capped at MaxDelay.
	srv := startServer(t)
	d, sl, _ := newTestDispatcher(t)
	d.Policy = Policy{Retries: DefaultRetries, MaxDelay: 3 * time.Second}
	if _, err := d.Deliver(context.Background(), Event{Type: "x", Body: []byte(`{}`)}, Target{URL: srv.URL + "/retry-after/3600"}); err != nil {
		t.Fatal(err)
	}
	if !equal(sl.waits, []time.Duration{3 * time.Second}) {
		t.Errorf("waits = %v", sl.waits)
	}
}

func TestDeliverAllFanOut(t *testing.T) {
	srv := startServer(t)
	d, _, _ := newTestDispatcher(t)
	configs := []model.WebhookConfig{
		{ID: "whc_a", URL: srv.URL + "/a", Events: []string{"device.*"}, Scheme: "hmac-sha256", Secret: "a", Enabled: true},
		{ID: "whc_b", URL: srv.URL + "/b", Events: []string{"user.*"}, Scheme: "github", Secret: "b", Enabled: true},
		{ID: "whc_c", URL: srv.URL + "/c", Events: []string{"*"}, Scheme: "stripe", Secret: "whsec_c", Enabled: false},
		{ID: "whc_d", URL: srv.URL + "/d", Events: []string{"device.enrolled"}, Scheme: "stripe", Secret: "whsec_d", Enabled: true},
	}
	targets := Subscribed(configs, "device.enrolled")
	res := d.DeliverAll(context.Background(), Event{Type: "device.enrolled", Body: []byte(`{}`)}, targets, 4)
	if len(res) != 2 || res[0].Target.ConfigID != "whc_a" || res[1].Target.ConfigID != "whc_d" {
		t.Fatalf("results %+v", res)
	}
	if res[0].Delivery.RequestID == res[1].Delivery.RequestID {
		t.Errorf("fan-out deliveries share a request id")
	}
	for _, r := range srv.Requests() {
		if r.Path == "/a" && r.Headers.Get("X-Sf-Signature") == "" || r.Path == "/d" && r.Headers.Get("Stripe-Signature") == "" {
			t.Errorf("%s: missing signature", r.Path)
		}
	}
}

func TestBatchRecorder(t *testing.T) {
	var mu sync.Mutex
	var batches []int
	b := NewBatchRecorder(func(_ context.Context, ds []*model.Delivery) error {
		mu.Lock()
		batches = append(batches, len(ds))
		mu.Unlock()
		return nil
	}, 3, time.Hour)
	for i := 0; i < 7; i++ {
		_ = b.Record(context.Background(), &model.Delivery{State: model.DeliveryPending})
		_ = b.Record(context.Background(), &model.Delivery{State: model.DeliverySucceeded})
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, n := range batches {
		if n > 3 {
			t.Errorf("batch of %d > 3", n)
		}
		total += n
	}
	if total != 7 {
		t.Errorf("saved %d, want 7 (pending states are skipped)", total)
	}
}

func TestNewUUIDv7(t *testing.T) {
	at := time.UnixMilli(0x0192_3456_789a)
	tests := []struct {
		name  string
		check func(id string) bool
	}{
		{"36 characters, dashes at 8 13 18 23", func(id string) bool {
			return len(id) == 36 && id[8] == '-' && id[13] == '-' && id[18] == '-' && id[23] == '-'
		}},
		{"milliseconds in the first 48 bits", func(id string) bool { return strings.HasPrefix(id, "01923456-789a-") }},
		{"version 7", func(id string) bool { return id[14] == '7' }},
		{"RFC 9562 variant", func(id string) bool { return strings.ContainsRune("89ab", rune(id[19])) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if id := newUUIDv7(at); !tt.check(id) {
				t.Errorf("newUUIDv7 = %q", id)
			}
		})
	}
	if a, b := newUUIDv7(at), newUUIDv7(at); a == b {
		t.Errorf("two ids in one millisecond are equal: %q", a)
	}
	if a, b := newUUIDv7(at), newUUIDv7(at.Add(time.Millisecond)); a >= b {
		t.Errorf("ids do not grow with time: %q then %q", a, b)
	}
}

func TestBaseHeaders(t *testing.T) {
	d := &Dispatcher{UserAgent: "hookctl/test"}
	tests := []struct {
		name string
		ev   http.Header
		cfg  map[string]string
		want map[string][]string
	}{
		{"defaults", nil, nil, map[string][]string{
			"Content-Type": {"application/json"}, "User-Agent": {"hookctl/test"}, "X-Request-Id": {"req-1"}, LoopHeader: {"dlv_1"}}},
		{"event headers, several values and any case", http.Header{"X-Tag": {"a", "b"}, "x-shop-domain": {"s.example"}}, nil, map[string][]string{
			"X-Tag": {"a", "b"}, "X-Shop-Domain": {"s.example"},
			"Content-Type": {"application/json"}, "User-Agent": {"hookctl/test"}, "X-Request-Id": {"req-1"}, LoopHeader: {"dlv_1"}}},
		{"config headers replace the event's", http.Header{"X-Team": {"event"}}, map[string]string{"x-team": "config"}, map[string][]string{
			"X-Team":       {"config"},
			"Content-Type": {"application/json"}, "User-Agent": {"hookctl/test"}, "X-Request-Id": {"req-1"}, LoopHeader: {"dlv_1"}}},
		{"content type and user agent of the event are kept", http.Header{"Content-Type": {"application/json; charset=utf-8"}, "User-Agent": {"Shopify-Captain-Hook"}}, nil, map[string][]string{
			"Content-Type": {"application/json; charset=utf-8"}, "User-Agent": {"Shopify-Captain-Hook"}, "X-Request-Id": {"req-1"}, LoopHeader: {"dlv_1"}}},
		{"the marker cannot be overridden", http.Header{"hookctl-delivery": {"mine"}}, map[string]string{LoopHeader: "config"}, map[string][]string{
			"Content-Type": {"application/json"}, "User-Agent": {"hookctl/test"}, "X-Request-Id": {"req-1"}, LoopHeader: {"dlv_1"}}},
		{"the request id cannot be overridden", http.Header{"X-Request-Id": {"mine"}}, map[string]string{"X-Request-Id": "config"}, map[string][]string{
			"Content-Type": {"application/json"}, "User-Agent": {"hookctl/test"}, "X-Request-Id": {"req-1"}, LoopHeader: {"dlv_1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := d.baseHeaders(Event{Headers: tt.ev}, Target{Headers: tt.cfg}, "req-1", "dlv_1")
			if len(got) != len(tt.want) {
				t.Errorf("headers %v, want %v", got, tt.want)
			}
			for k, vs := range tt.want {
				if strings.Join(got[k], "|") != strings.Join(vs, "|") {
					t.Errorf("%s = %q, want %q", k, got[k], vs)
				}
			}
			// Signing adds headers to the map: that must not touch other values.
			got["X-Sf-Signature"] = []string{"sig"}
			got["Content-Type"] = append(got["Content-Type"], "extra")
			if got.Get("User-Agent") != tt.want["User-Agent"][0] {
				t.Errorf("appending to one header changed another: %v", got)
			}
		})
	}
}

func TestDeliverRejectsBadTargetURLs(t *testing.T) {
	srv := startServer(t)
	d, _, _ := newTestDispatcher(t)
	good := Target{URL: srv.URL + "/hook"}
	for _, raw := range []string{"", "127.0.0.1:8080/hook", "ftp://example.com/x", "http:///nohost", "http://[::1", srv.URL + "/hook"} {
		t.Run(raw, func(t *testing.T) {
			// A good URL first: the one remembered must not let a bad one through.
			if _, err := d.Deliver(context.Background(), Event{Type: "x", Body: []byte(`{}`)}, good); err != nil {
				t.Fatal(err)
			}
			_, err := d.Deliver(context.Background(), Event{Type: "x", Body: []byte(`{}`)}, Target{URL: raw})
			if raw == good.URL {
				if err != nil {
					t.Errorf("good URL refused: %v", err)
				}
				return
			}
			if !errors.Is(err, apperr.ErrUsage) || !strings.Contains(err.Error(), "invalid target URL") {
				t.Errorf("Deliver(%q) = %v, want a usage error naming the URL", raw, err)
			}
		})
	}
}

func TestBatchRecorderFlushes(t *testing.T) {
	tests := []struct {
		name    string
		size    int
		maxWait time.Duration
		records int
	}{
		{"a full batch is saved at once", 3, time.Hour, 3},
		{"a partial batch is saved after maxWait", 100, 10 * time.Millisecond, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			saved := make(chan int, 10)
			b := NewBatchRecorder(func(_ context.Context, ds []*model.Delivery) error {
				saved <- len(ds)
				return nil
			}, tt.size, tt.maxWait)
			defer b.Close()
			for range tt.records {
				_ = b.Record(context.Background(), &model.Delivery{State: model.DeliverySucceeded})
			}
			// Before Close: the batch must reach save by itself.
			select {
			case n := <-saved:
				if n != tt.records {
					t.Errorf("saved a batch of %d, want %d", n, tt.records)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("nothing saved before Close")
			}
		})
	}
}

func TestBatchRecorderReportsSaveErrors(t *testing.T) {
	b := NewBatchRecorder(func(context.Context, []*model.Delivery) error { return errors.New("disk full") }, 2, time.Hour)
	for range 3 {
		_ = b.Record(context.Background(), &model.Delivery{State: model.DeliveryFailed})
	}
	if err := b.Close(); err == nil || err.Error() != "disk full" {
		t.Errorf("Close = %v, want the save error", err)
	}
}

func TestDeliverDoesNotFollowRedirects(t *testing.T) {
	for _, code := range []int{301, 302, 307, 308} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			srv := startServer(t)
			d, _, _ := newTestDispatcher(t)
			del, err := d.Deliver(context.Background(), Event{Type: "x", Body: []byte(`{"a":1}`)}, Target{URL: fmt.Sprintf("%s/redirect/%d", srv.URL, code)})
			if err != nil {
				t.Fatal(err)
			}
			if del.State != model.DeliveryFailed || del.StatusCode != code || len(del.Attempts) != 1 {
				t.Errorf("state %s, status %d, %d attempts; want failed, %d, 1 (a redirect is final)", del.State, del.StatusCode, len(del.Attempts), code)
			}
			if e := del.Attempts[0].Error; !strings.Contains(e, "redirected to /moved") {
				t.Errorf("attempt error %q does not name the Location", e)
			}
			for _, r := range srv.Requests() {
				if r.Path == "/moved" {
					t.Errorf("the redirect was followed (%s /moved)", r.Method)
				}
			}
		})
	}
}

func TestNewPostMatchesNewRequest(t *testing.T) {
	for _, tt := range []struct {
		url  string
		body string
	}{
		{"http://127.0.0.1:8080/hook?x=1", `{"a":1}`},
		{"https://example.com:/path", `{}`},
		{"http://[::1]:9/", ""},
	} {
		t.Run(tt.url, func(t *testing.T) {
			u, err := url.Parse(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := http.NewRequest(http.MethodPost, tt.url, strings.NewReader(tt.body))
			got, err := newPost(context.Background(), u, http.Header{"X-A": {"b"}}, []byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if got.Method != want.Method || got.URL.String() != want.URL.String() || got.Host != want.Host || got.ContentLength != want.ContentLength {
				t.Errorf("got %s %s host %q length %d, want %s %s host %q length %d",
					got.Method, got.URL, got.Host, got.ContentLength, want.Method, want.URL, want.Host, want.ContentLength)
			}
			b, _ := io.ReadAll(got.Body)
			if string(b) != tt.body || got.Header.Get("X-A") != "b" {
				t.Errorf("body %q, header %v", b, got.Header)
			}
			got.URL.Path = "/changed"
			if u.Path == "/changed" {
				t.Error("the request shares the cached URL")
			}
		})
	}
}
