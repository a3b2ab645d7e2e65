package configinstance

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/iostreams"
)

// DeployOptions are the inputs of `config-instance deploy`.
type DeployOptions struct {
	Factory *cmdutil.Factory
	ID      string
	DryRun  bool
}

// NewCmdDeploy builds `config-instance deploy`.
func NewCmdDeploy(f *cmdutil.Factory, runF func(context.Context, *DeployOptions) error) *cobra.Command {
	opts := &DeployOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "deploy ID [--dry-run]",
		Short: "Deploy an approved config instance to its device",
		Long: `Deploy an approved config instance. It replaces what is deployed on the same
device at the same file path (device_file_path_conflict) or with the same
config schema (device_config_schema_conflict); those instances become removed
and are listed. --dry-run shows the same result and changes nothing.

-o json prints the provider's response: {"deploy": <instance>, "remove": [{"code",
"explanation", "config_instance"}]}.`,
		Example: `  hookctl config-instance deploy cfg_inst_01j…
  hookctl ci deploy cfg_inst_01j… --dry-run
  hookctl ci deploy cfg_inst_01j… --dry-run -q 'remove.#.config_instance.id'`,
		Args: cmdutil.ExactArgs(1, "config instance ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return deployRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "show what would be deployed and removed, change nothing")
	return cmd
}

func deployRun(ctx context.Context, opts *DeployOptions) error {
	f := opts.Factory
	be, err := f.Backend()
	if err != nil {
		return err
	}
	res, err := be.DeployConfigInstance(ctx, opts.ID, opts.DryRun)
	if err != nil {
		return err
	}
	return cmdutil.Render(f, res, func() error { return printDeployResult(f.IOStreams, res, opts.DryRun) })
}

// printDeployResult says what was (or would be) deployed and removed, one
// line each, on stdout.
func printDeployResult(ios *iostreams.IOStreams, res *backend.DeployResult, dryRun bool) error {
	st := ios.Styles()
	deployVerb, removeVerb := "Deployed", "Removed"
	if dryRun {
		deployVerb, removeVerb = "Would deploy", "Would remove"
	}
	var b strings.Builder
	d := res.Deploy
	esc := iostreams.Escape
	fmt.Fprintf(&b, "%s %s %s to %s at %s\n", st.SuccessIcon(), deployVerb, st.Bold.Render(esc(d.ID)), esc(d.DeviceID), esc(d.RelativeFilepath))
	for _, r := range res.Remove {
		fmt.Fprintf(&b, "%s %s %s (%s: %s)\n", st.WarningIcon(), removeVerb, esc(r.ConfigInstance.ID), esc(r.Code), esc(r.Explanation))
	}
	if len(res.Remove) == 0 {
		fmt.Fprintf(&b, "%s\n", st.Muted.Render("Nothing else on "+esc(d.DeviceID)+" is replaced."))
	}
	_, err := fmt.Fprint(ios.Out, b.String())
	return err
}
