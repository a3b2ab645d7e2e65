package configinstance

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/model"
)

// RejectOptions are the inputs of `config-instance reject`.
type RejectOptions struct {
	Factory *cmdutil.Factory
	ID      string
	Message string
	Errors  []model.ParameterError

	errorFlags []string
}

// NewCmdReject builds `config-instance reject`.
func NewCmdReject(f *cmdutil.Factory, runF func(context.Context, *RejectOptions) error) *cobra.Command {
	opts := &RejectOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "reject ID --message M --error 'path=message'…",
		Short: "Reject a validating config instance with parameter errors",
		Long: `Reject a validating config instance. A rejection needs a message and at least
one parameter error: the path of the parameter inside the content (keys
separated by dots, gjson style: limits.max_speed, wheels.0.size; a backslash
escapes a dot inside a key) and what is wrong with it. People read these in
the UI, so make them descriptive. A rejected instance can never be deployed.

Without --message or --error, hookctl asks on a terminal; in scripts pass them.`,
		Example: `  hookctl config-instance reject cfg_inst_01j… --message "Unsafe speeds" \
      --error 'limits.max_speed=must be at most 2.5 m/s' --error 'limits.accel=must be positive'
  hookctl ci reject cfg_inst_01j…    # asks for the message and the errors`,
		Args: cmdutil.ExactArgs(1, "config instance ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			opts.Errors = nil
			for _, s := range opts.errorFlags {
				e, err := ParseErrorFlag(s)
				if err != nil {
					return err
				}
				opts.Errors = append(opts.Errors, e)
			}
			if !f.IOStreams.CanPrompt() {
				switch {
				case opts.Message == "" && len(opts.Errors) == 0:
					return cmdutil.NeedsFlagError("--message and --error 'path=message'", "a rejection needs a message and at least one parameter error")
				case opts.Message == "":
					return cmdutil.NeedsFlagError("--message", "a rejection needs a message")
				case len(opts.Errors) == 0:
					return cmdutil.NeedsFlagError("--error 'path=message'", "a rejection needs at least one parameter error")
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return rejectRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Message, "message", "m", "", "why the config is rejected (shown to people)")
	cmd.Flags().StringArrayVarP(&opts.errorFlags, "error", "e", nil, "parameter error 'path.to.param=message', repeatable")
	return cmd
}

func rejectRun(ctx context.Context, opts *RejectOptions) error {
	f := opts.Factory
	be, err := f.Backend()
	if err != nil {
		return err
	}
	if opts.Message == "" || len(opts.Errors) == 0 {
		ci, err := be.GetConfigInstance(ctx, opts.ID)
		if err != nil {
			return err
		}
		if ci.Status != model.ConfigInstanceValidating {
			return apperr.New(apperr.ErrConflict, "%s is %s: only a validating instance can be rejected", ci.ID, ci.Status)
		}
		p := f.Prompter()
		if opts.Message == "" {
			if opts.Message, err = askRequired(p, f.IOStreams, "Rejection message (shown to people):", "--message"); err != nil {
				return err
			}
		}
		if len(opts.Errors) == 0 {
			if opts.Errors, err = askParameterErrors(p, f.IOStreams, ci.Content); err != nil {
				return err
			}
		}
	}
	ci, err := be.RejectConfigInstance(ctx, opts.ID, backend.RejectConfigInstanceRequest{Message: opts.Message, Errors: opts.Errors})
	if err != nil {
		return err
	}
	return cmdutil.Render(f, ci, func() error {
		ios := f.IOStreams
		fmt.Fprintf(ios.ErrOut, "%s Rejected %s with %s\n", ios.ErrStyles().FailureIcon(), ci.ID, cmdutil.Plural(len(ci.Errors), "parameter error", "parameter errors"))
		return nil
	})
}
