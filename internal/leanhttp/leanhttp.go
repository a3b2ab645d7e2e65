// Package leanhttp is an HTTP/1.1 client transport for load generation.
//
// net/http's Transport runs two goroutines per connection (a read loop and a
// write loop) and hands every request and response between them and the
// caller over channels. That costs more CPU than the request itself when a
// load run shares a machine with its receiver. Transport here does the whole
// round trip on the caller's goroutine: it writes the request on an idle
// keep-alive connection (or a new one), reads the response with
// http.ReadResponse, and puts the connection back when the body was read to
// its end. It speaks plain HTTP/1.1 to origin servers only. Fallback gets
// the rest: https, requests a proxy should carry, methods other than POST,
// bodies of unknown length, and URLs with user:password@.
package leanhttp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http/httpguts"
)

// Transport is an http.RoundTripper; the zero value is not usable: set
// Fallback (e.g. an *http.Transport). It is safe for concurrent use.
type Transport struct {
	// Fallback carries what Transport does not: https, proxied requests,
	// other methods, bodies of unknown length.
	Fallback http.RoundTripper
	// Proxy is consulted like http.Transport.Proxy: a request it returns a
	// proxy URL for goes to Fallback. Nil means no proxy.
	Proxy func(*http.Request) (*url.URL, error)
	// MaxIdlePerHost bounds the idle connections kept per host (default 64).
	MaxIdlePerHost int
	// MaxIdleAge: a connection idle longer is closed, not reused (default
	// 2 s): there is no background reader to notice a server closing it, and
	// servers close idle connections after as little as 5 s (Node.js).
	MaxIdleAge time.Duration
	// DialContext opens connections (default: a net.Dialer with a 30 s timeout).
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)

	mu   sync.Mutex
	idle map[string][]*conn
}

type conn struct {
	nc        net.Conn
	br        *bufio.Reader
	bw        *bufio.Writer
	key       string
	idleSince time.Time
}

var dialer = &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !t.handles(req) {
		return t.Fallback.RoundTrip(req)
	}
	if err := checkHeaders(req.Header); err != nil {
		closeBody(req)
		return nil, err
	}
	key := hostPort(req.URL)
	c, reused, err := t.get(req.Context(), key)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	resp, err := t.exchange(c, req)
	var stale staleError
	if err != nil && reused && errors.As(err, &stale) && req.Context().Err() == nil {
		// The kept connection was closed by the server before any answer
		// came back, as servers do with idle connections: the request gets
		// one new connection, as net/http does. handles accepted only
		// bodies that GetBody can send again.
		if req, err = rewind(req); err != nil {
			return nil, err
		}
		if c, err = t.dial(req.Context(), key); err != nil {
			closeBody(req)
			return nil, err
		}
		resp, err = t.exchange(c, req)
	}
	return resp, err
}

// handles reports whether the request is one for this transport: a POST
// over plain http to an origin server, with a body that can be sent again.
func (t *Transport) handles(req *http.Request) bool {
	if req.URL == nil || req.URL.Scheme != "http" || req.Method != http.MethodPost {
		return false
	}
	if req.URL.User != nil { // net/http turns user:password@ into basic auth
		return false
	}
	if req.ContentLength < 0 || req.ContentLength > 0 && req.GetBody == nil {
		return false
	}
	if t.Proxy != nil {
		if p, err := t.Proxy(req); err != nil || p != nil {
			return false
		}
	}
	return true
}

// exchange writes req on c and reads the response. On error c is closed.
func (t *Transport) exchange(c *conn, req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	deadline, hasDeadline := ctx.Deadline() // zero: none
	if err := c.nc.SetDeadline(deadline); err != nil {
		c.nc.Close()
		closeBody(req)
		return nil, err
	}
	// Cancellation without a deadline (Ctrl-C) interrupts blocked I/O.
	stop := context.AfterFunc(ctx, func() { _ = c.nc.SetDeadline(time.Unix(1, 0)) })
	fail := func(err error) (*http.Response, error) {
		stop()
		c.nc.Close()
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		// The connection's deadline is the context's: it may fire a hair
		// before the context notices.
		if hasDeadline && errors.Is(err, os.ErrDeadlineExceeded) && !time.Now().Before(deadline) {
			return nil, context.DeadlineExceeded
		}
		return nil, err
	}
	if err := writeRequest(c.bw, req); err != nil {
		// A server may answer before it read the whole body (413) and hang
		// up, failing our write: its answer is the result, as with net/http.
		if resp, rerr := readResponse(c.br, req); rerr == nil {
			resp.Body = &body{rc: resp.Body, c: c, t: t, stop: stop, keep: false}
			return resp, nil
		}
		return fail(staleError{err})
	}
	// Nothing at all back (EOF, reset) means the server had dropped the
	// connection; a partial answer is an error of this request.
	if _, err := c.br.Peek(1); err != nil {
		return fail(staleError{err})
	}
	resp, err := readResponse(c.br, req)
	if err != nil {
		return fail(err)
	}
	resp.Body = &body{rc: resp.Body, c: c, t: t, stop: stop, keep: !resp.Close && !wantsClose(req)}
	return resp, nil
}

// readResponse reads the final response, skipping informational ones.
func readResponse(br *bufio.Reader, req *http.Request) (*http.Response, error) {
	for {
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols {
			return resp, nil
		}
		resp.Body.Close()
	}
}

