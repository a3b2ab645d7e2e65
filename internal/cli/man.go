package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/build"
	"github.com/hookctl/hookctl/internal/cmdutil"
)

// newCmdMan generates man pages from the command tree with cobra's doc
// generator: one page per command (hookctl.1, hookctl-webhook-send.1, …).
// The release (.goreleaser.yaml, before.hooks) runs it and ships the pages
// in the archives, the deb/rpm packages and the Homebrew cask.
func newCmdMan(f *cmdutil.Factory) *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "man --dir DIR",
		Short: "Generate man pages for every command",
		Long: `Generate a man page (section 1) for hookctl and for each of its commands into
DIR, which is created if missing. Packages (deb, rpm, Homebrew) install the pages
for you; this is for builds from source.

The pages' date is SOURCE_DATE_EPOCH when set (reproducible builds), else the
commit time of the build, else today.`,
		Example: `  # Generate into ./man and read one
  hookctl man --dir ./man
  man ./man/hookctl-webhook-send.1

  # Install for your user (man finds ~/.local/share/man on most systems)
  hookctl man --dir ~/.local/share/man/man1`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if dir == "" {
				return apperr.Usagef("pass --dir DIR: the directory to write the man pages to")
			}
			date, err := manDate(f.Getenv)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			root := cmd.Root()
			disableAutoGenTag(root) // no "Auto generated … on <date>" line
			header := &doc.GenManHeader{
				Section: "1",
				Date:    &date,
				Source:  "hookctl " + build.CurrentVersion(),
				Manual:  "hookctl manual",
			}
			if err := doc.GenManTree(root, header, dir); err != nil {
				return err
			}
			pages, _ := filepath.Glob(filepath.Join(dir, "hookctl*.1"))
			if f.IOStreams.IsStderrTTY() {
				fmt.Fprintf(f.IOStreams.ErrOut, "%s Wrote %d man pages to %s\n", f.IOStreams.ErrStyles().SuccessIcon(), len(pages), dir)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "directory to write the man pages to (created if missing)")
	_ = cmd.MarkFlagDirname("dir")
	return cmd
}

// manDate is SOURCE_DATE_EPOCH, else the revision's commit time, else now.
func manDate(getenv func(string) string) (time.Time, error) {
	if epoch := getenv("SOURCE_DATE_EPOCH"); epoch != "" {
		n, err := strconv.ParseInt(epoch, 10, 64)
		if err != nil {
			return time.Time{}, apperr.Usagef("invalid SOURCE_DATE_EPOCH %q: want seconds since 1970", epoch)
		}
		return time.Unix(n, 0).UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339, build.Current().Date); err == nil {
		return t.UTC(), nil
	}
	return time.Now().UTC(), nil
}

func disableAutoGenTag(c *cobra.Command) {
	c.DisableAutoGenTag = true
	for _, sub := range c.Commands() {
		disableAutoGenTag(sub)
	}
}
