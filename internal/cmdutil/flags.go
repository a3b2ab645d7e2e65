package cmdutil

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/apperr"
)

// ExactArgs is cobra.ExactArgs with a usage error that says what is missing.
func ExactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) < n:
			return apperr.Usagef("missing %s: usage: %s", what, cmd.UseLine())
		case len(args) > n:
			return apperr.Usagef("too many arguments %q: usage: %s", args[n:], cmd.UseLine())
		}
		return nil
	}
}

// MaxArgs allows at most n arguments.
func MaxArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > n {
			return apperr.Usagef("too many arguments %q: usage: %s", args[n:], cmd.UseLine())
		}
		return nil
	}
}

// NoArgs rejects positional arguments.
var NoArgs = MaxArgs(0)

// Group makes cmd a command group: run bare it shows help; with an unknown
// subcommand it fails with a usage error instead of silently printing help.
func Group(cmd *cobra.Command) *cobra.Command {
	cmd.Args = func(c *cobra.Command, args []string) error {
		if len(args) > 0 {
			return apperr.Usagef("unknown command %q for %q (run \"%s --help\")", args[0], c.CommandPath(), c.CommandPath())
		}
		return nil
	}
	cmd.RunE = func(c *cobra.Command, args []string) error { return c.Help() }
	return cmd
}

// MutuallyExclusive fails when more than one condition holds.
func MutuallyExclusive(message string, conditions ...bool) error {
	n := 0
	for _, c := range conditions {
		if c {
			n++
		}
	}
	if n > 1 {
		return apperr.Usagef("%s", message)
	}
	return nil
}

// ParseHeader parses "Key: Value" (also "Key:Value" and "Key=Value").
func ParseHeader(s string) (key, value string, err error) {
	k, v, ok := strings.Cut(s, ":")
	if !ok {
		k, v, ok = strings.Cut(s, "=")
	}
	k = strings.TrimSpace(k)
	if !ok || k == "" || strings.ContainsAny(k, " \t") {
		return "", "", apperr.Usagef("invalid header %q: use 'Name: value'", s)
	}
	v = strings.TrimSpace(v)
	if strings.ContainsAny(v, "\r\n") {
		return "", "", apperr.Usagef("invalid header %q: line breaks are not allowed", s)
	}
	return http.CanonicalHeaderKey(k), v, nil
}

// ParseHeaders parses several --header values into a map.
func ParseHeaders(values []string) (map[string]string, error) {
	if len(values) == 0 {
		return nil, nil
	}
	h := make(map[string]string, len(values))
	for _, s := range values {
		k, v, err := ParseHeader(s)
		if err != nil {
			return nil, err
		}
		h[k] = v
	}
	return h, nil
}

// FlagErrorFunc turns pflag parse errors into usage errors.
func FlagErrorFunc(cmd *cobra.Command, err error) error {
	if errors.Is(err, apperr.ErrUsage) {
		return err
	}
	return apperr.Wrap(apperr.ErrUsage, err, "%v (run \"%s --help\")", err, cmd.CommandPath())
}

// NeedsFlagError is the error of a command that would prompt but cannot.
func NeedsFlagError(flag, why string) error {
	return apperr.Usagef("%s: pass %s (no terminal to ask on)", why, flag)
}

// Plural returns "1 thing" or "n things".
func Plural(n int, singular, plural string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", singular)
	}
	return fmt.Sprintf("%d %s", n, plural)
}

// ErrSilent marks an error whose details the command already printed;
// Main maps its kind to the exit code without printing "Error: …".
var ErrSilent = errors.New("already reported")

// SilentError returns an error of the given kind that Main does not print.
func SilentError(kind error, msg string) error { return apperr.Wrap(kind, ErrSilent, "%s", msg) }
