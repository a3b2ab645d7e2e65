package receive

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/cmdtest"
)

func TestSoftCloseListenerKeepsTheInnerListenerOpen(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer inner.Close()
	l := newSoftCloseListener(inner)

	// A connection is accepted through the wrapper.
	go net.Dial("tcp", inner.Addr().String())
	c, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	c.Close()

	// Close unblocks a pending Accept with net.ErrClosed …
	done := make(chan error, 1)
	go func() { _, err := l.Accept(); done <- err }()
	l.Close()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("Accept after Close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Accept still blocked after Close")
	}
	// … but the inner listener still accepts (the session stays up).
	conn, err := net.Dial("tcp", inner.Addr().String())
	if err != nil {
		t.Fatalf("inner listener was closed: %v", err)
	}
	conn.Close()
}

func TestDeadlineOutcome(t *testing.T) {
	live, cancelled := context.Background(), func() context.Context {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		return ctx
	}()
	tests := []struct {
		name      string
		d         *Deadline
		fire      bool
		ctx       context.Context
		runErr    error
		got       int
		wantKind  error
		wantNil   bool
		wantInMsg string
	}{
		{name: "enough events", d: &Deadline{ExitAfter: 2, Timeout: time.Hour}, ctx: live, got: 2, wantNil: true},
		{name: "timeout before N is exit 6", d: &Deadline{ExitAfter: 2, Timeout: time.Millisecond}, fire: true, ctx: live, got: 1,
			wantKind: apperr.ErrExpectation, wantInMsg: "received 1 of 2 matching requests within 1ms"},
		{name: "timeout alone just stops", d: &Deadline{Timeout: time.Millisecond}, fire: true, ctx: live, wantNil: true},
		{name: "interrupted", d: &Deadline{ExitAfter: 2}, ctx: cancelled, got: 1, wantKind: context.Canceled},
		{name: "run error wins", d: &Deadline{ExitAfter: 1}, ctx: live, got: 5, runErr: errors.New("boom"), wantInMsg: "boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stopped := make(chan struct{})
			disarm := tt.d.Arm(func() { close(stopped) })
			if tt.fire {
				select {
				case <-stopped:
				case <-time.After(5 * time.Second):
					t.Fatal("timeout did not call stop")
				}
			}
			disarm()
			err := tt.d.Outcome(tt.ctx, tt.runErr, tt.got, Count{Verb: "received", Noun: "matching requests"})
			if tt.wantNil {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if tt.wantKind != nil && !errors.Is(err, tt.wantKind) {
				t.Fatalf("err = %v, want %v", err, tt.wantKind)
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantInMsg) {
				t.Fatalf("err = %v, want message with %q", err, tt.wantInMsg)
			}
		})
	}
}

func TestOpenReceiverPortInUse(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	env := cmdtest.New(t, false)
	port := busy.Addr().(*net.TCPAddr).Port
	_, err = Open(context.Background(), env.Factory, Socket{Host: "127.0.0.1", Port: port, Path: "/"})
	if err == nil || !strings.Contains(err.Error(), "the port is in use") || !strings.Contains(err.Error(), "--port 0") {
		t.Fatalf("err = %v, want a hint about --port", err)
	}
}
