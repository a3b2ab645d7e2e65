// Package amqptest gives tests a RabbitMQ broker: the URL of the throw-away
// node that scripts/start-rabbitmq.sh starts (and .ci/run starts for CI), and
// a TCP proxy in front of it to take the broker away and bring it back.
package amqptest

import (
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/hookctl/hookctl/internal/skiplog"
	"github.com/hookctl/hookctl/internal/tcpproxy"
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
	return skiplog.Env(t, EnvURL, SkipMessage)
}

// Proxy starts a TCP proxy on 127.0.0.1 in front of target (host:port) and
// returns its address. cut closes every connection going through it and
// refuses new ones (they are accepted and closed at once, as a broker that
// went away would look to a client) until restore. Both are idempotent; the
// proxy stops at the end of the test. See package tcpproxy.
func Proxy(t testing.TB, target string) (addr string, cut func(), restore func()) {
	t.Helper()
	return tcpproxy.Start(t, target)
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
