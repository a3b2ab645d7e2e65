package source

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/iostreams"
)

// DeleteOptions are the inputs of `source delete`.
type DeleteOptions struct {
	Factory *cmdutil.Factory
	Token   string
	Yes     bool
}

// NewCmdDelete builds `source delete`.
func NewCmdDelete(f *cmdutil.Factory, runF func(context.Context, *DeleteOptions) error) *cobra.Command {
	opts := &DeleteOptions{Factory: f}
	cmd := &cobra.Command{
		Use:     "delete TOKEN",
		Aliases: []string{"rm"},
		Short:   "Delete an inbound source",
		Long: `Delete the source with this token: its hook URL answers 404 from then on.
Requests it already recorded stay in the history.

On a terminal it asks first; without one it refuses unless --yes is given.
Answering "no" deletes nothing and exits 7.`,
		Example: `  hookctl source delete hks_…
  hookctl source delete hks_… --yes`,
		Args: cmdutil.ExactArgs(1, "source token"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Token = args[0]
			if err := cmdutil.CanConfirm(f, opts.Yes, "delete source "+opts.Token); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return deleteRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, cmdutil.YesFlagUsage)
	return cmd
}

func deleteRun(ctx context.Context, opts *DeleteOptions) error {
	f := opts.Factory
	r, err := f.SourceClient()
	if err != nil {
		return err
	}
	// The question names what the hook URL receives; an unknown token is
	// "not found" before anything is asked.
	src, err := r.GetSource(ctx, opts.Token)
	if err != nil {
		return err
	}
	esc := iostreams.Escape
	question := fmt.Sprintf("Delete source %s (%s %s)? Its hook URL answers 404 from then on", esc(src.Token), esc(src.Datasource), esc(src.Event))
	if err := cmdutil.Confirm(f, question, opts.Yes); err != nil {
		return err
	}
	if err := r.DeleteSource(ctx, opts.Token); err != nil {
		return err
	}
	ios := f.IOStreams
	fmt.Fprintf(ios.ErrOut, "%s Deleted source %s\n", ios.ErrStyles().SuccessIcon(), esc(opts.Token))
	return nil
}
