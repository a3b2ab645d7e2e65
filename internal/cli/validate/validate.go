// Package validate implements `hookctl validate`: a custom validation server
// that approves or rejects config instances against a rules file when their
// config_instance.target_status.validated webhook arrives.
package validate

import (
	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/cmdutil"
)

// NewCmdValidate is the `validate` group.
func NewCmdValidate(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "validate <command>",
		Short: "Validate config instances automatically with a rules file",
		Long: `Decide config instances without a person: "validate serve" runs a validation
server that receives the config_instance.target_status.validated webhook,
checks the instance's content against a rules file and approves or rejects it
(and optionally deploys it).`,
		Example: `  hookctl validate serve --rules rules.yaml --config whc_01j…`,
	}
	cmdutil.Group(cmd)
	cmd.AddCommand(NewCmdServe(f, nil))
	return cmd
}
