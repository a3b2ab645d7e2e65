package leanhttp

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// post builds a request the way the dispatcher does (replayable body).
func post(t testing.TB, ctx context.Context, target, body string, hdr http.Header) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	return req
}

// fallback records the requests Transport hands on.
type fallback struct{ calls atomic.Int32 }

func (f *fallback) RoundTrip(req *http.Request) (*http.Response, error) {
	f.calls.Add(1)
	return &http.Response{StatusCode: 299, Body: io.NopCloser(strings.NewReader("fallback")), Request: req}, nil
}

// countingServer is an httptest server that counts the connections it accepted.
func countingServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

func roundTrip(t *testing.T, tr http.RoundTripper, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatalf("RoundTrip: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	resp.Body.Close()
	return resp, string(b)
}

func TestRoundTripSendsTheRequestAsIs(t *testing.T) {
	var got struct {
		method, uri, host, body, sig, ctype string
		length                              int64
		te                                  []string
	}
	srv, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.method, got.uri, got.host, got.body = r.Method, r.RequestURI, r.Host, string(b)
		got.sig, got.ctype, got.length, got.te = r.Header.Get("X-Sf-Signature"), r.Header.Get("Content-Type"), r.ContentLength, r.TransferEncoding
		w.Header().Set("X-Answer", "42")
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, `{"message":"ok"}`)
	})
	tr := &Transport{Fallback: &fallback{}}
	// Framing headers of the caller's, in any case, are not sent twice.
	resp, body := roundTrip(t, tr, post(t, context.Background(), srv.URL+"/hook/a?x=1&y=%20", `{"id":"evt_1"}`,
		http.Header{"X-Sf-Signature": {"abc"}, "Content-Type": {"application/json"}, "content-length": {"999"}, "Transfer-Encoding": {"chunked"}}))
	if resp.StatusCode != http.StatusAccepted || resp.Header.Get("X-Answer") != "42" || body != `{"message":"ok"}` {
		t.Errorf("response %d %v %q", resp.StatusCode, resp.Header, body)
	}
	u, _ := url.Parse(srv.URL)
	if got.method != "POST" || got.uri != "/hook/a?x=1&y=%20" || got.host != u.Host || got.body != `{"id":"evt_1"}` ||
		got.sig != "abc" || got.ctype != "application/json" || got.length != 14 || len(got.te) != 0 {
		t.Errorf("server saw %+v", got)
	}
}

func TestConnectionReuse(t *testing.T) {
	tests := []struct {
		name      string
		handler   http.HandlerFunc
		readAll   bool
		maxAge    time.Duration
		wantConns int32
		reqHeader http.Header
	}{
		{"kept alive: one connection", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }, true, 0, 1, nil},
		{"chunked answers: one connection", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "chunk one ")
			w.(http.Flusher).Flush()
			io.WriteString(w, "chunk two")
		}, true, 0, 1, nil},
		{"Connection: close: a connection each", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Connection", "close")
			io.WriteString(w, "ok")
		}, true, 0, 3, nil},
		{"body closed unread but small: drained and kept", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, strings.Repeat("x", 10<<10)) }, false, 0, 1, nil},
		{"body closed unread and huge: closed", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", fmt.Sprint(4<<20))
			w.Write(make([]byte, 4<<20))
		}, false, 0, 3, nil},
		{"idle longer than MaxIdleAge: a connection each", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }, true, time.Nanosecond, 3, nil},
		{"request says Connection: close: a connection each", func(w http.ResponseWriter, r *http.Request) {
			if !r.Close {
				t.Error("the server did not see Connection: close")
			}
			io.WriteString(w, "ok")
		}, true, 0, 3, http.Header{"Connection": {"close"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, conns := countingServer(t, tt.handler)
			tr := &Transport{Fallback: &fallback{}, MaxIdleAge: tt.maxAge}
			defer tr.CloseIdleConnections()
			for i := 0; i < 3; i++ {
				resp, err := tr.RoundTrip(post(t, context.Background(), srv.URL, "{}", tt.reqHeader))
				if err != nil {
					t.Fatalf("request %d: %v", i, err)
				}
				if tt.readAll {
					b, _ := io.ReadAll(resp.Body)
					if strings.HasPrefix(tt.name, "chunked") && string(b) != "chunk one chunk two" {
						t.Errorf("chunked body %q", b)
					}
				}
				resp.Body.Close()
				time.Sleep(time.Millisecond) // let MaxIdleAge pass
			}
			if n := conns.Load(); n != tt.wantConns {
				t.Errorf("%d connections, want %d", n, tt.wantConns)
			}
		})
	}
}

