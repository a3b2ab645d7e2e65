package listener

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Timeouts on the listener's own server (issue 14 point 3).

// serveListener runs l.Serve on a local port until the test ends.
func serveListener(t *testing.T, l *Listener) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- l.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-served:
		case <-time.After(wait):
			t.Error("Serve did not return")
		}
	})
	return ln.Addr().String()
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(wait)) // the test's own bound, far beyond the server's
	return c
}

// A body that stalls after a few bytes is cut off at ReadTimeout: the
// sender gets 408 and the request is recorded as rejected (read_timeout).
func TestSlowBodyIsCutOff(t *testing.T) {
	rec := &memRecorder{}
	ev := &events{}
	got := make(chan Event, 4)
	l, err := New(Config{Recorder: rec, ReadTimeout: 200 * time.Millisecond, OnEvent: func(e Event) { ev.add(e); got <- e }})
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, serveListener(t, l))
	start := time.Now()
	io.WriteString(c, "POST /hooks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"type\":")
	e := recv(t, got, "the request event")
	took := time.Since(start)
	if e.Kind != KindRequest || e.Request.Rejected != RejectReadTimeout || e.Request.Status != http.StatusRequestTimeout {
		t.Fatalf("event %+v %+v", e, e.Request)
	}
	if took < 150*time.Millisecond || took > 5*time.Second {
		t.Errorf("cut off after %s, want about 200ms", took)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 408 || !strings.Contains(string(b), "--read-timeout") {
		t.Errorf("answered %d %s", resp.StatusCode, b)
	}
	// Recorded before it was answered.
	if r := rec.all(); len(r) != 1 || r[0].Rejected != RejectReadTimeout || r[0].Status != 408 || r[0].Path != "/hooks" {
		t.Fatalf("recorded %+v", r)
	}
	if len(ev.kinds(KindError)) != 0 {
		t.Errorf("error events %+v", ev.kinds(KindError))
	}
}

// An idle keep-alive connection is closed after IdleTimeout.
func TestIdleConnectionIsClosed(t *testing.T) {
	l, err := New(Config{ReadTimeout: wait, IdleTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, serveListener(t, l))
	io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != 200 || resp.Close {
		t.Fatalf("answered %d (close %v)", resp.StatusCode, resp.Close)
	}
	start := time.Now()
	_, err = br.ReadByte() // blocks until the server hangs up
	if !errors.Is(err, io.EOF) {
		t.Fatalf("idle connection: %v, want EOF (closed by the server)", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("closed after %s", took)
	}
}

// Defaults apply when the fields are zero.
func TestTimeoutDefaults(t *testing.T) {
	l, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l.cfg.ReadTimeout != DefaultReadTimeout || l.cfg.IdleTimeout != DefaultIdleTimeout || l.cfg.RecordWait != DefaultRecordWait {
		t.Fatalf("%s %s %s", l.cfg.ReadTimeout, l.cfg.IdleTimeout, l.cfg.RecordWait)
	}
	if DefaultReadTimeout != 30*time.Second || DefaultIdleTimeout != 2*time.Minute {
		t.Fatal("defaults changed")
	}
}
