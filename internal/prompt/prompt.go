// Package prompt asks people questions on a terminal. Commands depend on the
// Prompter interface so tests can answer with a Fake.
package prompt

import (
	"errors"
	"io"

	"github.com/AlecAivazis/survey/v2"
	"github.com/AlecAivazis/survey/v2/terminal"

	"github.com/hookctl/hookctl/internal/apperr"
)

// Prompter asks questions. Every method returns an apperr.ErrInterrupted
// error when the person presses Ctrl-C.
type Prompter interface {
	Confirm(message string, defaultValue bool) (bool, error)
	Input(message, defaultValue string) (string, error)
	Select(message string, options []string, defaultIndex int) (int, error)
}

// Survey is the Prompter over github.com/AlecAivazis/survey/v2.
type Survey struct {
	in  terminal.FileReader
	out terminal.FileWriter
	err io.Writer
}

// NewSurvey prompts on the given terminal streams.
func NewSurvey(in terminal.FileReader, out terminal.FileWriter, errOut io.Writer) *Survey {
	return &Survey{in: in, out: out, err: errOut}
}

func (s *Survey) ask(p survey.Prompt, answer any, opts ...survey.AskOpt) error {
	opts = append(opts, survey.WithStdio(s.in, s.out, s.err), survey.WithShowCursor(true))
	err := survey.AskOne(p, answer, opts...)
	if errors.Is(err, terminal.InterruptErr) {
		return apperr.New(apperr.ErrInterrupted, "interrupted")
	}
	return err
}

func (s *Survey) Confirm(message string, defaultValue bool) (bool, error) {
	var ok bool
	err := s.ask(&survey.Confirm{Message: message, Default: defaultValue}, &ok)
	return ok, err
}

func (s *Survey) Input(message, defaultValue string) (string, error) {
	var v string
	err := s.ask(&survey.Input{Message: message, Default: defaultValue}, &v)
	return v, err
}

func (s *Survey) Select(message string, options []string, defaultIndex int) (int, error) {
	var i int
	p := &survey.Select{Message: message, Options: options}
	if defaultIndex >= 0 && defaultIndex < len(options) {
		p.Default = options[defaultIndex]
	}
	err := s.ask(p, &i)
	return i, err
}
