package amqptest

import (
	"net/url"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Through the proxy to the real broker: a cut is seen by the client as a
// closed connection (NotifyClose), new dials fail until restore, and work
// again after it.
func TestProxyRealBroker(t *testing.T) {
	u, err := url.Parse(URL(t))
	if err != nil {
		t.Fatal(err)
	}
	addr, cut, restore := Proxy(t, u.Host)
	u.Host = addr
	cfg := amqp.Config{Dial: amqp.DefaultDial(5 * time.Second)}

	conn, err := amqp.DialConfig(u.String(), cfg)
	if err != nil {
		t.Fatalf("dial through the proxy: %v", err)
	}
	defer conn.Close()
	closed := conn.NotifyClose(make(chan *amqp.Error, 1))
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ch.QueueDeclare("", false, true, true, false, nil); err != nil {
		t.Fatal(err)
	}

	cut()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("no NotifyClose within 10s of the cut")
	}
	if c, err := amqp.DialConfig(u.String(), cfg); err == nil {
		c.Close()
		t.Fatal("dial succeeded while cut")
	}

	restore()
	conn2, err := amqp.DialConfig(u.String(), cfg)
	if err != nil {
		t.Fatalf("dial after restore: %v", err)
	}
	defer conn2.Close()
	ch2, err := conn2.Channel()
	if err != nil {
		t.Fatal(err)
	}
	q, err := ch2.QueueDeclare("", false, true, true, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ch2.Publish("", q.Name, false, false, amqp.Publishing{MessageId: "m1", Body: []byte("back")}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		m, ok, err := ch2.Get(q.Name, true)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			if string(m.Body) != "back" || m.MessageId != "m1" {
				t.Fatalf("got %q id %q", m.Body, m.MessageId)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("message not delivered within 5s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
