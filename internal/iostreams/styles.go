package iostreams

import (
	"github.com/charmbracelet/lipgloss"
)

// Styles is the palette shared by every command. Built once per IOStreams.
type Styles struct {
	r *lipgloss.Renderer

	Bold    lipgloss.Style
	Muted   lipgloss.Style
	Success lipgloss.Style
	Failure lipgloss.Style
	Warning lipgloss.Style
	Accent  lipgloss.Style
	Header  lipgloss.Style
	Key     lipgloss.Style

	// JSON syntax colours.
	JSONKey    lipgloss.Style
	JSONString lipgloss.Style
	JSONNumber lipgloss.Style
	JSONLit    lipgloss.Style
}

func newStyles(r *lipgloss.Renderer) *Styles {
	return &Styles{
		r:          r,
		Bold:       r.NewStyle().Bold(true),
		Muted:      r.NewStyle().Foreground(lipgloss.Color("245")),
		Success:    r.NewStyle().Foreground(lipgloss.Color("42")),
		Failure:    r.NewStyle().Foreground(lipgloss.Color("203")),
		Warning:    r.NewStyle().Foreground(lipgloss.Color("214")),
		Accent:     r.NewStyle().Foreground(lipgloss.Color("81")),
		Header:     r.NewStyle().Bold(true).Foreground(lipgloss.Color("252")),
		Key:        r.NewStyle().Foreground(lipgloss.Color("245")),
		JSONKey:    r.NewStyle().Foreground(lipgloss.Color("75")),
		JSONString: r.NewStyle().Foreground(lipgloss.Color("114")),
		JSONNumber: r.NewStyle().Foreground(lipgloss.Color("215")),
		JSONLit:    r.NewStyle().Foreground(lipgloss.Color("176")),
	}
}

// Renderer is the lipgloss renderer bound to stdout.
func (s *Styles) Renderer() *lipgloss.Renderer { return s.r }

// SuccessIcon, FailureIcon and WarningIcon are the status marks.
func (s *Styles) SuccessIcon() string { return s.Success.Render("✓") }
func (s *Styles) FailureIcon() string { return s.Failure.Render("✗") }
func (s *Styles) WarningIcon() string { return s.Warning.Render("!") }
