package cmdutil

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/apperr"
)

func TestSecretFlagsResolve(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	one := write("one", "whsec_file\n")
	crlf := write("crlf", "whsec_file\r\n")
	two := write("two", "s1\n\ns2\r\n")
	empty := write("empty", "\n")
	missing := filepath.Join(dir, "missing")

	tests := []struct {
		name    string
		multi   bool
		args    []string
		stdin   string
		env     string
		noEnv   bool
		want    []string
		wantErr string
	}{
		{name: "nothing", want: nil},
		{name: "flag", args: []string{"--secret", "s"}, want: []string{"s"}},
		{name: "flag beats env", args: []string{"--secret", "s"}, env: "e", want: []string{"s"}},
		{name: "repeated flag", multi: true, args: []string{"--secret", "a", "--secret", "b"}, want: []string{"a", "b"}},
		{name: "file trims newline", args: []string{"--secret-file", one}, want: []string{"whsec_file"}},
		{name: "file trims crlf", args: []string{"--secret-file", crlf}, want: []string{"whsec_file"}},
		{name: "file beats env", args: []string{"--secret-file", one}, env: "e", want: []string{"whsec_file"}},
		{name: "file one per line", multi: true, args: []string{"--secret-file", two}, want: []string{"s1", "s2"}},
		{name: "file several lines single", args: []string{"--secret-file", two}, wantErr: "several lines"},
		{name: "stdin", args: []string{"--secret-file", "-"}, stdin: "from-stdin\n", want: []string{"from-stdin"}},
		{name: "stdin multi", multi: true, args: []string{"--secret-file", "-"}, stdin: "a\nb\n", want: []string{"a", "b"}},
		{name: "env", env: "whsec_env", want: []string{"whsec_env"}},
		{name: "env trailing newline", env: "whsec_env\n", want: []string{"whsec_env"}},
		{name: "env not wanted", env: "whsec_env", noEnv: true, want: nil},
		{name: "both flags", args: []string{"--secret", "s", "--secret-file", one}, wantErr: "either --secret or --secret-file"},
		{name: "unreadable file", args: []string{"--secret-file", missing}, wantErr: missing},
		{name: "empty file", args: []string{"--secret-file", empty}, wantErr: "no secret"},
		{name: "empty file multi", multi: true, args: []string{"--secret-file", empty}, wantErr: "no secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := &cobra.Command{Use: "x", RunE: func(*cobra.Command, []string) error { return nil }}
			s := AddSecretFlags(cmd, tt.multi, "signing secret")
			if err := cmd.ParseFlags(tt.args); err != nil {
				t.Fatal(err)
			}
			getenv := func(k string) string {
				if k == SecretEnv {
					return tt.env
				}
				return ""
			}
			got, err := s.Resolve(strings.NewReader(tt.stdin), getenv, !tt.noEnv)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				if !errors.Is(err, apperr.ErrUsage) {
					t.Fatalf("err = %v is not a usage error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSecretFlagsHelpMentionsPs(t *testing.T) {
	cmd := &cobra.Command{Use: "x"}
	AddSecretFlags(cmd, false, "signing secret")
	if u := cmd.Flags().Lookup("secret").Usage; !strings.Contains(u, "ps") {
		t.Fatalf("usage %q does not warn about ps", u)
	}
	if cmd.Flags().Lookup("secret-file") == nil {
		t.Fatal("no --secret-file")
	}
}