// scripted is a raw TCP server: each accepted connection runs serve.
func scripted(t *testing.T, serve func(n int, c net.Conn, br *bufio.Reader)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for n := 1; ; n++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(n int) {
				defer c.Close()
				serve(n, c, bufio.NewReader(c))
			}(n)
		}
	}()
	return "http://" + ln.Addr().String()
}

// readRequest reads one request and its body; false at EOF.
func readRequest(br *bufio.Reader) (string, bool) {
	req, err := http.ReadRequest(br)
	if err != nil {
		return "", false
	}
	b, _ := io.ReadAll(req.Body)
	return string(b), true
}

func TestStaleConnectionIsRetriedOnce(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	// Each connection answers one request, keep-alive, then closes without
	// a word: the next request written on it finds it dead.
	target := scripted(t, func(_ int, c net.Conn, br *bufio.Reader) {
		body, ok := readRequest(br)
		if !ok {
			return
		}
		mu.Lock()
		bodies = append(bodies, body)
		mu.Unlock()
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		time.Sleep(20 * time.Millisecond) // the client puts the connection back
	})
	tr := &Transport{Fallback: &fallback{}}
	for i := 0; i < 3; i++ {
		_, body := roundTrip(t, tr, post(t, context.Background(), target, fmt.Sprintf("req %d", i), nil))
		if body != "ok" {
			t.Fatalf("request %d: body %q", i, body)
		}
		time.Sleep(50 * time.Millisecond) // the server has closed the kept connection
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(bodies, ",") != "req 0,req 1,req 2" {
		t.Errorf("server received %q, want each request once", bodies)
	}
}

func TestPartialAnswerIsAnErrorNotARetry(t *testing.T) {
	var requests atomic.Int32
	target := scripted(t, func(_ int, c net.Conn, br *bufio.Reader) {
		for {
			if _, ok := readRequest(br); !ok {
				return
			}
			if requests.Add(1) == 1 {
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
				continue
			}
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Le") // and hang up
			return
		}
	})
	tr := &Transport{Fallback: &fallback{}}
	roundTrip(t, tr, post(t, context.Background(), target, "first", nil))
	if _, err := tr.RoundTrip(post(t, context.Background(), target, "second", nil)); err == nil {
		t.Fatal("a cut answer was not an error")
	}
	if n := requests.Load(); n != 2 {
		t.Errorf("server received %d requests, want 2 (the cut one is not sent again)", n)
	}
}

func TestInformationalAnswersAreSkipped(t *testing.T) {
	target := scripted(t, func(_ int, c net.Conn, br *bufio.Reader) {
		readRequest(br)
		io.WriteString(c, "HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\ndone")
	})
	resp, body := roundTrip(t, &Transport{Fallback: &fallback{}}, post(t, context.Background(), target, "x", nil))
	if resp.StatusCode != 201 || body != "done" {
		t.Errorf("got %d %q, want 201 done", resp.StatusCode, body)
	}
}

func TestTimeoutAndCancel(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	target := scripted(t, func(_ int, c net.Conn, br *bufio.Reader) {
		readRequest(br)
		<-release
	})
	tr := &Transport{Fallback: &fallback{}}
	tests := []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		want error
	}{
		{"deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 50*time.Millisecond)
		}, context.DeadlineExceeded},
		{"cancel without deadline", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(50*time.Millisecond, cancel)
			return ctx, cancel
		}, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := tt.ctx()
			defer cancel()
			done := make(chan error, 1)
			go func() {
				_, err := tr.RoundTrip(post(t, ctx, target, "x", nil))
				done <- err
			}()
			select {
			case err := <-done:
				if !errors.Is(err, tt.want) {
					t.Errorf("err %v, want %v", err, tt.want)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("RoundTrip did not return")
			}
		})
	}
}

