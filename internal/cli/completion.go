package cli

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/iostreams"
	"github.com/hookctl/hookctl/internal/prompt"
)

// The scripts in completions/ are generated from the command tree; the test
// in completions_test.go fails when they are stale.
//
//go:generate go run ../tools/gencompletions -dir ../../completions

// Shells are the shells `hookctl completion` supports, in help order.
var Shells = []string{"bash", "zsh", "fish", "powershell"}

// CompletionFiles maps each shell to the file name its script is committed
// under in completions/ (and shipped in archives and packages).
var CompletionFiles = map[string]string{
	"bash":       "hookctl.bash",
	"zsh":        "hookctl.zsh",
	"fish":       "hookctl.fish",
	"powershell": "hookctl.ps1",
}

// newCmdCompletion replaces cobra's default completion command: cobra adds
// its own lazily inside Execute (so it is not in the tree NewCmdRoot returns)
// and reports an unknown shell as a plain error (exit 1) instead of a usage
// error (exit 2).
func newCmdCompletion(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "completion <shell>",
		Short: "Generate the shell completion script for bash, zsh, fish or powershell",
		Long: `Generate the script that makes your shell complete hookctl's commands, flags
and flag values. The script is printed on stdout; install it once as shown below
and start a new shell. Packages (deb, rpm, Homebrew) install it for you.

Bash (needs the bash-completion package):
  # current session only
  source <(hookctl completion bash)
  # every session, for your user
  mkdir -p ~/.local/share/bash-completion/completions
  hookctl completion bash > ~/.local/share/bash-completion/completions/hookctl
  # every session, system-wide (Linux)
  hookctl completion bash | sudo tee /usr/share/bash-completion/completions/hookctl >/dev/null
  # every session, macOS with Homebrew's bash-completion@2
  hookctl completion bash > "$(brew --prefix)/etc/bash_completion.d/hookctl"

Zsh (completion must be enabled: "autoload -U compinit; compinit" in ~/.zshrc):
  # current session only
  source <(hookctl completion zsh)
  # every session: write _hookctl into a directory on your $fpath
  hookctl completion zsh > "${fpath[1]}/_hookctl"
  # macOS with Homebrew
  hookctl completion zsh > "$(brew --prefix)/share/zsh/site-functions/_hookctl"

Fish:
  # current session only
  hookctl completion fish | source
  # every session
  hookctl completion fish > ~/.config/fish/completions/hookctl.fish

PowerShell:
  # current session only
  hookctl completion powershell | Out-String | Invoke-Expression
  # every session: add the line above to the file named by $PROFILE

Each shell's own help (hookctl completion <shell> --help) repeats its steps.`,
		Example: `  # Try completions in the current bash session
  source <(hookctl completion bash)

  # Install for zsh without descriptions next to the candidates
  hookctl completion zsh --no-descriptions > "${fpath[1]}/_hookctl"

  # Install for fish
  hookctl completion fish > ~/.config/fish/completions/hookctl.fish`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return apperr.Usagef("unknown shell %q: choose one of %s (run \"%s --help\")",
					args[0], strings.Join(Shells, ", "), c.CommandPath())
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error { return c.Help() },
	}
	for _, shell := range Shells {
		cmd.AddCommand(newCmdCompletionShell(f, shell))
	}
	return cmd
}

