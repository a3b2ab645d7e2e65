package leanhttp

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// FuzzResponses answers each request with the fuzzer's bytes and hangs up:
// whatever a server sends, RoundTrip returns (a response or an error) without
// panicking or hanging, a response's body reads to an end, and the
// transport still serves the next request.
func FuzzResponses(f *testing.F) {
	for _, seed := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
		"HTTP/1.0 500 Oops\r\n\r\nclose-delimited body",
		"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\nshort",
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n\r\n",
		"HTTP/1.1 2000 OK\r\n\r\n",
		"garbage\r\n\r\n",
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, answer []byte) {
		dial := func(ctx context.Context, _, _ string) (net.Conn, error) {
			client, server := net.Pipe()
			go func() {
				defer server.Close()
				// One answer per connection, then hang up: a client waiting
				// for more sees the end instead of its deadline.
				req, err := http.ReadRequest(bufio.NewReader(server))
				if err != nil {
					return
				}
				_, _ = io.Copy(io.Discard, req.Body)
				_ = server.SetWriteDeadline(time.Now().Add(time.Second))
				_, _ = server.Write(answer)
			}()
			return client, nil
		}
		tr := &Transport{Fallback: &fallback{}, DialContext: dial}
		defer tr.CloseIdleConnections()
		for i := 0; i < 2; i++ {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			resp, err := tr.RoundTrip(post(t, ctx, "http://fuzz.test/hook", "{}", nil))
			if err == nil {
				_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
				resp.Body.Close()
			}
			cancel()
		}
	})
}
