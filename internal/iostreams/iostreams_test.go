package iostreams

import (
	"strings"
	"testing"
)

func TestColourFromEnv(t *testing.T) {
	tests := []struct {
		name string
		tty  bool
		env  map[string]string
		want bool
	}{
		{"tty", true, nil, true},
		{"pipe", false, nil, false},
		{"NO_COLOR on tty", true, map[string]string{"NO_COLOR": "1"}, false},
		{"CLICOLOR_FORCE on pipe", false, map[string]string{"CLICOLOR_FORCE": "1"}, true},
		{"CLICOLOR_FORCE=0", false, map[string]string{"CLICOLOR_FORCE": "0"}, false},
		{"NO_COLOR beats CLICOLOR_FORCE", false, map[string]string{"NO_COLOR": "1", "CLICOLOR_FORCE": "1"}, false},
		{"dumb terminal", true, map[string]string{"TERM": "dumb"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := colourFromEnv(tt.tty, func(k string) string { return tt.env[k] })
			if got != tt.want {
				t.Errorf("colourFromEnv = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestStylesHonourColourDecision(t *testing.T) {
	s, _, _, _ := Test()
	if got := s.Styles().Success.Render("ok"); got != "ok" {
		t.Errorf("colour off: got %q, want plain text", got)
	}
	s.SetColour(true)
	if got := s.Styles().Success.Render("ok"); !strings.Contains(got, "\x1b[") {
		t.Errorf("colour on: got %q, want ANSI escapes", got)
	}
}

func TestCanPrompt(t *testing.T) {
	s, _, _, _ := Test()
	if s.CanPrompt() {
		t.Fatal("buffers must not allow prompts")
	}
	s.SetTTY(true)
	if !s.CanPrompt() {
		t.Fatal("terminal stdin+stdout must allow prompts")
	}
	s.SetStdinTTY(false)
	if s.CanPrompt() {
		t.Fatal("piped stdin must not allow prompts")
	}
}
