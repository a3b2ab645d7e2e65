package cmdutil

import (
	"fmt"
	"os/exec"
	"runtime"

	"github.com/google/shlex"
)

// BrowserOpener opens URLs with $BROWSER when set (a command; the URL is
// its last argument), else the platform's opener: xdg-open, open (macOS)
// or the URL handler (Windows). It does not wait for the browser.
func BrowserOpener(getenv func(string) string) func(url string) error {
	return func(url string) error {
		var args []string
		if b := getenv("BROWSER"); b != "" {
			parts, err := shlex.Split(b)
			if err != nil || len(parts) == 0 {
				return fmt.Errorf("cannot parse $BROWSER %q", b)
			}
			args = append(parts, url)
		} else {
			switch runtime.GOOS {
			case "darwin":
				args = []string{"open", url}
			case "windows":
				args = []string{"rundll32", "url.dll,FileProtocolHandler", url}
			default:
				args = []string{"xdg-open", url}
			}
		}
		cmd := exec.Command(args[0], args[1:]...)
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("open a browser with %s: %w (open the URL yourself)", args[0], err)
		}
		go cmd.Wait() // reap it; the browser outlives the opener
		return nil
	}
}
