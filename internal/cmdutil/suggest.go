package cmdutil

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/apperr"
)

// groupAnnotation marks the commands Group made: they only hold
// subcommands, so a positional argument is a mistyped subcommand.
const groupAnnotation = "hookctl/group"

// IsGroup reports whether cmd is a command group (made by Group).
func IsGroup(cmd *cobra.Command) bool {
	_, ok := cmd.Annotations[groupAnnotation]
	return ok
}

// UnknownCommandError is the usage error of a group asked to run an unknown
// subcommand name, with cobra's "Did you mean this?" suggestions (cobra
// itself only suggests at the root, and only when the root has no Args).
func UnknownCommandError(group *cobra.Command, name string) error {
	var b strings.Builder
	b.WriteString("unknown command \"" + name + "\" for \"" + group.CommandPath() + "\"")
	if group.SuggestionsMinimumDistance <= 0 {
		group.SuggestionsMinimumDistance = group.Root().SuggestionsMinimumDistance
	}
	if !group.DisableSuggestions {
		if s := group.SuggestionsFor(name); len(s) > 0 {
			b.WriteString("\n\nDid you mean this?\n")
			for _, sug := range s {
				b.WriteString("\t" + sug + "\n")
			}
			b.WriteString("\n")
		} else {
			b.WriteString(" ")
		}
	} else {
		b.WriteString(" ")
	}
	b.WriteString("(run \"" + group.CommandPath() + " --help\")")
	return apperr.Usagef("%s", b.String())
}

// unknownSubcommand is the error of a group whose flags did not parse
// because they belong to a subcommand that was mistyped (`wc creat --url
// …`): the unknown command is the first positional argument pflag saw
// before the flag it did not know. nil when cmd is no group or there was
// no such argument.
func unknownSubcommand(cmd *cobra.Command) error {
	if !IsGroup(cmd) {
		return nil
	}
	args := cmd.Flags().Args()
	if len(args) == 0 {
		return nil
	}
	return UnknownCommandError(cmd, args[0])
}
