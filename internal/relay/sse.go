// Package relay is the client side of the `hookctl serve` relay: it reads
// a source's Server-Sent Events stream (GET /v1/relay/{token}), hands each
// received request to a handler, and reconnects with backoff, resuming
// after the last event id it handled.
package relay

import (
	"bufio"
	"io"
	"strings"
)

// Event is one Server-Sent Event.
type Event struct {
	Type  string // "message" when the stream gave none
	ID    string
	HasID bool
	Data  string
}

// Reader reads events from a text/event-stream body.
type Reader struct {
	sc *bufio.Scanner
}

// NewReader reads events from r. Lines may be up to 64 MiB (a request's
// JSON is one data line).
func NewReader(r io.Reader) *Reader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
	return &Reader{sc: sc}
}

// Next returns the next event; io.EOF when the stream ends cleanly between
// events, io.ErrUnexpectedEOF when it ends inside one.
func (r *Reader) Next() (Event, error) {
	var ev Event
	var data []string
	started := false
	for r.sc.Scan() {
		line := strings.TrimSuffix(r.sc.Text(), "\r")
		if line == "" {
			if !started {
				continue
			}
			ev.Data = strings.Join(data, "\n")
			if ev.Type == "" {
				ev.Type = "message"
			}
			return ev, nil
		}
		if strings.HasPrefix(line, ":") {
			continue // comment (heartbeat)
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "event":
			ev.Type, started = value, true
		case "data":
			data, started = append(data, value), true
		case "id":
			ev.ID, ev.HasID, started = value, true, true
		case "retry":
		}
	}
	if err := r.sc.Err(); err != nil {
		return Event{}, err
	}
	if started {
		return Event{}, io.ErrUnexpectedEOF
	}
	return Event{}, io.EOF
}
