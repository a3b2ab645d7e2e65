package source

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/cmdutil"
)

// GetOptions are the inputs of `source get`.
type GetOptions struct {
	Factory *cmdutil.Factory
	Token   string
}

// NewCmdGet builds `source get`.
func NewCmdGet(f *cmdutil.Factory, runF func(context.Context, *GetOptions) error) *cobra.Command {
	opts := &GetOptions{Factory: f}
	return &cobra.Command{
		Use:     "get TOKEN",
		Aliases: []string{"show"},
		Short:   "Show one inbound source",
		Long:    "Show the source with this token (hks_…): its hook URL, tokens, datasource, event, tsField and creation time.",
		Example: `  hookctl source get hks_…
  hookctl source get hks_… -q hookUrl`,
		Args: cmdutil.ExactArgs(1, "source token"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Token = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return getRun(cmd.Context(), opts)
		},
	}
}

func getRun(ctx context.Context, opts *GetOptions) error {
	f := opts.Factory
	r, err := f.SourceClient()
	if err != nil {
		return err
	}
	src, err := r.GetSource(ctx, opts.Token)
	if err != nil {
		return err
	}
	return cmdutil.Render(f, src, func() error { return printDetail(f.IOStreams, src) })
}

// DeleteOptions are the inputs of `source delete`.
type DeleteOptions struct {
	Factory *cmdutil.Factory
	Token   string
}

// NewCmdDelete builds `source delete`.
func NewCmdDelete(f *cmdutil.Factory, runF func(context.Context, *DeleteOptions) error) *cobra.Command {
	opts := &DeleteOptions{Factory: f}
	return &cobra.Command{
		Use:     "delete TOKEN",
		Aliases: []string{"rm"},
		Short:   "Delete an inbound source",
		Long:    "Delete the source with this token: its hook URL answers 404 from then on. Requests it already recorded stay in the history.",
		Example: `  hookctl source delete hks_…`,
		Args:    cmdutil.ExactArgs(1, "source token"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Token = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return deleteRun(cmd.Context(), opts)
		},
	}
}

func deleteRun(ctx context.Context, opts *DeleteOptions) error {
	f := opts.Factory
	r, err := f.SourceClient()
	if err != nil {
		return err
	}
	if err := r.DeleteSource(ctx, opts.Token); err != nil {
		return err
	}
	ios := f.IOStreams
	fmt.Fprintf(ios.ErrOut, "%s Deleted source %s\n", ios.ErrStyles().SuccessIcon(), opts.Token)
	return nil
}
