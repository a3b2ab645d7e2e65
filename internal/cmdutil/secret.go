package cmdutil

import (
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/apperr"
)

// SecretEnv names the environment variable that supplies a webhook secret
// when neither --secret nor --secret-file is given.
const SecretEnv = "HOOKCTL_WEBHOOK_SECRET"

// SecretFlags is a command's --secret and --secret-file flags. Every command
// that takes a signing secret registers them with AddSecretFlags and reads the
// result with Resolve, so the precedence (flag > file > environment) and the
// errors are the same everywhere.
type SecretFlags struct {
	values []string // --secret (repeatable when multi)
	single string   // --secret when not repeatable
	file   string   // --secret-file
	multi  bool
}

// secretPsNote is appended to every --secret usage line.
const secretPsNote = " (visible in ps: prefer --secret-file or $" + SecretEnv + ")"

// AddSecretFlags registers --secret (repeatable when multi) with the given
// usage and --secret-file on cmd.
func AddSecretFlags(cmd *cobra.Command, multi bool, usage string) *SecretFlags {
	s := &SecretFlags{multi: multi}
	fl := cmd.Flags()
	fileUsage := "read the secret from `PATH` (- for stdin; a trailing newline is dropped)"
	if multi {
		fl.StringArrayVar(&s.values, "secret", nil, usage+secretPsNote)
		fileUsage = "read secrets from `PATH`, one per line (- for stdin)"
	} else {
		fl.StringVar(&s.single, "secret", "", usage+secretPsNote)
	}
	fl.StringVar(&s.file, "secret-file", "", fileUsage)
	return s
}

// Given reports whether --secret or --secret-file was passed.
func (s *SecretFlags) Given() bool {
	return len(s.values) > 0 || s.single != "" || s.file != ""
}

// FromStdin reports whether the secret is to be read from standard input.
func (s *SecretFlags) FromStdin() bool { return s.file == "-" }

// Resolve returns the secrets: --secret, else the contents of --secret-file,
// else $HOOKCTL_WEBHOOK_SECRET when useEnv (callers pass false when another
// source of secrets, such as --config, was chosen). It returns nil when there
// is none. Passing both flags, an unreadable or empty file are usage errors.
func (s *SecretFlags) Resolve(stdin io.Reader, getenv func(string) string, useEnv bool) ([]string, error) {
	flagGiven := len(s.values) > 0 || s.single != ""
	if flagGiven && s.file != "" {
		return nil, apperr.Usagef("use either --secret or --secret-file, not both")
	}
	switch {
	case len(s.values) > 0:
		return s.values, nil
	case s.single != "":
		return []string{s.single}, nil
	case s.file != "":
		data, err := readSecretFile(s.file, stdin)
		if err != nil {
			return nil, err
		}
		secrets, err := s.parse(data)
		if err != nil {
			return nil, apperr.Usagef("--secret-file %s: %v", s.file, err)
		}
		return secrets, nil
	case useEnv && getenv != nil && getenv(SecretEnv) != "":
		secrets, err := s.parse(getenv(SecretEnv))
		if err != nil {
			return nil, apperr.Usagef("$%s: %v", SecretEnv, err)
		}
		return secrets, nil
	}
	return nil, nil
}

func readSecretFile(path string, stdin io.Reader) (string, error) {
	var (
		data []byte
		err  error
	)
	if path == "-" {
		if stdin == nil {
			return "", apperr.Usagef("--secret-file -: no standard input")
		}
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return "", apperr.Usagef("--secret-file: cannot read %s: %v", path, err)
	}
	return string(data), nil
}

// parse splits the text of a file or variable into secrets: one per line
// when the flag is repeatable (blank lines skipped), else the whole text
// without its trailing newline.
func (s *SecretFlags) parse(text string) ([]string, error) {
	if !s.multi {
		v := strings.TrimSuffix(text, "\n")
		v = strings.TrimSuffix(v, "\r")
		switch {
		case v == "":
			return nil, errf("no secret in it")
		case strings.ContainsAny(v, "\r\n"):
			return nil, errf("it holds several lines; this command takes one secret")
		}
		return []string{v}, nil
	}
	var out []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line != "" {
			out = append(out, line)
		}
	}
	if len(out) == 0 {
		return nil, errf("no secret in it")
	}
	return out, nil
}

type secretErr string

func (e secretErr) Error() string { return string(e) }

func errf(s string) error { return secretErr(s) }
