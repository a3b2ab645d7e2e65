package prompt

import "fmt"

// Fake answers prompts from functions set by a test. A prompt whose function
// is nil fails the call, so an unexpected question is caught.
type Fake struct {
	ConfirmFunc func(message string, defaultValue bool) (bool, error)
	InputFunc   func(message, defaultValue string) (string, error)
	SelectFunc  func(message string, options []string, defaultIndex int) (int, error)
	// Asked records every message shown, in order.
	Asked []string
}

func (f *Fake) Confirm(message string, defaultValue bool) (bool, error) {
	f.Asked = append(f.Asked, message)
	if f.ConfirmFunc == nil {
		return false, fmt.Errorf("unexpected confirm prompt %q", message)
	}
	return f.ConfirmFunc(message, defaultValue)
}

func (f *Fake) Input(message, defaultValue string) (string, error) {
	f.Asked = append(f.Asked, message)
	if f.InputFunc == nil {
		return "", fmt.Errorf("unexpected input prompt %q", message)
	}
	return f.InputFunc(message, defaultValue)
}

func (f *Fake) Select(message string, options []string, defaultIndex int) (int, error) {
	f.Asked = append(f.Asked, message)
	if f.SelectFunc == nil {
		return 0, fmt.Errorf("unexpected select prompt %q", message)
	}
	return f.SelectFunc(message, options, defaultIndex)
}