// writeRequest writes req as HTTP/1.1 with Host, Content-Length and the
// request's own headers, then its body.
func writeRequest(w *bufio.Writer, req *http.Request) error {
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	w.WriteString(req.Method)
	w.WriteByte(' ')
	w.WriteString(req.URL.RequestURI())
	w.WriteString(" HTTP/1.1\r\nHost: ")
	w.WriteString(host)
	w.WriteString("\r\nContent-Length: ")
	w.WriteString(strconv.FormatInt(req.ContentLength, 10))
	w.WriteString("\r\n")
	if wantsClose(req) {
		w.WriteString("Connection: close\r\n")
	}
	for k, vs := range req.Header {
		switch http.CanonicalHeaderKey(k) {
		case "Host", "Content-Length", "Transfer-Encoding", "Connection":
			continue // written above, or framing this transport decides
		}
		for _, v := range vs {
			w.WriteString(k)
			w.WriteString(": ")
			w.WriteString(v)
			w.WriteString("\r\n")
		}
	}
	w.WriteString("\r\n")
	if req.Body != nil {
		n, err := io.Copy(w, req.Body)
		req.Body.Close()
		if err != nil {
			return err
		}
		if n != req.ContentLength {
			return fmt.Errorf("leanhttp: request body was %d bytes, Content-Length %d", n, req.ContentLength)
		}
	}
	return w.Flush()
}

// wantsClose reports a request that asks for its connection to be closed.
func wantsClose(req *http.Request) bool {
	return req.Close || strings.EqualFold(strings.TrimSpace(req.Header.Get("Connection")), "close")
}

// checkHeaders refuses what net/http refuses: names that are not tokens,
// values with control characters (CR/LF would break the framing).
func checkHeaders(h http.Header) error {
	for k, vs := range h {
		if !httpguts.ValidHeaderFieldName(k) {
			return fmt.Errorf("leanhttp: invalid header name %q", k)
		}
		for _, v := range vs {
			if !httpguts.ValidHeaderFieldValue(v) {
				return fmt.Errorf("leanhttp: invalid value for header %q", k)
			}
		}
	}
	return nil
}

func (t *Transport) get(ctx context.Context, key string) (c *conn, reused bool, err error) {
	maxAge := t.MaxIdleAge
	if maxAge <= 0 {
		maxAge = 2 * time.Second
	}
	var old []*conn
	now := time.Now()
	t.mu.Lock()
	list := t.idle[key]
	for len(list) > 0 && c == nil {
		last := list[len(list)-1]
		list = list[:len(list)-1]
		if now.Sub(last.idleSince) > maxAge {
			old = append(old, last)
		} else {
			c = last
		}
	}
	if t.idle != nil {
		t.idle[key] = list
	}
	t.mu.Unlock()
	for _, o := range old {
		o.nc.Close()
	}
	if c != nil {
		return c, true, nil
	}
	c, err = t.dial(ctx, key)
	return c, false, err
}

func (t *Transport) dial(ctx context.Context, key string) (*conn, error) {
	dial := t.DialContext
	if dial == nil {
		dial = dialer.DialContext
	}
	nc, err := dial(ctx, "tcp", key)
	if err != nil {
		return nil, err
	}
	return &conn{nc: nc, br: bufio.NewReaderSize(nc, 4096), bw: bufio.NewWriterSize(nc, 4096), key: key}, nil
}

// put keeps c for the next request to its host, or closes it.
func (t *Transport) put(c *conn) {
	if c.br.Buffered() > 0 {
		// Bytes nobody asked for: the connection is out of step.
		c.nc.Close()
		return
	}
	max := t.MaxIdlePerHost
	if max <= 0 {
		max = 64
	}
	_ = c.nc.SetDeadline(time.Time{})
	c.idleSince = time.Now()
	t.mu.Lock()
	if t.idle == nil {
		t.idle = map[string][]*conn{}
	}
	if len(t.idle[c.key]) < max {
		t.idle[c.key] = append(t.idle[c.key], c)
		c = nil
	}
	t.mu.Unlock()
	if c != nil {
		c.nc.Close()
	}
}

// CloseIdleConnections closes the kept connections (and Fallback's).
func (t *Transport) CloseIdleConnections() {
	t.mu.Lock()
	idle := t.idle
	t.idle = nil
	t.mu.Unlock()
	for _, list := range idle {
		for _, c := range list {
			c.nc.Close()
		}
	}
	if ci, ok := t.Fallback.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// body returns its connection to the pool once read to the end and closed;
// closed early, it drains a little so the connection can still be reused.
type body struct {
	rc   io.ReadCloser
	c    *conn
	t    *Transport
	stop func() bool
	keep bool
	eof  bool
	done bool
}

const maxDrain = 256 << 10

func (b *body) Read(p []byte) (int, error) {
	if b.done {
		return 0, errors.New("leanhttp: read on closed response body")
	}
	n, err := b.rc.Read(p)
	if err == io.EOF {
		b.eof = true
	}
	return n, err
}

func (b *body) Close() error {
	if b.done {
		return nil
	}
	b.done = true
	if !b.eof {
		n, err := io.CopyN(io.Discard, b.rc, maxDrain+1)
		b.eof = err == io.EOF && n <= maxDrain
	}
	b.rc.Close()
	// AfterFunc already ran: the deadline was moved, the connection is spent.
	stopped := b.stop()
	if b.keep && b.eof && stopped {
		b.t.put(b.c)
	} else {
		b.c.nc.Close()
	}
	return nil
}

// staleError wraps a failure to write a request or to read the first byte
// of its answer: on a kept connection, the sign that the server closed it.
type staleError struct{ err error }

func (e staleError) Error() string { return e.err.Error() }
func (e staleError) Unwrap() error { return e.err }

func rewind(req *http.Request) (*http.Request, error) {
	if req.GetBody == nil {
		return req, nil
	}
	b, err := req.GetBody()
	if err != nil {
		return nil, err
	}
	r := *req
	r.Body = b
	return &r, nil
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// hostPort is the URL's host with the default port made explicit.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	return net.JoinHostPort(u.Hostname(), "80")
}
