// Package iostreams holds the standard streams of one hookctl invocation and
// decides, once, whether they are terminals and whether output is coloured.
package iostreams

import (
	"bytes"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/mattn/go-isatty"
	"github.com/muesli/termenv"
	"golang.org/x/term"
)

// IOStreams carries stdin, stdout and stderr plus what we know about them.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY  bool
	stdoutTTY bool
	stderrTTY bool
	colour    bool // stdout
	errColour bool // stderr
	width     int

	styles    *Styles
	errStyles *Styles
}

// System returns the process's streams with TTY detection and the colour
// decision made from the environment (NO_COLOR, CLICOLOR_FORCE, TERM=dumb).
func System() *IOStreams {
	s := &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	s.stdinTTY = isTerminal(os.Stdin)
	s.stdoutTTY = isTerminal(os.Stdout)
	s.stderrTTY = isTerminal(os.Stderr)
	s.width = widthFromEnv(os.Getenv("COLUMNS"))
	if s.width == 0 && s.stdoutTTY {
		if w, _, err := term.GetSize(int(os.Stdout.Fd())); err == nil {
			s.width = w
		}
	}
	s.colour = colourFromEnv(s.stdoutTTY, os.Getenv)
	s.errColour = colourFromEnv(s.stderrTTY, os.Getenv)
	return s
}

func isTerminal(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// colourFromEnv applies the conventions: NO_COLOR (any value) disables,
// CLICOLOR_FORCE (non-zero) enables even when piped, TERM=dumb disables.
func colourFromEnv(tty bool, getenv func(string) string) bool {
	if getenv("NO_COLOR") != "" {
		return false
	}
	if f := getenv("CLICOLOR_FORCE"); f != "" && f != "0" {
		return true
	}
	if getenv("TERM") == "dumb" {
		return false
	}
	return tty
}

// Test returns streams backed by buffers: no TTY, no colour.
func Test() (s *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// SetTTY marks all three streams as terminals (or not); for tests.
func (s *IOStreams) SetTTY(tty bool) {
	s.stdinTTY, s.stdoutTTY, s.stderrTTY = tty, tty, tty
	s.styles = nil
}

// SetStdinTTY and friends let tests model partial terminals.
func (s *IOStreams) SetStdinTTY(tty bool)  { s.stdinTTY = tty }
func (s *IOStreams) SetStdoutTTY(tty bool) { s.stdoutTTY = tty; s.styles = nil }

// DisableColour turns colour off (the --no-color flag).
func (s *IOStreams) DisableColour() { s.SetColour(false) }

// SetColour forces the colour decision for both stdout and stderr; for tests.
func (s *IOStreams) SetColour(on bool) {
	s.colour, s.errColour = on, on
	s.styles, s.errStyles = nil, nil
}

func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }
func (s *IOStreams) ColourEnabled() bool {
	return s.colour
}

// CanPrompt reports whether interactive prompts may be shown: both stdin and
// stdout must be terminals.
func (s *IOStreams) CanPrompt() bool { return s.stdinTTY && s.stdoutTTY }

// widthFromEnv reads COLUMNS: a positive number of columns, else 0.
func widthFromEnv(columns string) int {
	if n, err := strconv.Atoi(strings.TrimSpace(columns)); err == nil && n > 0 {
		return n
	}
	return 0
}

// DefaultWidth is the width assumed when the terminal's is unknown.
const DefaultWidth = 80

// Width is the width of stdout in columns: COLUMNS when set, else the
// terminal's size, else DefaultWidth (80). Tables on a terminal fit it.
func (s *IOStreams) Width() int {
	if s.width > 0 {
		return s.width
	}
	return DefaultWidth
}

// TerminalWidth is Width (kept for existing callers).
func (s *IOStreams) TerminalWidth() int { return s.Width() }

// SetWidth sets the width of stdout (0: unknown, DefaultWidth); for tests.
func (s *IOStreams) SetWidth(columns int) { s.width = columns }

// Styles returns the lipgloss styles bound to stdout, built on first use.
func (s *IOStreams) Styles() *Styles {
	if s.styles == nil {
		s.styles = newStyles(renderer(s.Out, s.colour))
	}
	return s.styles
}

// ErrStyles returns the styles bound to stderr (status lines, errors).
func (s *IOStreams) ErrStyles() *Styles {
	if s.errStyles == nil {
		s.errStyles = newStyles(renderer(s.ErrOut, s.errColour))
	}
	return s.errStyles
}

// renderer binds lipgloss to w with the colour decision already made, so no
// test buffer ever receives escape codes.
func renderer(w io.Writer, colour bool) *lipgloss.Renderer {
	r := lipgloss.NewRenderer(w)
	if colour {
		if r.ColorProfile() == termenv.Ascii {
			r.SetColorProfile(termenv.ANSI256)
		}
	} else {
		r.SetColorProfile(termenv.Ascii)
	}
	r.SetHasDarkBackground(true)
	return r
}

// Indent prefixes every line of text with prefix.
func Indent(text, prefix string) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n") + "\n"
}
