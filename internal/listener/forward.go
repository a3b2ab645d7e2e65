package listener

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/textproto"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/model"
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

// forward sends req to target with its original method, headers and body.
// The forward outlives the sender's connection (bounded by ForwardTimeout)
// so that the result is recorded even if the sender gave up.
func (l *Listener) forward(ctx context.Context, req *model.ReceivedRequest, target string, keep bool) (model.ForwardResult, *forwardResponse) {
	res := model.ForwardResult{URL: target}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.cfg.ForwardTimeout)
	defer cancel()
	start := time.Now()
	resp, err := Send(ctx, l.client, req.Method, target, ForwardHeaders(req.Headers, l.cfg.ForwardHeaders), req.Body)
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
