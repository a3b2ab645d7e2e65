package tcpproxy

import (
	"bufio"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// echoServer answers every line with the same line.
func echoServer(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				io.Copy(c, c)
			}()
		}
	}()
	return ln.Addr().String()
}

func dial(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return c, bufio.NewReader(c)
}

func roundTrip(c net.Conn, r *bufio.Reader, line string) (string, error) {
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		return "", err
	}
	got, err := r.ReadString('\n')
	return strings.TrimSuffix(got, "\n"), err
}

func mustEcho(t *testing.T, c net.Conn, r *bufio.Reader, line string) {
	t.Helper()
	got, err := roundTrip(c, r, line)
	if err != nil || got != line {
		t.Fatalf("echo %q: got %q, %v", line, got, err)
	}
}

// mustBeClosed checks that the proxy ended c: a read ends with EOF or a reset.
func mustBeClosed(t *testing.T, c net.Conn, r *bufio.Reader) {
	t.Helper()
	io.WriteString(c, "after cut\n") // may or may not fail
	got, err := r.ReadString('\n')
	if err == nil {
		t.Fatalf("connection still carries data after cut: %q", got)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("connection not closed by cut (read timed out)")
	}
}

func TestProxyCutRestore(t *testing.T) {
	addr, cut, restore := Start(t, echoServer(t))
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Fatalf("proxy address %q", addr)
	}

	c1, r1 := dial(t, addr)
	c2, r2 := dial(t, addr)
	mustEcho(t, c1, r1, "one")
	mustEcho(t, c2, r2, "two")

	cut()
	mustBeClosed(t, c1, r1)
	mustBeClosed(t, c2, r2)
	// new connections are refused while cut
	for i := 0; i < 3; i++ {
		c, r := dial(t, addr)
		mustBeClosed(t, c, r)
	}
	cut() // idempotent

	restore()
	c3, r3 := dial(t, addr)
	mustEcho(t, c3, r3, "three")
	mustEcho(t, c3, r3, strings.Repeat("x", 100000))

	// a second outage
	cut()
	mustBeClosed(t, c3, r3)
	restore()
	restore()
	c4, r4 := dial(t, addr)
	mustEcho(t, c4, r4, "four")
}

func TestProxyTargetDown(t *testing.T) {
	// nothing listens on the target: clients see their connection closed
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	target := ln.Addr().String()
	ln.Close()
	addr, _, _ := Start(t, target)
	c, r := dial(t, addr)
	mustBeClosed(t, c, r)
}

// The server ending a connection ends the client's side too.
func TestProxyServerCloses(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			io.WriteString(c, "bye\n")
			c.Close()
		}
	}()
	addr, _, _ := Start(t, ln.Addr().String())
	c, r := dial(t, addr)
	if got, err := r.ReadString('\n'); got != "bye\n" || err != nil {
		t.Fatalf("got %q, %v", got, err)
	}
	if _, err := r.ReadString('\n'); err != io.EOF {
		t.Fatalf("after the server closed: %v, want EOF", err)
	}
	_ = c
}
