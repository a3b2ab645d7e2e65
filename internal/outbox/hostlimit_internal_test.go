package outbox

import (
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/store"
)

func TestTargetHost(t *testing.T) {
	for in, want := range map[string]string{
		"http://Example.COM/hook":       "example.com:80",
		"https://example.com/hook":      "example.com:443",
		"http://example.com:8080/":      "example.com:8080",
		"http://[::1]:9/":               "[::1]:9",
		"HTTPS://a.example":             "a.example:443",
		"http://user:pw@b.example:81/x": "b.example:81",
	} {
		if got := targetHost(in); got != want {
			t.Errorf("targetHost(%q) = %q, want %q", in, got, want)
		}
	}
}

// One worker: a host with an attempt in flight parks its next entry, a
// host with nothing in flight starts beyond the worker count, a row
// claimed again while held is not attempted twice, and closing the
// entries releases what is parked.
func TestHostScheduler(t *testing.T) {
	started := make(chan string, 10)
	unblock := make(chan struct{})
	released := make(chan string, 10)
	s := newHostScheduler(1, 2,
		func(e store.OutboxEntry) { started <- e.DeliveryID; <-unblock },
		func(e store.OutboxEntry) { released <- e.DeliveryID })
	entries := make(chan store.OutboxEntry)
	done := make(chan struct{})
	go func() { defer close(done); s.loop(entries) }()
	entry := func(id, url string) store.OutboxEntry {
		return store.OutboxEntry{DeliveryID: id, Job: []byte(`{"url":"` + url + `"}`)}
	}
	expect := func(want string) {
		t.Helper()
		select {
		case got := <-started:
			if got != want {
				t.Fatalf("started %s, want %s", got, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s not started", want)
		}
	}
	entries <- entry("a1", "http://a.example/")
	expect("a1")
	entries <- entry("a2", "http://a.example/") // 1 worker busy: parked
	entries <- entry("a1", "http://a.example/") // claimed again: ignored
	entries <- entry("b1", "http://b.example/") // b has nothing in flight
	expect("b1")
	close(entries) // a2 was not started: released
	select {
	case id := <-released:
		if id != "a2" {
			t.Fatalf("released %s", id)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a2 not released")
	}
	close(unblock)
	<-done
	if len(started) != 0 {
		t.Fatalf("%d more attempts started", len(started))
	}
}