var completionHelp = map[string]struct{ long, example string }{
	"bash": {
		long: `Generate the completion script for bash on stdout.

The script needs the bash-completion package (version 2). bash-completion loads
it on demand from ~/.local/share/bash-completion/completions/hookctl or, for
all users, /usr/share/bash-completion/completions/hookctl (where the deb and rpm
packages put it). On macOS with Homebrew's bash-completion@2, use
$(brew --prefix)/etc/bash_completion.d/hookctl.

Start a new shell after installing.`,
		example: `  # Current session only
  source <(hookctl completion bash)

  # Every session, for your user
  mkdir -p ~/.local/share/bash-completion/completions
  hookctl completion bash > ~/.local/share/bash-completion/completions/hookctl`,
	},
	"zsh": {
		long: `Generate the completion script for zsh on stdout.

Completion must be enabled in zsh; if it is not, run once:

  echo "autoload -U compinit; compinit" >> ~/.zshrc

Save the script as _hookctl in a directory on your $fpath. The deb and rpm
packages install /usr/share/zsh/vendor-completions/_hookctl; Homebrew installs
$(brew --prefix)/share/zsh/site-functions/_hookctl.

Start a new shell after installing.`,
		example: `  # Current session only
  source <(hookctl completion zsh)

  # Every session
  hookctl completion zsh > "${fpath[1]}/_hookctl"`,
	},
	"fish": {
		long: `Generate the completion script for fish on stdout.

Save it as ~/.config/fish/completions/hookctl.fish for your user. The deb and
rpm packages install /usr/share/fish/vendor_completions.d/hookctl.fish.

Start a new shell after installing.`,
		example: `  # Current session only
  hookctl completion fish | source

  # Every session
  hookctl completion fish > ~/.config/fish/completions/hookctl.fish`,
	},
	"powershell": {
		long: `Generate the completion script for PowerShell on stdout.

To load it in every session, add the command from the first example to your
PowerShell profile (the file named by $PROFILE).`,
		example: `  # Current session only
  hookctl completion powershell | Out-String | Invoke-Expression

  # Every session
  Add-Content $PROFILE 'hookctl completion powershell | Out-String | Invoke-Expression'`,
	},
}

func newCmdCompletionShell(f *cmdutil.Factory, shell string) *cobra.Command {
	var noDesc bool
	help := completionHelp[shell]
	cmd := &cobra.Command{
		Use:               shell,
		Short:             fmt.Sprintf("Generate the completion script for %s", shell),
		Long:              help.long,
		Example:           help.example,
		Args:              cmdutil.NoArgs,
		ValidArgsFunction: cobra.NoFileCompletions,
		RunE: func(c *cobra.Command, args []string) error {
			return GenCompletion(c.Root(), shell, !noDesc, f.IOStreams.Out)
		},
	}
	cmd.Flags().BoolVar(&noDesc, "no-descriptions", false, "leave out the descriptions shown next to completion candidates")
	return cmd
}

// GenCompletion writes root's completion script for shell to w.
func GenCompletion(root *cobra.Command, shell string, descriptions bool, w io.Writer) error {
	switch shell {
	case "bash":
		return root.GenBashCompletionV2(w, descriptions)
	case "zsh":
		if descriptions {
			return root.GenZshCompletion(w)
		}
		return root.GenZshCompletionNoDesc(w)
	case "fish":
		return root.GenFishCompletion(w, descriptions)
	case "powershell":
		if descriptions {
			return root.GenPowerShellCompletionWithDesc(w)
		}
		return root.GenPowerShellCompletion(w)
	}
	return apperr.Usagef("unknown shell %q: choose one of %s", shell, strings.Join(Shells, ", "))
}

// CompletionScripts generates every shell's script (with descriptions) from a
// command tree whose factory opens nothing: no database, no network, no
// terminal, an empty environment. The result is the same on every machine;
// it is what `go generate ./...` writes to completions/ and what the
// staleness test compares against. Keys are file names from CompletionFiles.
func CompletionScripts() (map[string][]byte, error) {
	root := NewCmdRoot(inertFactory())
	scripts := make(map[string][]byte, len(Shells))
	for _, shell := range Shells {
		var buf bytes.Buffer
		if err := GenCompletion(root, shell, true, &buf); err != nil {
			return nil, fmt.Errorf("generating %s completion: %w", shell, err)
		}
		scripts[CompletionFiles[shell]] = buf.Bytes()
	}
	return scripts, nil
}

// inertFactory is a Factory for building the tree only: every dependency
// that would touch the outside world fails if it is ever called.
func inertFactory() *cmdutil.Factory {
	ios, _, _, _ := iostreams.Test()
	return &cmdutil.Factory{
		IOStreams:  ios,
		Getenv:     func(string) string { return "" },
		Now:        func() time.Time { return time.Unix(0, 0).UTC() },
		Globals:    &cmdutil.Globals{},
		Prompter:   func() prompt.Prompter { panic("inert factory: no prompter") },
		HTTPClient: func() *http.Client { panic("inert factory: no HTTP client") },
		Backend: func() (backend.Backend, error) {
			return nil, fmt.Errorf("inert factory: no backend")
		},
	}
}
