//go:build !windows

package configinstance

import (
	"context"
	"strings"
	"testing"
	"time"

	expect "github.com/Netflix/go-expect"
	pseudotty "github.com/creack/pty"
	"github.com/hinshun/vt10x"

	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/prompt"
)

// TestReviewPTY drives the survey-backed prompter through a real
// pseudo-terminal, as survey's own tests do: pick the second validating
// instance with the arrow key, approve with a message, confirm the deploy.
func TestReviewPTY(t *testing.T) {
	pty, tty, err := pseudotty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal available: %v", err)
	}
	term := vt10x.New(vt10x.WithWriter(tty))
	c, err := expect.NewConsole(expect.WithStdin(pty), expect.WithStdout(term), expect.WithCloser(pty, tty),
		expect.WithDefaultTimeout(20*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	env := newTestEnv(t, true, nil)
	env.f.Prompter = func() prompt.Prompter { return prompt.NewSurvey(c.Tty(), c.Tty(), c.Tty()) }
	ctx := context.Background()
	old := env.create(t, "dvc_1", "/v1/m.json", `{"speed":3}`)
	if _, err := env.be.ApproveConfigInstance(ctx, old.ID, backend.ApproveConfigInstanceRequest{Message: "ok"}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.be.DeployConfigInstance(ctx, old.ID, false); err != nil {
		t.Fatal(err)
	}
	first := env.create(t, "dvc_2", "/other.json", `{}`)
	ci := env.create(t, "dvc_1", "/v1/m.json", `{"speed":5}`)

	donec := make(chan struct{})
	go func() {
		defer close(donec)
		steps := []struct{ expect, send string }{
			{"Which config instance?", string(rune(27)) + "[B"}, // arrow down to the second
			{ci.ID, "\r"},
			{"Decision for " + ci.ID, "\r"}, // Approve is the default
			{"Approval message", "Speed within limits\r"},
			{"It replaces " + old.ID, "y\r"},
			// Then the one left, dvc_2's, by itself: quit (the fourth decision).
			{"Decision for " + first.ID, strings.Repeat(string(rune(27))+"[B", 3)},
			{"Quit", "\r"},
		}
		for _, s := range steps {
			if _, err := c.ExpectString(s.expect); err != nil {
				t.Errorf("expect %q: %v\nscreen:\n%s", s.expect, err, term.String())
				return
			}
			if _, err := c.Send(s.send); err != nil {
				t.Errorf("send %q: %v", s.send, err)
				return
			}
		}
		if _, err := c.ExpectEOF(); err != nil {
			t.Errorf("expect EOF: %v", err)
		}
	}()

	runErr := execute(NewCmdReview(env.f, nil))
	if err := c.Tty().Close(); err != nil {
		t.Errorf("close tty: %v", err)
	}
	<-donec
	if runErr != nil {
		t.Fatalf("review: %v\nscreen:\n%s", runErr, term.String())
	}
	if got := env.get(t, ci.ID); got.Status != model.ConfigInstanceDeployed || got.Message != "Speed within limits" {
		t.Errorf("reviewed = %s %q", got.Status, got.Message)
	}
	if got := env.get(t, old.ID); got.Status != model.ConfigInstanceRemoved {
		t.Errorf("old = %s", got.Status)
	}
	if got := env.get(t, first.ID); got.Status != model.ConfigInstanceValidating {
		t.Errorf("first = %s, want untouched", got.Status)
	}
}
