// Package rawhttp reads and writes HTTP/1.1 requests as captured text:
// request line, headers, blank line, body.
package rawhttp

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/hookctl/hookctl/internal/apperr"
)

// Request is a parsed raw request. Body holds the exact bytes.
type Request struct {
	Method string
	Target string // request target as written, e.g. /webhooks?x=1
	Header http.Header
	Body   []byte
}

// MaxSize bounds how much Parse reads.
const MaxSize = 64 << 20

// Parse reads a captured request. With Content-Length the body is exactly
// that many bytes (a shorter body is an error, extra bytes such as an
// editor's final newline are ignored); with chunked encoding it is decoded;
// otherwise the body is the rest of the input, byte for byte.
func Parse(r io.Reader) (*Request, error) {
	br := bufio.NewReader(io.LimitReader(r, MaxSize+1))
	// Tolerate bare LF line endings, which editors and heredocs produce.
	req, err := http.ReadRequest(br)
	if err != nil {
		return nil, apperr.Usagef("not a raw HTTP request (%v): expected a request line such as \"POST /webhooks HTTP/1.1\", headers, a blank line, then the body", err)
	}
	out := &Request{Method: req.Method, Target: req.RequestURI, Header: req.Header}
	switch {
	case len(req.TransferEncoding) > 0:
		out.Body, err = io.ReadAll(req.Body)
		if err != nil {
			return nil, apperr.Usagef("bad chunked body: %v", err)
		}
	case req.Header.Get("Content-Length") != "":
		n, _ := strconv.ParseInt(req.Header.Get("Content-Length"), 10, 64)
		out.Body = make([]byte, n)
		got, err := io.ReadFull(br, out.Body)
		if err != nil {
			return nil, apperr.Usagef("body is %d bytes but Content-Length says %d", got, n)
		}
	default:
		out.Body, err = io.ReadAll(br)
		if err != nil {
			return nil, err
		}
	}
	if len(out.Body) > MaxSize {
		return nil, apperr.New(apperr.ErrTooLarge, "request is larger than %d MiB", MaxSize>>20)
	}
	return out, nil
}

// Format writes a request as HTTP/1.1 text that Parse reads back exactly:
// the request line, Host (when host is not empty), the other headers
// sorted, Content-Length from body (when there is one, or the method sends
// one), a blank line and the body.
func Format(method, target, host string, header http.Header, body []byte) []byte {
	var b bytes.Buffer
	if target == "" {
		target = "/"
	}
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\n", method, target)
	if host != "" {
		fmt.Fprintf(&b, "Host: %s\r\n", host)
	}
	keys := make([]string, 0, len(header))
	for k := range header {
		switch {
		case strings.EqualFold(k, "Content-Length"), strings.EqualFold(k, "Transfer-Encoding"), strings.EqualFold(k, "Host"):
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range header[k] {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	if len(body) > 0 || method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.Bytes()
}
