// Package publish publishes the source events of `hookctl serve` to a
// RabbitMQ topic exchange (issue 16), from the store's publish outbox:
// every accepted event was committed with a "to publish" mark; the
// publisher sends the marked events in order on a channel in confirm mode
// and removes a mark only after the broker acknowledged its message. A
// broker outage delays publishing and never loses an event; a crash
// between the acknowledgement and the removal publishes the event again
// with the same message id (at least once: consumers deduplicate on it).
package publish

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/hookctl/hookctl/internal/store"
)

// DefaultExchange is the exchange events are published to without
// --amqp-exchange.
const DefaultExchange = "events-to-enrich"

// Store is the publish outbox (*store.Store).
type Store interface {
	PendingPublishes(ctx context.Context, limit int) ([]store.PendingPublish, error)
	MarkPublished(ctx context.Context, seqs []int64) error
	PublishBacklog(ctx context.Context) (int, error)
}

// Options configure a Publisher.
type Options struct {
	// URL is the broker's amqp:// or amqps:// URL. Required.
	URL string
	// Exchange is the durable topic exchange (DefaultExchange when "").
	Exchange string
	Store    Store
	// Log receives warnings (the broker unreachable or lost, once per
	// outage) and reconnections; nil discards them.
	Log io.Writer
	// PollInterval is how often the outbox is read without a Poke (5s).
	PollInterval time.Duration
	// BatchSize is how many events are published before waiting for their
	// confirmations (500).
	BatchSize int
	// MinBackoff and MaxBackoff bound the wait between connection attempts
	// (100ms doubling up to 5s).
	MinBackoff, MaxBackoff time.Duration
	// DialTimeout bounds one connection attempt (5s).
	DialTimeout time.Duration
	// Now is the clock of log lines (time.Now).
	Now func() time.Time
}

// ExchangeError is a declaration of the exchange the broker refused (it
// exists with another type or other arguments): a configuration error,
// not an outage, so `serve` stops with it.
type ExchangeError struct {
	Exchange string
	Err      *amqp.Error
}

func (e *ExchangeError) Error() string {
	return fmt.Sprintf("cannot declare exchange %q as a durable topic exchange: the broker refused: %s", e.Exchange, e.Err.Reason)
}

func (e *ExchangeError) Unwrap() error { return e.Err }

// Publisher publishes the outbox. Run it once; Poke and the status methods
// may be called from any goroutine.
type Publisher struct {
	o         Options
	masked    string
	poke      chan struct{}
	connected atomic.Bool

	mu   sync.Mutex
	sess *session // from Connect, taken over by Run
	// down is true while the broker is unreachable and that was reported.
	down bool
}

// New checks the options (the URL must parse) and returns a Publisher
// that has not connected yet.
func New(o Options) (*Publisher, error) {
	if o.Store == nil {
		return nil, errors.New("publish: Store is required")
	}
	if _, err := amqp.ParseURI(o.URL); err != nil {
		return nil, fmt.Errorf("invalid AMQP URL %s: %v", MaskURL(o.URL), err)
	}
	if o.Exchange == "" {
		o.Exchange = DefaultExchange
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 5 * time.Second
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 500
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = 100 * time.Millisecond
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = max(5*time.Second, o.MinBackoff)
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = 5 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Publisher{o: o, masked: MaskURL(o.URL), poke: make(chan struct{}, 1)}, nil
}

// MaskURL is the URL with its password replaced by "xxxxx", for messages.
func MaskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(an unparsable URL)"
	}
	return u.Redacted()
}

// Exchange is the exchange events are published to.
func (p *Publisher) Exchange() string { return p.o.Exchange }

// MaskedURL is the broker's URL without its password.
func (p *Publisher) MaskedURL() string { return p.masked }

// Poke wakes the publisher: an event was committed to the outbox. It
// never blocks.
func (p *Publisher) Poke() {
	select {
	case p.poke <- struct{}{}:
	default:
	}
}

// Connected reports whether the publisher has a channel to the broker.
func (p *Publisher) Connected() bool { return p.connected.Load() }

// Backlog counts the events waiting to be published.
func (p *Publisher) Backlog(ctx context.Context) (int, error) { return p.o.Store.PublishBacklog(ctx) }

// Connect makes the first connection attempt, so that `serve` can stop on
// an ExchangeError before it listens. Any other error (the broker is
// unreachable) is reported once on Log and returned; Run keeps retrying.
func (p *Publisher) Connect(ctx context.Context) error {
	s, err := p.dial(ctx)
	if err != nil {
		var xe *ExchangeError
		if !errors.As(err, &xe) {
			p.reportDown(err)
		}
		return err
	}
	p.mu.Lock()
	p.sess = s
	p.mu.Unlock()
	return nil
}

// Run publishes until ctx is done (then it returns nil), reconnecting with
// backoff when the broker is unreachable or the connection or channel
// closes. It returns an *ExchangeError if the broker refuses the exchange.
func (p *Publisher) Run(ctx context.Context) error {
	p.mu.Lock()
	s := p.sess
	p.sess = nil
	p.mu.Unlock()
	defer func() {
		if s != nil {
			s.close()
		}
		p.connected.Store(false)
	}()
	backoff := p.o.MinBackoff
	tick := time.NewTicker(p.o.PollInterval)
	defer tick.Stop()
	for {
		if ctx.Err() != nil {
			return nil
		}
		if s == nil {
			var err error
			if s, err = p.dial(ctx); err != nil {
				var xe *ExchangeError
				if errors.As(err, &xe) {
					return err
				}
				p.reportDown(err)
				if !sleep(ctx, backoff) {
					return nil
				}
				backoff = min(2*backoff, p.o.MaxBackoff)
				continue
			}
		}
		p.connected.Store(true)
		backoff = p.o.MinBackoff
		p.reportUp(ctx)

		err := p.drain(ctx, s)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			p.lost(s, err)
			s = nil
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-p.poke:
		case <-tick.C:
		case e := <-s.connClosed:
			p.lost(s, closeErr("connection", e))
			s = nil
		case e := <-s.chClosed:
			p.lost(s, closeErr("channel", e))
			s = nil
		}
	}
}

