package listener_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hookctl/hookctl/internal/listener"
	"github.com/hookctl/hookctl/internal/model"
)

func TestInjectRunsThePipeline(t *testing.T) {
	type got struct {
		h    http.Header
		body string
	}
	gotc := make(chan got, 1)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		gotc <- got{r.Header.Clone(), string(b)}
		w.WriteHeader(201)
	}))
	defer app.Close()
	var events []listener.Event
	l, err := listener.New(listener.Config{ForwardTo: []string{app.URL + "/hooks"}, OnEvent: func(e listener.Event) { events = append(events, e) }})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	body := `{"a":  1 }`
	rr := &model.ReceivedRequest{ID: "req_x", Method: "POST", Path: "/wh/{apiToken}/{token}", Body: []byte(body),
		Headers:   http.Header{"Content-Type": {"application/json"}, "X-Hub-Signature-256": {"sha256=ab"}, "X-Multi": {"1", "2"}},
		EventType: "push", RoutingKey: "event.t.github.push", Source: "src_1", Datasource: "github"}
	if status, err := l.Inject(context.Background(), rr); status != 201 || err != nil {
		t.Fatalf("status %d, %v", status, err)
	}
	g := <-gotc
	if g.body != body || g.h.Get("X-Hub-Signature-256") != "sha256=ab" || len(g.h["X-Multi"]) != 2 || g.h.Get("Content-Type") != "application/json" {
		t.Fatalf("forwarded %+v", g)
	}
	last := events[len(events)-1]
	if last.Kind != listener.KindRequest || last.Request.RoutingKey != "event.t.github.push" || last.Request.EventType != "push" ||
		len(last.Request.Forwards) != 1 || last.Request.Forwards[0].Status != 201 {
		t.Fatalf("event %+v", last.Request)
	}
}
