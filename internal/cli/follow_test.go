package cli

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/iostreams"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/store"
	"github.com/hookctl/hookctl/internal/syncbuf"
)

// TestFollowCtrlCExits130Quietly: `deliveries list --follow` runs until
// Ctrl-C (here: ctx cancelled once it printed the page) and then exits 130
// without a word on stderr, as `webhook listen` does.
func TestFollowCtrlCExits130Quietly(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := store.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 23, 11, 0, 0, 0, time.UTC)
	d := &model.Delivery{ID: "dlv_01", RequestID: "msg_1", EventType: "ping", URL: "http://x.test/", RequestHeaders: map[string]string{},
		Payload: []byte(`{}`), State: model.DeliverySucceeded, StatusCode: 200, AttemptCount: 1, CreatedAt: at, UpdatedAt: at}
	local := backend.NewLocal(s, nil)
	if err := local.SaveDeliveries(ctx, []*model.Delivery{d}); err != nil {
		t.Fatal(err)
	}
	local.Close()

	ios, _, _, errOut := iostreams.Test()
	out := &syncbuf.Buffer{}
	ios.Out = out
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	code := make(chan int, 1)
	go func() {
		code <- Run(rctx, []string{"webhook", "deliveries", "list", "--follow", "--interval", "5ms", "-o", "json"}, ios,
			func(k string) string {
				if k == "HOOKCTL_DATA_DIR" {
					return dir
				}
				return ""
			})
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), `"id":"dlv_01"`) {
		select {
		case c := <-code:
			t.Fatalf("exited %d before Ctrl-C; stderr %q", c, errOut.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no output: %q", out.String())
		}
		time.Sleep(time.Millisecond) // polls the ready signal (the line), not waiting for an effect
	}
	cancel()
	select {
	case c := <-code:
		if c != ExitInterrupted || errOut.Len() != 0 {
			t.Errorf("exit %d, stderr %q; want 130 and nothing", c, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("did not stop on Ctrl-C")
	}
}
