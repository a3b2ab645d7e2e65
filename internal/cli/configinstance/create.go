package configinstance

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/model"
)

// CreateOptions are the inputs of `config-instance create`.
type CreateOptions struct {
	Factory *cmdutil.Factory
	Params  backend.CreateConfigInstanceParams
	File    string // path of the content, or "-" for stdin
}

// NewCmdCreate builds `config-instance create`. runF replaces createRun in tests.
func NewCmdCreate(f *cmdutil.Factory, runF func(context.Context, *CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "create --config-type T --device D --file FILE",
		Short: "Propose a config file for a device; it waits for validation",
		Long: `Create a config instance: JSON content for a device at a file path. It starts
validating and waits for someone (or a validation server) to approve or
reject it. The content must be valid JSON; --file - reads it from stdin.

--path defaults to /<config-type>.json.`,
		Example: `  hookctl config-instance create --config-type cfg_type_motion --device dvc_1 --file motion.json
  hookctl ci create --config-type cfg_type_motion --device dvc_1 --file motion.json --path /v1/motion.json --schema cfg_sch_1
  echo '{"max_speed": 2}' | hookctl ci create --config-type cfg_type_motion --device dvc_1 --file - -q id`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.File == "" {
				return apperr.Usagef("--file is required: the JSON content of the config (- reads stdin)")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return createRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Params.ConfigTypeID, "config-type", "", "config type id, e.g. cfg_type_motion")
	fl.StringVar(&opts.Params.DeviceID, "device", "", "device id the config is for")
	fl.StringVarP(&opts.File, "file", "f", "", "file with the JSON content (- for stdin)")
	fl.StringVar(&opts.Params.RelativeFilepath, "path", "", "file path on the device (default /<config-type>.json)")
	fl.StringVar(&opts.Params.ConfigSchemaID, "schema", "", "config schema id")
	return cmd
}

func createRun(ctx context.Context, opts *CreateOptions) error {
	f := opts.Factory
	var (
		content []byte
		err     error
	)
	if opts.File == "-" {
		content, err = io.ReadAll(f.IOStreams.In)
	} else {
		content, err = os.ReadFile(opts.File)
	}
	if err != nil {
		return apperr.Wrap(apperr.ErrUsage, err, "read config content: %v", err)
	}
	opts.Params.Content = content
	be, err := f.Backend()
	if err != nil {
		return err
	}
	ci, err := be.CreateConfigInstance(ctx, opts.Params)
	if err != nil {
		return err
	}
	for _, v := range ci.ValidationDeliveries {
		reportValidation(f, v)
	}
	return cmdutil.Render(f, ci, func() error {
		ios := f.IOStreams
		if ios.IsStderrTTY() {
			fmt.Fprintf(ios.ErrOut, "%s Created config instance %s; it is validating\n", ios.ErrStyles().SuccessIcon(), ci.ID)
		}
		return printDetail(ios, f.Now(), ci)
	})
}

// reportValidation prints the outcome of the validation event's delivery to
// one subscribed webhook config on stderr.
func reportValidation(f *cmdutil.Factory, v model.ValidationDelivery) {
	ios := f.IOStreams
	st := ios.ErrStyles()
	d := v.Delivery
	switch {
	case v.Error != "" || d == nil:
		fmt.Fprintf(ios.ErrOut, "%s validation event to %s not sent: %s\n", st.FailureIcon(), v.URL, v.Error)
	case d.State == model.DeliverySucceeded:
		fmt.Fprintf(ios.ErrOut, "%s validation event delivered to %s (%d, %s)\n", st.SuccessIcon(), v.URL, d.StatusCode, d.ID)
	default:
		fmt.Fprintf(ios.ErrOut, "%s validation event to %s failed: %s (see \"hookctl webhook deliveries show %s\")\n", st.FailureIcon(), v.URL, deliveryFailure(d), d.ID)
	}
}

func deliveryFailure(d *model.Delivery) string {
	if n := len(d.Attempts); n > 0 && d.Attempts[n-1].Error != "" {
		return d.Attempts[n-1].Error
	}
	return fmt.Sprintf("status %d", d.StatusCode)
}
