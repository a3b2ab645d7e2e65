package cmdutil

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/signature"
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
			return UnknownCommandError(c, args[0]) // with "Did you mean this?" (suggest.go)
		}
		return nil
	}
	cmd.RunE = func(c *cobra.Command, args []string) error { return c.Help() }
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[groupAnnotation] = ""
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

// FlagErrorFunc turns pflag parse errors into usage errors. A flag value
// that parses itself (StringEnumFlag, Rate, Since …) already says what is
// wrong with a usage error naming the flag: that error is returned as it
// is, without pflag's "invalid argument … for … flag:" around it.
func FlagErrorFunc(cmd *cobra.Command, err error) error {
	// `wc creat --url …`: the group does not know --url because "creat"
	// is no subcommand; say that, not "unknown flag".
	if unknown := unknownSubcommand(cmd); unknown != nil {
		return unknown
	}
	var bad *pflag.InvalidValueError
	if errors.As(err, &bad) && errors.Is(bad.Unwrap(), apperr.ErrUsage) {
		return bad.Unwrap()
	}
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

// StringEnumFlag registers --name (and -shorthand, if not "") taking one of
// options, bound to p with the default def (which may be "", for "not
// given"). A value not among options fails while the command line is
// parsed: `invalid --name "x": use a, b or c`. The options are appended to
// the usage ("{a|b|c}") and complete in the shell.
func StringEnumFlag(cmd *cobra.Command, p *string, name, shorthand, def string, options []string, usage string) *pflag.Flag {
	return enumFlag(cmd, cmd.Flags(), p, name, shorthand, def, options, usage, nil)
}

// StringEnumPersistentFlag is StringEnumFlag for a persistent flag (one
// the subcommands inherit, such as -o/--output).
func StringEnumPersistentFlag(cmd *cobra.Command, p *string, name, shorthand, def string, options []string, usage string) *pflag.Flag {
	return enumFlag(cmd, cmd.PersistentFlags(), p, name, shorthand, def, options, usage, nil)
}

// SchemeFlag registers --scheme taking a webhook config's signature scheme
// (model.ConfigSchemes), and with auto also "auto" (detect from the
// headers). An unknown scheme fails as backend.ValidateScheme says.
func SchemeFlag(cmd *cobra.Command, p *string, auto bool, usage string) *pflag.Flag {
	options := model.ConfigSchemes
	if auto {
		options = append([]string{signature.Auto}, options...)
	}
	return enumFlag(cmd, cmd.Flags(), p, "scheme", "", "", options, usage, backend.ValidateScheme)
}

func enumFlag(cmd *cobra.Command, fs *pflag.FlagSet, p *string, name, shorthand, def string, options []string, usage string, invalid func(string) error) *pflag.Flag {
	*p = def
	v := &enumValue{p: p, name: name, options: options, invalid: invalid}
	f := fs.VarPF(v, name, shorthand, strings.TrimSpace(usage+" {"+strings.Join(options, "|")+"}"))
	_ = cmd.RegisterFlagCompletionFunc(name, cobra.FixedCompletions(options, cobra.ShellCompDirectiveNoFileComp))
	return f
}

// enumValue is the pflag.Value of StringEnumFlag.
type enumValue struct {
	p       *string
	name    string
	options []string
	invalid func(string) error // the error for a value not in options; nil: the usual one
}

func (e *enumValue) Set(s string) error {
	if slices.Contains(e.options, s) {
		*e.p = s
		return nil
	}
	if e.invalid != nil {
		if err := e.invalid(s); err != nil {
			return err
		}
	}
	return apperr.Usagef("invalid --%s %q: use %s", e.name, s, OrList(e.options))
}

func (e *enumValue) String() string { return *e.p }
func (e *enumValue) Type() string   { return "string" }

// OrList joins options for a message: "a", "a or b", "a, b or c".
func OrList(options []string) string {
	switch len(options) {
	case 0:
		return ""
	case 1:
		return options[0]
	}
	return strings.Join(options[:len(options)-1], ", ") + " or " + options[len(options)-1]
}
