package relay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/model"
)

// Status reports the connection: Connected after every (re)connection,
// Disconnected with Err and RetryIn before every retry.
type Status struct {
	Connected   bool
	Source      string // src_… (from the server's ready event)
	LastEventID int64  // where the stream resumes
	Err         error
	RetryIn     time.Duration
}

// Client receives a source's requests from a server's relay.
type Client struct {
	Remote *backend.Remote
	Token  string
	// LastID is the last event id handled; -1 starts with the events that
	// arrive from now on. Run advances it.
	LastID int64
	// Handle processes one request; it returns once the request was
	// recorded and forwarded, nil when it counts as delivered. Only then
	// does LastID advance and Save (optional) get called with the event
	// id (Save is also called with the ready event's id on every
	// connection). An error ends the connection: Run reconnects after a
	// backoff from LastID, so the server sends the request again.
	Handle   func(ctx context.Context, rr *model.ReceivedRequest) error
	Save     func(lastID int64) error
	OnStatus func(Status)
	// MinBackoff and MaxBackoff bound the wait before reconnecting
	// (doubling from Min; back to Min after a connection that delivered).
	MinBackoff, MaxBackoff time.Duration
}

// Run streams until ctx is done (nil) or the server refuses the stream for
// good: unknown source, bad key (that error).
func (c *Client) Run(ctx context.Context) error {
	minB, maxB := c.MinBackoff, c.MaxBackoff
	if minB <= 0 {
		minB = 500 * time.Millisecond
	}
	if maxB < minB {
		maxB = max(30*time.Second, minB)
	}
	backoff := minB
	for {
		progressed, err := c.once(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if apperr.IsKind(err, apperr.ErrNotFound) || apperr.IsKind(err, apperr.ErrAuth) || apperr.IsKind(err, apperr.ErrUsage) {
			return err
		}
		if progressed {
			backoff = minB
		}
		if err == nil {
			err = errors.New("the server closed the stream")
		}
		c.status(Status{LastEventID: c.LastID, Err: err, RetryIn: backoff})
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		backoff = min(backoff*2, maxB)
	}
}

func (c *Client) status(s Status) {
	if c.OnStatus != nil {
		c.OnStatus(s)
	}
}

func (c *Client) save() error {
	if c.Save == nil || c.LastID < 0 {
		return nil
	}
	return c.Save(c.LastID)
}

// once runs one connection; progressed says it connected.
func (c *Client) once(ctx context.Context) (progressed bool, err error) {
	resp, err := c.Remote.OpenRelay(ctx, c.Token, c.LastID)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	rd := NewReader(resp.Body)
	for {
		ev, err := rd.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return progressed, nil
			}
			return progressed, err
		}
		var id int64 = -1
		if ev.HasID {
			if id, err = strconv.ParseInt(ev.ID, 10, 64); err != nil {
				return progressed, fmt.Errorf("relay: bad event id %q", ev.ID)
			}
		}
		switch ev.Type {
		case "ready":
			var ready struct {
				Source string `json:"source"`
			}
			_ = json.Unmarshal([]byte(ev.Data), &ready)
			if id >= 0 {
				c.LastID = id
			}
			progressed = true
			if err := c.save(); err != nil {
				return progressed, err
			}
			c.status(Status{Connected: true, Source: ready.Source, LastEventID: c.LastID})
		case "error":
			// The server ends the stream for good (the key was revoked):
			// an error of the API's kind, so Run stops instead of retrying.
			var body struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			if err := json.Unmarshal([]byte(ev.Data), &body); err != nil || body.Error.Message == "" {
				return progressed, fmt.Errorf("relay: the server ended the stream: %s", ev.Data)
			}
			kind := apperr.KindForHTTP(0, body.Error.Code)
			if kind == nil {
				return progressed, errors.New("relay: " + body.Error.Message)
			}
			return progressed, apperr.New(kind, "relay: %s", body.Error.Message)
		case "request":
			var rr model.ReceivedRequest
			if err := json.Unmarshal([]byte(ev.Data), &rr); err != nil {
				return progressed, fmt.Errorf("relay: event %s: %v", ev.ID, err)
			}
			if id >= 0 && id <= c.LastID {
				continue // already handled
			}
			if err := c.Handle(ctx, &rr); err != nil {
				// Not delivered: keep the resume point before it. Not
				// progress either, so retries back off.
				return false, fmt.Errorf("relay: event %s not handled, resuming before it: %w", ev.ID, err)
			}
			if ctx.Err() != nil && id >= 0 {
				// Handled (the forward outlives ctx), so it counts.
				c.LastID = id
				return progressed, c.save()
			}
			if id >= 0 {
				c.LastID = id
			}
			if err := c.save(); err != nil {
				return progressed, err
			}
		}
	}
}
