package listener

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/textproto"
	"strings"
	"sync"
	"time"

	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/routes"
)

// hopByHop are the headers a proxy must not forward (RFC 9110 §7.6.1).
var hopByHop = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Connection": true, "Proxy-Authenticate": true,
	"Proxy-Authorization": true, "Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
}

func isHopByHop(k string) bool { return hopByHop[k] }

// ForwardHeaders returns h without hop-by-hop headers (including those
// named in Connection), then with extra set on top. Keys stay as received.
func ForwardHeaders(h http.Header, extra http.Header) http.Header {
	out := make(http.Header, len(h)+len(extra))
	var named []string
	for _, v := range h["Connection"] {
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				named = append(named, textproto.CanonicalMIMEHeaderKey(f))
			}
		}
	}
	for k, v := range h {
		if hopByHop[k] || contains(named, k) {
			continue
		}
		out[k] = v
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

type forwardResponse struct {
	status int
	header http.Header
	body   []byte
}

// forwardRoutes is the listener's one forwarding table: Config.ForwardTo
// (catch-alls) then Config.Routes, each route's extra headers set on top of
// Config.ForwardHeaders.
func forwardRoutes(cfg Config) routes.Table {
	var t routes.Table
	if len(cfg.ForwardTo) > 0 {
		t = append(t, routes.Route{To: cfg.ForwardTo, Headers: cfg.ForwardHeaders, Origin: "--forward-to"})
	}
	for _, r := range cfg.Routes {
		if len(r.Headers) == 0 {
			r.Headers = cfg.ForwardHeaders
		} else if len(cfg.ForwardHeaders) > 0 {
			h := cfg.ForwardHeaders.Clone()
			for k, v := range r.Headers {
				h[k] = v
			}
			r.Headers = h
		}
		t = append(t, r)
	}
	return t
}

// forwardAll forwards req to the targets its event type matches, in
// parallel, and fills req.Forwards in table order. When exactly one target
// matched, its answer is returned to be passed through to the sender (nil
// when that forward failed).
func (l *Listener) forwardAll(ctx context.Context, req *model.ReceivedRequest) *forwardResponse {
	targets := l.routes.Match(req.EventType)
	switch len(targets) {
	case 0:
		return nil
	case 1:
		req.Forwards = make([]model.ForwardResult, 1)
		var pass *forwardResponse
		req.Forwards[0], pass = l.forward(ctx, req, targets[0], true)
		return pass
	}
	req.Forwards = make([]model.ForwardResult, len(targets))
	var wg sync.WaitGroup
	for i, target := range targets {
		wg.Go(func() { req.Forwards[i], _ = l.forward(ctx, req, target, false) })
	}
	wg.Wait()
	return nil
}

// forward sends req to target with its original method, headers and body,
// plus the target's extra headers. The forward outlives the sender's
// connection (bounded by ForwardTimeout) so that the result is recorded
// even if the sender gave up.
func (l *Listener) forward(ctx context.Context, req *model.ReceivedRequest, target routes.Target, keep bool) (model.ForwardResult, *forwardResponse) {
	res := model.ForwardResult{URL: target.URL, Route: target.Route}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.cfg.ForwardTimeout)
	defer cancel()
	start := time.Now()
	resp, err := Send(ctx, l.client, req.Method, target.URL, ForwardHeaders(req.Headers, target.Headers), req.Body)
	var fr *forwardResponse
	if err == nil {
		res.Status = resp.StatusCode
		var body []byte
		body, err = io.ReadAll(io.LimitReader(resp.Body, maxForwardResponse))
		resp.Body.Close()
		if keep && err == nil {
			fr = &forwardResponse{status: resp.StatusCode, header: resp.Header, body: body}
		}
	}
	res.Latency = time.Since(start)
	res.LatencyMS = float64(res.Latency.Microseconds()) / 1000
	if err != nil {
		res.Error = errorText(err)
		res.Status = 0
		fr = nil
	}
	l.emit(Event{Kind: KindForward, RequestID: req.ID, Forward: &res})
	return res, fr
}

// Send performs one HTTP request with exactly the given headers and body:
// no User-Agent is added when the headers have none, the Host comes from
// target, and Content-Length is the body's length. The replay command
// uses it too.
func Send(ctx context.Context, client *http.Client, method, target string, headers http.Header, body []byte) (*http.Response, error) {
	var rd io.Reader = http.NoBody
	if len(body) > 0 {
		rd = bytes.NewReader(body)
	}
	hr, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return nil, err
	}
	hr.Header = headers.Clone()
	if hr.Header == nil {
		hr.Header = http.Header{}
	}
	delete(hr.Header, "Host")
	delete(hr.Header, "Content-Length")
	if _, ok := hr.Header["User-Agent"]; !ok {
		hr.Header["User-Agent"] = []string{""} // Go adds none when set empty
	}
	hr.ContentLength = int64(len(body))
	return client.Do(hr)
}

// errorText shortens Go's "Post \"url\": dial tcp …: connect: connection
// refused" to its cause.
func errorText(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, "\": "); i >= 0 && strings.HasPrefix(s, strings.SplitN(s, " ", 2)[0]+" \"") {
		s = s[i+3:]
	}
	if strings.Contains(s, "context deadline exceeded") || strings.Contains(s, "Client.Timeout") {
		return "timed out (--forward-timeout)"
	}
	return s
}