func TestWhatGoesToFallback(t *testing.T) {
	srv, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "lean") })
	viaProxy := func(r *http.Request) (*url.URL, error) { return url.Parse("http://proxy.example:3128") }
	unknownLength := post(t, context.Background(), srv.URL, "x", nil)
	unknownLength.ContentLength = -1
	noGetBody := post(t, context.Background(), srv.URL, "x", nil)
	noGetBody.GetBody = nil
	get, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	tests := []struct {
		name  string
		req   *http.Request
		proxy func(*http.Request) (*url.URL, error)
		lean  bool
	}{
		{"plain http POST", post(t, context.Background(), srv.URL, "x", nil), nil, true},
		{"empty body", post(t, context.Background(), srv.URL, "", nil), nil, true},
		{"https", post(t, context.Background(), strings.Replace(srv.URL, "http:", "https:", 1), "x", nil), nil, false},
		{"GET", get, nil, false},
		{"body of unknown length", unknownLength, nil, false},
		{"body that cannot be sent again", noGetBody, nil, false},
		{"a proxy applies", post(t, context.Background(), srv.URL, "x", nil), viaProxy, false},
		{"user:password@ in the URL", post(t, context.Background(), strings.Replace(srv.URL, "http://", "http://u:p@", 1), "x", nil), nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fb := &fallback{}
			before := conns.Load()
			_, body := roundTrip(t, &Transport{Fallback: fb, Proxy: tt.proxy}, tt.req)
			if lean := fb.calls.Load() == 0 && body == "lean"; lean != tt.lean {
				t.Errorf("served here = %v (body %q, fallback calls %d, new connections %d), want %v",
					lean, body, fb.calls.Load(), conns.Load()-before, tt.lean)
			}
		})
	}
}

func TestBadHeadersAreRefused(t *testing.T) {
	var requests atomic.Int32
	srv, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) { requests.Add(1) })
	for _, h := range []http.Header{
		{"X-Evil": {"a\r\nX-Injected: 1"}},
		{"X-Evil": {"a\nb"}},
		{"Bad Name": {"v"}},
		{"Bad:Name": {"v"}},
		{"X(Bad)": {"v"}},
		{"X-Nul": {"a\x00b"}},
	} {
		if _, err := (&Transport{Fallback: &fallback{}}).RoundTrip(post(t, context.Background(), srv.URL, "x", h)); err == nil {
			t.Errorf("header %v accepted", h)
		}
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("%d requests reached the server", n)
	}
}

func TestDialErrorIsReturned(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	_, err := (&Transport{Fallback: &fallback{}}).RoundTrip(post(t, context.Background(), "http://"+addr+"/", "x", nil))
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "dial" {
		t.Errorf("err %v, want a dial error", err)
	}
}

func TestConcurrentRoundTrips(t *testing.T) {
	srv, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Write(bytes.ToUpper(b))
	})
	tr := &Transport{Fallback: &fallback{}, MaxIdlePerHost: 8}
	defer tr.CloseIdleConnections()
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				want := fmt.Sprintf("worker %d request %d", w, i)
				resp, err := tr.RoundTrip(post(t, context.Background(), srv.URL, want, nil))
				if err != nil {
					t.Error(err)
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if string(b) != strings.ToUpper(want) {
					t.Errorf("got %q for %q", b, want)
				}
			}
		}()
	}
	wg.Wait()
	if n := conns.Load(); n > 8 {
		t.Errorf("%d connections for 8 workers", n)
	}
}

func TestEarlyAnswerToALargeBody(t *testing.T) {
	// The server answers 413 after the headers and hangs up without reading
	// the 8 MiB body: the write fails, the answer is still the result.
	target := scripted(t, func(_ int, c net.Conn, br *bufio.Reader) {
		if _, err := http.ReadRequest(br); err != nil {
			return
		}
		io.WriteString(c, "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 9\r\nConnection: close\r\n\r\ntoo large")
		c.(*net.TCPConn).CloseWrite()
		time.Sleep(100 * time.Millisecond)
		c.(*net.TCPConn).SetLinger(0) // reset: the client's write fails
	})
	resp, body := roundTrip(t, &Transport{Fallback: &fallback{}}, post(t, context.Background(), target, strings.Repeat("x", 8<<20), nil))
	if resp.StatusCode != http.StatusRequestEntityTooLarge || body != "too large" {
		t.Errorf("got %d %q, want 413 too large", resp.StatusCode, body)
	}
}

func TestUnsolicitedBytesRetireTheConnection(t *testing.T) {
	srvConns := 0
	var mu sync.Mutex
	target := scripted(t, func(_ int, c net.Conn, br *bufio.Reader) {
		mu.Lock()
		srvConns++
		mu.Unlock()
		for {
			if _, ok := readRequest(br); !ok {
				return
			}
			// One answer, then bytes no request asked for.
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstale")
		}
	})
	tr := &Transport{Fallback: &fallback{}}
	for i := 0; i < 2; i++ {
		if _, body := roundTrip(t, tr, post(t, context.Background(), target, "x", nil)); body != "ok" {
			t.Fatalf("request %d got %q, want ok (not the stale answer)", i, body)
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if srvConns != 2 {
		t.Errorf("%d connections, want 2 (the first was out of step)", srvConns)
	}
}