func closeErr(what string, e *amqp.Error) error {
	if e == nil {
		return fmt.Errorf("%s closed", what)
	}
	return fmt.Errorf("%s closed: %s", what, e.Error())
}

func (p *Publisher) lost(s *session, err error) {
	s.close()
	p.connected.Store(false)
	p.reportDown(err)
}

func (p *Publisher) stamp() string { return p.o.Now().UTC().Format(time.RFC3339) }

// reportDown warns once per outage.
func (p *Publisher) reportDown(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		return
	}
	p.down = true
	fmt.Fprintf(p.o.Log, "%s Warning: message broker %s unavailable (%v): hooks are still accepted and their events kept; publishing resumes when it is back\n",
		p.stamp(), p.masked, err)
}

func (p *Publisher) reportUp(ctx context.Context) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.down {
		return
	}
	p.down = false
	n, _ := p.o.Store.PublishBacklog(ctx)
	fmt.Fprintf(p.o.Log, "%s Connected to message broker %s: publishing %d waiting events\n", p.stamp(), p.masked, n)
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// session is one connection and its confirm-mode channel.
type session struct {
	conn       *amqp.Connection
	ch         *amqp.Channel
	connClosed chan *amqp.Error
	chClosed   chan *amqp.Error
}

func (s *session) close() {
	s.ch.Close()
	s.conn.Close()
}

// dial connects, declares the exchange and puts a channel in confirm mode.
func (p *Publisher) dial(ctx context.Context) (*session, error) {
	cfg := amqp.Config{
		Dial:       amqp.DefaultDial(p.o.DialTimeout),
		Heartbeat:  10 * time.Second,
		Properties: amqp.Table{"connection_name": "hookctl serve"},
	}
	conn, err := amqp.DialConfig(p.o.URL, cfg)
	if err != nil {
		return nil, err
	}
	ch, err := conn.Channel()
	if err != nil {
		conn.Close()
		return nil, err
	}
	if err := ch.ExchangeDeclare(p.o.Exchange, amqp.ExchangeTopic, true, false, false, false, nil); err != nil {
		conn.Close()
		var ae *amqp.Error
		if errors.As(err, &ae) && ae.Code == amqp.PreconditionFailed {
			return nil, &ExchangeError{Exchange: p.o.Exchange, Err: ae}
		}
		return nil, err
	}
	if err := ch.Confirm(false); err != nil {
		conn.Close()
		return nil, err
	}
	return &session{
		conn: conn, ch: ch,
		connClosed: conn.NotifyClose(make(chan *amqp.Error, 1)),
		chClosed:   ch.NotifyClose(make(chan *amqp.Error, 1)),
	}, nil
}

// Message is the AMQP message of an outbox event.
func Message(e *store.PendingPublish) amqp.Publishing {
	return amqp.Publishing{
		Headers: amqp.Table{
			"tenant":     e.Tenant,
			"datasource": e.Datasource,
			"event":      e.Event,
			"source_id":  e.SourceID,
		},
		ContentType:  "application/json",
		DeliveryMode: amqp.Persistent,
		MessageId:    e.RequestID,
		Timestamp:    e.Time().UTC(),
		AppId:        "hookctl",
		Body:         e.Body,
	}
}

// drain publishes the outbox until it is empty, in order, a batch at a
// time: publish the batch, wait for its confirmations, remove the marks of
// the acknowledged prefix. Events after a negative or missing
// acknowledgement stay and are published again (after them) on the next
// attempt.
func (p *Publisher) drain(ctx context.Context, s *session) error {
	for {
		batch, err := p.o.Store.PendingPublishes(ctx, p.o.BatchSize)
		if err != nil || len(batch) == 0 {
			return err
		}
		confirms := make([]*amqp.DeferredConfirmation, 0, len(batch))
		var pubErr error
		for i := range batch {
			dc, err := s.ch.PublishWithDeferredConfirmWithContext(ctx, p.o.Exchange, batch[i].RoutingKey, false, false, Message(&batch[i]))
			if err != nil {
				pubErr = err
				break
			}
			confirms = append(confirms, dc)
		}
		acked := 0
		for _, dc := range confirms {
			ok, err := dc.WaitContext(ctx)
			if err != nil || !ok {
				if pubErr == nil {
					pubErr = errors.New("the broker did not confirm a message")
				}
				break
			}
			acked++
		}
		// The acknowledged messages are the broker's now, even if we are
		// stopping: remove their marks regardless of ctx.
		if acked > 0 {
			seqs := make([]int64, acked)
			for i := range seqs {
				seqs[i] = batch[i].Seq
			}
			if err := p.o.Store.MarkPublished(context.WithoutCancel(ctx), seqs); err != nil {
				return err
			}
		}
		if pubErr != nil {
			return pubErr
		}
	}
}
