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

// ApproveOptions are the inputs of `config-instance approve`.
type ApproveOptions struct {
	Factory *cmdutil.Factory
	ID      string
	Message string
}

// NewCmdApprove builds `config-instance approve`.
func NewCmdApprove(f *cmdutil.Factory, runF func(context.Context, *ApproveOptions) error) *cobra.Command {
	opts := &ApproveOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "approve ID --message M",
		Short: "Approve a validating config instance so it can be deployed",
		Long: `Approve a validating config instance with a message shown to people next to
the config. Only a validating instance can be approved; once approved it can
be deployed with "hookctl config-instance deploy".

Without --message, hookctl asks for it on a terminal; in scripts pass it.`,
		Example: `  hookctl config-instance approve cfg_inst_01j… --message "Speeds within limits"
  hookctl ci approve cfg_inst_01j…    # asks for the message`,
		Args: cmdutil.ExactArgs(1, "config instance ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if opts.Message == "" && !f.IOStreams.CanPrompt() {
				return cmdutil.NeedsFlagError("--message", "an approval needs a message")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return approveRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Message, "message", "m", "", "why the config is fine (shown to people)")
	return cmd
}

func approveRun(ctx context.Context, opts *ApproveOptions) error {
	f := opts.Factory
	be, err := f.Backend()
	if err != nil {
		return err
	}
	if opts.Message == "" {
		// Fail before asking when the answer could not be used.
		ci, err := be.GetConfigInstance(ctx, opts.ID)
		if err != nil {
			return err
		}
		if ci.Status != model.ConfigInstanceValidating {
			return apperr.New(apperr.ErrConflict, "%s is %s: only a validating instance can be approved", ci.ID, ci.Status)
		}
		if opts.Message, err = askRequired(f.Prompter(), f.IOStreams, "Approval message (shown to people):", "--message"); err != nil {
			return err
		}
	}
	ci, err := be.ApproveConfigInstance(ctx, opts.ID, backend.ApproveConfigInstanceRequest{Message: opts.Message})
	if err != nil {
		return err
	}
	return cmdutil.Render(f, ci, func() error {
		ios := f.IOStreams
		fmt.Fprintf(ios.ErrOut, "%s Approved %s. Deploy it with: hookctl config-instance deploy %s\n", ios.ErrStyles().SuccessIcon(), ci.ID, ci.ID)
		return nil
	})
}
