package outbox

import (
	"encoding/json"
	"net"
	"net/url"
	"strings"

	"github.com/hookctl/hookctl/internal/store"
)

// DefaultPerHostConcurrency is Options.PerHostConcurrency's default.
const DefaultPerHostConcurrency = 4

// maxParked bounds the claimed rows held in memory while their host is
// saturated. When it is reached the scheduler takes no more rows until one
// starts, so the feeder stops claiming.
const maxParked = 1024

// maxOverflow is how many attempts may run beyond Options.Workers, each to
// a host that has nothing in flight: a few slow hosts holding every worker
// do not delay the others.
const maxOverflow = 64

// hostScheduler starts outbox attempts, at most perHost at a time per
// destination host (host:port of the target URL) and workers at a time in
// all, except that a host with no attempt in flight may always start one
// (up to maxOverflow beyond workers). An entry whose host is saturated is
// parked, its lease kept, and started when an attempt to that host ends;
// the scheduler meanwhile takes the next entries, so a slow host never
// makes another host's delivery wait for it.
//
// Hosts are compared by name: two names of one address are two hosts.
type hostScheduler struct {
	workers, perHost int
	run              func(store.OutboxEntry) // makes and records one attempt
	release          func(store.OutboxEntry) // frees a row not attempted

	inFlight map[string]int
	total    int
	parked   map[string][]store.OutboxEntry
	waiting  []string // hosts with parked entries, oldest first
	nParked  int
	// held are the delivery ids parked or in flight: a row whose lease ran
	// out while it was parked is claimed again (which renews its lease)
	// and must not be attempted twice.
	held map[string]struct{}
	done chan ended
}

// ended is an attempt that has ended.
type ended struct{ host, id string }

func newHostScheduler(workers, perHost int, run, release func(store.OutboxEntry)) *hostScheduler {
	return &hostScheduler{workers: max(workers, 1), perHost: max(perHost, 1), run: run, release: release,
		inFlight: map[string]int{}, parked: map[string][]store.OutboxEntry{}, held: map[string]struct{}{},
		done: make(chan ended)}
}

// loop schedules the entries until the channel is closed; then it releases
// the parked entries and returns when the attempts in flight have ended.
func (s *hostScheduler) loop(entries <-chan store.OutboxEntry) {
	for entries != nil || s.total > 0 {
		in := entries
		if s.nParked >= maxParked {
			in = nil // full: let the feeder wait
		}
		select {
		case e, ok := <-in:
			if !ok {
				entries = nil
				s.releaseParked()
				continue
			}
			s.add(e)
		case x := <-s.done:
			s.total--
			delete(s.held, x.id)
			if s.inFlight[x.host]--; s.inFlight[x.host] == 0 {
				delete(s.inFlight, x.host)
			}
			if entries != nil {
				s.startWaiting()
			}
		}
	}
}

func (s *hostScheduler) add(e store.OutboxEntry) {
	if _, dup := s.held[e.DeliveryID]; dup {
		return
	}
	s.held[e.DeliveryID] = struct{}{}
	host := jobHost(e.Job)
	if len(s.parked[host]) == 0 && s.canStart(host) {
		s.start(host, e)
		return
	}
	if len(s.parked[host]) == 0 {
		s.waiting = append(s.waiting, host)
	}
	s.parked[host] = append(s.parked[host], e)
	s.nParked++
}

func (s *hostScheduler) canStart(host string) bool {
	n := s.inFlight[host]
	return n < s.perHost && (s.total < s.workers || n == 0 && s.total < s.workers+maxOverflow)
}

func (s *hostScheduler) start(host string, e store.OutboxEntry) {
	s.inFlight[host]++
	s.total++
	go func() {
		s.run(e)
		s.done <- ended{host, e.DeliveryID}
	}()
}

// startWaiting starts parked entries whose host has room, hosts in the
// order they started waiting.
func (s *hostScheduler) startWaiting() {
	kept := s.waiting[:0]
	for _, host := range s.waiting {
		q := s.parked[host]
		for len(q) > 0 && s.canStart(host) {
			s.start(host, q[0])
			q = q[1:]
			s.nParked--
		}
		if len(q) == 0 {
			delete(s.parked, host)
			continue
		}
		s.parked[host] = q
		kept = append(kept, host)
	}
	s.waiting = kept
}

func (s *hostScheduler) releaseParked() {
	for _, host := range s.waiting {
		for _, e := range s.parked[host] {
			s.release(e)
			delete(s.held, e.DeliveryID)
		}
		delete(s.parked, host)
	}
	s.waiting, s.nParked = nil, 0
}

// jobHost is the host:port an outbox job delivers to ("" when its URL
// cannot be read: the attempt will say why).
func jobHost(raw []byte) string {
	var j struct {
		URL string `json:"url"`
	}
	if json.Unmarshal(raw, &j) != nil {
		return ""
	}
	return targetHost(j.URL)
}

// targetHost is the lower-case host:port of a URL, with the scheme's
// default port when it has none.
func targetHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	port := u.Port()
	if port == "" {
		port = "80"
		if strings.EqualFold(u.Scheme, "https") {
			port = "443"
		}
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}
