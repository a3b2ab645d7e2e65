// Package amqptest gives tests a RabbitMQ broker: the URL of the throw-away
// node that scripts/start-rabbitmq.sh starts (and .ci/run starts for CI), and
// a TCP proxy in front of it to take the broker away and bring it back.
package amqptest

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/hookctl/hookctl/internal/skiplog"
)

// EnvURL is the variable that names the test broker.
const EnvURL = "HOOKCTL_TEST_AMQP_URL"

// SkipMarker starts the message of every skip for want of a broker; .ci/run
// fails when a test run prints it.
const SkipMarker = "HOOKCTL_TEST_AMQP_URL is not set"

// SkipMessage is the whole message of such a skip.
const SkipMessage = SkipMarker + `: start a broker with eval "$(scripts/start-rabbitmq.sh)" (needs RabbitMQ)`

// EnvSkipLog names the skip log (package skiplog) that URL appends to.
const EnvSkipLog = skiplog.EnvFile

// URL returns the test broker's AMQP URL, or skips the test with SkipMessage
// when HOOKCTL_TEST_AMQP_URL is unset. Every test that needs RabbitMQ gets
// its URL here, so that CI notices when one skipped.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		skiplog.Skip(t, SkipMessage)
	}
	return u
}

// Proxy starts a TCP proxy on 127.0.0.1 in front of target (host:port) and
// returns its address. cut closes every connection going through it and
// refuses new ones (they are accepted and closed at once, as a broker that
// went away would look to a client) until restore. Both are idempotent; the
// proxy stops at the end of the test.
func Proxy(t testing.TB, target string) (addr string, cut func(), restore func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("amqptest.Proxy: %v", err)
	}
	p := &proxy{target: target, conns: map[net.Conn]struct{}{}}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		p.serve(ln, &wg)
	}()
	t.Cleanup(func() {
		ln.Close()
		p.closeAll(true)
		wg.Wait()
	})
	return ln.Addr().String(), func() { p.closeAll(false) }, p.restore
}

type proxy struct {
	target string

	mu     sync.Mutex
	down   bool
	closed bool
	conns  map[net.Conn]struct{}
}

func (p *proxy) serve(ln net.Listener, wg *sync.WaitGroup) {
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		if !p.track(c) {
			c.Close()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.pipe(c)
		}()
	}
}

// track registers c unless the proxy is cut or closed.
func (p *proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down || p.closed {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

func (p *proxy) pipe(client net.Conn) {
	defer p.untrack(client)
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	if !p.track(server) { // cut while dialing
		server.Close()
		return
	}
	defer p.untrack(server)
	done := make(chan struct{}, 2)
	cp := func(dst, src net.Conn) {
		io.Copy(dst, src)
		// one side ended: end both, as a broker connection does
		dst.Close()
		src.Close()
		done <- struct{}{}
	}
	go cp(server, client)
	go cp(client, server)
	<-done
	<-done
}

func (p *proxy) closeAll(final bool) {
	p.mu.Lock()
	p.down = true
	if final {
		p.closed = true
	}
	conns := make([]net.Conn, 0, len(p.conns))
	for c := range p.conns {
		conns = append(conns, c)
	}
	p.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

func (p *proxy) restore() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}

// Exchange declares a durable exchange of kind with a name unique to the
// test (prefix + a timestamp) on the broker at url, and deletes it when the
// test ends. Tests use it to meet an exchange that already exists.
func Exchange(t testing.TB, url, prefix, kind string) string {
	t.Helper()
	name := prefix + time.Now().Format("150405.000000000")
	conn, err := amqp.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.ExchangeDeclare(name, kind, true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ch.ExchangeDelete(name, false, false) })
	return name
}
