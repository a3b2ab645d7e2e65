package publish_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/hookctl/hookctl/internal/amqptest"
	"github.com/hookctl/hookctl/internal/apikey"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/publish"
	"github.com/hookctl/hookctl/internal/server"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/syncbuf"
)

// env is a hook server over a fresh store, publishing (unless amqpURL is
// "") to a fresh exchange of the test broker.
type env struct {
	t        *testing.T
	store    *store.Store
	local    *backend.Local
	pub      *publish.Publisher
	http     *httptest.Server
	exchange string
	log      *syncbuf.Buffer
	runErr   chan error
}

func uniqueName(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func newEnv(t *testing.T, amqpURL, exchange string) *env {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, store: s, exchange: exchange, log: &syncbuf.Buffer{}, runErr: make(chan error, 1)}
	var opts []backend.LocalOption
	var status server.PublishStatus
	if amqpURL != "" {
		e.pub, err = publish.New(publish.Options{URL: amqpURL, Exchange: exchange, Store: s, Log: e.log,
			MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, PollInterval: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		opts = append(opts, backend.WithPublishing(e.pub.Poke))
		status = e.pub
	}
	e.local = backend.NewLocal(s, nil, opts...)
	srv := server.New(server.Options{Backend: e.local.Scoped, Sources: e.local, Auth: &apikey.Authenticator{Store: s}, Publish: status})
	e.http = httptest.NewServer(srv)
	if e.pub != nil {
		go func() { e.runErr <- e.pub.Run(ctx) }()
	} else {
		e.runErr <- nil
	}
	t.Cleanup(func() {
		e.http.Close()
		cancel()
		if err := <-e.runErr; err != nil {
			t.Errorf("Run: %v", err)
		}
		s.Close()
	})
	return e
}

func (e *env) source(tenant, datasource, event, tsField string) *model.Source {
	e.t.Helper()
	p := backend.UpsertSourceParams{Datasource: datasource, Event: event}
	if tsField != "" {
		p.TSField = &tsField
	}
	src, _, err := e.local.UpsertSource(context.Background(), tenant, p)
	if err != nil {
		e.t.Fatal(err)
	}
	return src
}

// post sends a hook and returns the request id of its 202.
func (e *env) post(client *http.Client, src *model.Source, body []byte) (string, error) {
	resp, err := client.Post(e.http.URL+src.HookPath(), "application/json", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusAccepted {
		return "", fmt.Errorf("hook answered %d: %s", resp.StatusCode, b)
	}
	var out struct{ ID string }
	if err := json.Unmarshal(b, &out); err != nil || out.ID == "" {
		return "", fmt.Errorf("hook answer %s: %v", b, err)
	}
	return out.ID, nil
}

// consumer binds a fresh exclusive queue to exchange (declaring it as the
// publisher does) and returns its deliveries.
func consumer(t *testing.T, amqpURL, exchange string) <-chan amqp.Delivery {
	t.Helper()
	conn, err := amqp.Dial(amqpURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.ExchangeDeclare(exchange, "topic", true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if c, err := amqp.Dial(amqpURL); err == nil {
			if ch, err := c.Channel(); err == nil {
				ch.ExchangeDelete(exchange, false, false)
			}
			c.Close()
		}
	})
	q, err := ch.QueueDeclare("", false, true, true, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.QueueBind(q.Name, "event.#", exchange, false, nil); err != nil {
		t.Fatal(err)
	}
	d, err := ch.Consume(q.Name, "", true, true, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func receive(t *testing.T, d <-chan amqp.Delivery, n int, timeout time.Duration) []amqp.Delivery {
	t.Helper()
	var out []amqp.Delivery
	deadline := time.After(timeout)
	for len(out) < n {
		select {
		case m := <-d:
			out = append(out, m)
		case <-deadline:
			t.Fatalf("received %d of %d messages in %s", len(out), n, timeout)
		}
	}
	return out
}

// Every accepted event arrives once, in order, with its routing key, its
// body byte for byte, its request id as message id, its time and its
// headers (no token anywhere); /healthz shows an empty backlog.
func TestPublishesAcceptedEvents(t *testing.T) {
	amqpURL := amqptest.URL(t)
	exchange := uniqueName("hookctl-test-")
	deliveries := consumer(t, amqpURL, exchange)
	e := newEnv(t, amqpURL, exchange)

	srcs := []*model.Source{
		e.source("acme", "shop", "order.created", ""),
		e.source("acme", "shop", "order_paid", ""),
		e.source("acme", "crm", "contact", ""),
		e.source("globex", "shop", "order.created", "meta.ts"),
		e.source("globex", "billing", "invoice", "items[0].at"),
	}
	bodies := [][]byte{
		[]byte(`{"b":2,"a":1}`),
		[]byte("  {\"x\" : [1, 2.50, \"\\u00e9\"] }\n"),
		[]byte(`{"name":"Zoë ✓","nested":{"deep":[{}]}}`),
		[]byte(`{"meta":{"ts":"2025-06-01T12:34:56Z"},"n":1}`),
		[]byte(`{"items":[{"at":"2024-02-29T23:59:59+02:00"}]}`),
	}
	type sent struct {
		id   string
		src  *model.Source
		body []byte
		at   time.Time
	}
	var want []sent
	client := e.http.Client()
	for round := range 3 {
		for i, src := range srcs {
			body := bodies[i]
			if round > 0 {
				body = append(bytes.Clone(body[:len(body)-1]), fmt.Sprintf(`,"round":%d}`, round)...)
				if i == 1 {
					body = bodies[i] // trailing newline: keep as is
				}
			}
			before := time.Now().Truncate(time.Second)
			id, err := e.post(client, src, body)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, sent{id, src, body, before})
		}
	}
	got := receive(t, deliveries, len(want), 20*time.Second)
	eventTimes := map[string]time.Time{
		"globex/shop":    time.Date(2025, 6, 1, 12, 34, 56, 0, time.UTC),
		"globex/billing": time.Date(2024, 2, 29, 21, 59, 59, 0, time.UTC),
	}
	for i, w := range want {
		m := got[i]
		if m.MessageId != w.id {
			t.Fatalf("message %d: id %s, want %s (order)", i, m.MessageId, w.id)
		}
		wantKey := "event." + w.src.Tenant + "." + w.src.Datasource + "." + w.src.Event
		if m.RoutingKey != wantKey || m.Exchange != exchange {
			t.Errorf("%s: routing key %q on %q, want %q on %q", w.id, m.RoutingKey, m.Exchange, wantKey, exchange)
		}
		if !bytes.Equal(m.Body, w.body) {
			t.Errorf("%s: body %q, want %q", w.id, m.Body, w.body)
		}
		if m.ContentType != "application/json" || m.DeliveryMode != amqp.Persistent {
			t.Errorf("%s: content type %q, delivery mode %d", w.id, m.ContentType, m.DeliveryMode)
		}
		wantHeaders := amqp.Table{"tenant": w.src.Tenant, "datasource": w.src.Datasource, "event": w.src.Event, "source_id": w.src.ID}
		if fmt.Sprint(m.Headers) != fmt.Sprint(wantHeaders) {
			t.Errorf("%s: headers %v, want %v", w.id, m.Headers, wantHeaders)
		}
		for _, v := range m.Headers {
			if s := fmt.Sprint(v); strings.Contains(s, w.src.Token) || strings.Contains(s, w.src.APIToken) {
				t.Errorf("%s: a header carries a token", w.id)
			}
		}
		if et, ok := eventTimes[w.src.Tenant+"/"+w.src.Datasource]; ok {
			if !m.Timestamp.Equal(et) {
				t.Errorf("%s: timestamp %v, want the event's %v", w.id, m.Timestamp, et)
			}
		} else if m.Timestamp.Before(w.at) || m.Timestamp.After(time.Now()) {
			t.Errorf("%s: timestamp %v, want the time received (%v…now)", w.id, m.Timestamp, w.at)
		}
	}
	select {
	case m := <-deliveries:
		t.Errorf("unexpected extra message %s", m.MessageId)
	case <-time.After(200 * time.Millisecond):
	}
	waitHealth(t, e, `{"status":"ok","publish":{"backlog":0,"connected":true}}`)
}

func waitHealth(t *testing.T, e *env, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		resp, err := http.Get(e.http.URL + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if last = strings.TrimSpace(string(b)); last == want {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("/healthz = %s, want %s", last, want)
}

// The connection to the broker is cut in the middle of a burst of 500
// hooks and restored: every hook still answers 202, and every one of the
// 500 message ids arrives at least once.
func TestBurstSurvivesBrokerLoss(t *testing.T) {
	amqpURL := amqptest.URL(t)
	u, err := url.Parse(amqpURL)
	if err != nil {
		t.Fatal(err)
	}
	addr, cut, restore := amqptest.Proxy(t, u.Host)
	proxied := *u
	proxied.Host = addr
	exchange := uniqueName("hookctl-test-")
	deliveries := consumer(t, amqpURL, exchange)
	e := newEnv(t, proxied.String(), exchange)
	src := e.source("acme", "shop", "order", "")
	waitHealth(t, e, `{"status":"ok","publish":{"backlog":0,"connected":true}}`)

	const total, workers = 500, 8
	var accepted atomic.Int64
	ids := make(chan string, total)
	errs := make(chan error, total)
	cutDone, restoreAt := make(chan struct{}), make(chan struct{})
	var next atomic.Int64
	var wg sync.WaitGroup
	client := e.http.Client()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := next.Add(1)
				if n > total {
					return
				}
				if n == 150 {
					cut()
					close(cutDone)
				}
				if n == 400 {
					close(restoreAt)
				}
				id, err := e.post(client, src, fmt.Appendf(nil, `{"n":%d}`, n))
				if err != nil {
					errs <- err
					continue
				}
				accepted.Add(1)
				ids <- id
			}
		}()
	}
	<-cutDone
	<-restoreAt
	// The outage must be seen before the broker comes back.
	deadline := time.Now().Add(10 * time.Second)
	for e.pub.Connected() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if e.pub.Connected() {
		t.Error("still connected 10s after the cut")
	}
	restore()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	close(ids)
	want := map[string]bool{}
	for id := range ids {
		want[id] = true
	}
	if len(want) != total {
		t.Fatalf("%d hooks accepted, want %d", len(want), total)
	}
	seen := map[string]int{}
	timeout := time.After(30 * time.Second)
	for len(seen) < total {
		select {
		case m := <-deliveries:
			if !want[m.MessageId] {
				t.Fatalf("unknown message id %q", m.MessageId)
			}
			seen[m.MessageId]++
		case <-timeout:
			t.Fatalf("%d of %d message ids arrived in 30s; log:\n%s", len(seen), total, e.log.String())
		}
	}
	dups := 0
	for _, n := range seen {
		dups += n - 1
	}
	t.Logf("all %d message ids arrived (%d duplicates); log:\n%s", total, dups, e.log.String())
	if got := strings.Count(e.log.String(), "Warning:"); got != 1 {
		t.Errorf("%d warnings for one outage, want 1:\n%s", got, e.log.String())
	}
	waitHealth(t, e, `{"status":"ok","publish":{"backlog":0,"connected":true}}`)
}

// An exchange that exists with another type is an ExchangeError carrying
// the broker's 406 reason, from Connect and from Run.
func TestExchangeTypeMismatch(t *testing.T) {
	amqpURL := amqptest.URL(t)
	exchange := amqptest.Exchange(t, amqpURL, "hookctl-test-fanout-", "fanout")
	s, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p, err := publish.New(publish.Options{URL: amqpURL, Exchange: exchange, Store: s})
	if err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{"Connect": p.Connect(context.Background()), "Run": p.Run(context.Background())} {
		var xe *publish.ExchangeError
		if !errors.As(err, &xe) || xe.Err.Code != amqp.PreconditionFailed || !strings.Contains(err.Error(), "PRECONDITION_FAILED") ||
			!strings.Contains(err.Error(), exchange) {
			t.Errorf("%s: %v, want the broker's 406", name, err)
		}
	}
}

func percentile(d []time.Duration, p float64) time.Duration {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

// load posts n hooks from workers goroutines and returns the rate of
// accepted posts and the time each 202 was read, by request id.
func load(t *testing.T, e *env, src *model.Source, n, workers int) (float64, map[string]time.Time) {
	t.Helper()
	var mu sync.Mutex
	at := make(map[string]time.Time, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	defer client.CloseIdleConnections()
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				id, err := e.post(client, src, fmt.Appendf(nil, `{"n":%d,"payload":"%s"}`, i, strings.Repeat("x", 200)))
				if err != nil {
					t.Error(err)
					return
				}
				now := time.Now()
				mu.Lock()
				at[id] = now
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return float64(n) / time.Since(start).Seconds(), at
}

// The figures of issue 16: accepted hook posts per second with publishing
// off and on (one run), and the time from a hook's 202 to its message in a
// consumer's queue. Logged (go test -v -run Figures); the test only checks
// that every message arrived.
func TestPublishFigures(t *testing.T) {
	amqpURL := amqptest.URL(t)
	const n, workers = 3000, 16

	off := newEnv(t, "", "")
	offRate, _ := load(t, off, off.source("acme", "shop", "order", ""), n, workers)

	exchange := uniqueName("hookctl-test-")
	deliveries := consumer(t, amqpURL, exchange)
	on := newEnv(t, amqpURL, exchange)
	waitHealth(t, on, `{"status":"ok","publish":{"backlog":0,"connected":true}}`)
	arrived := make(map[string]time.Time, n)
	got := make(chan struct{})
	go func() {
		defer close(got)
		timeout := time.After(60 * time.Second)
		for len(arrived) < n {
			select {
			case m := <-deliveries:
				if _, dup := arrived[m.MessageId]; !dup {
					arrived[m.MessageId] = time.Now()
				}
			case <-timeout:
				return
			}
		}
	}()
	onRate, accepted := load(t, on, on.source("acme", "shop", "order", ""), n, workers)
	<-got
	if len(arrived) != n {
		t.Fatalf("%d of %d messages arrived", len(arrived), n)
	}
	lat := make([]time.Duration, 0, n)
	for id, a := range accepted {
		lat = append(lat, max(0, arrived[id].Sub(a)))
	}
	t.Logf("accepted hook posts/s: publishing off %.0f, on %.0f (%.2f×); 202→consumer latency p50 %s, p99 %s, max %s (%d posts, %d clients)",
		offRate, onRate, onRate/offRate, percentile(lat, 0.50).Round(10*time.Microsecond), percentile(lat, 0.99).Round(10*time.Microsecond),
		percentile(lat, 1).Round(10*time.Microsecond), n, workers)
}
