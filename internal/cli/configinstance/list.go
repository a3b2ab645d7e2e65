package configinstance

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/iostreams"
	"github.com/hookctl/hookctl/internal/model"
)

// ListOptions are the inputs of `config-instance list`.
type ListOptions struct {
	Factory *cmdutil.Factory
	Params  backend.ListConfigInstancesParams
	Limit   int // at most this many, the oldest first; 0: all
}

// NewCmdList builds `config-instance list`.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	opts := &ListOptions{Factory: f}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List config instances",
		Long: `List config instances, oldest first, optionally only those in one status or
for one device.

On a terminal the list is a table; piped, it is one tab-separated line per
instance (id, device, path, config type, status, created) for cut and awk.`,
		Example: `  hookctl config-instance list
  hookctl ci list --status validating
  hookctl ci list -L 0   # all of them (default: the first 50)
  hookctl ci list --device dvc_1 --status deployed -o json -q '#.id'`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmdutil.StringEnumFlag(cmd, &opts.Params.Status, "status", "", "", model.ConfigInstanceStatuses, "only instances in this status")
	cmd.Flags().StringVar(&opts.Params.DeviceID, "device", "", "only instances for this device")
	cmdutil.LimitVar(cmd.Flags(), &opts.Limit, "instances")
	return cmd
}

func listRun(ctx context.Context, opts *ListOptions) error {
	f := opts.Factory
	be, err := f.Backend()
	if err != nil {
		return err
	}
	list, err := be.ListConfigInstances(ctx, opts.Params)
	if err != nil {
		return err
	}
	total := len(list)
	list, _ = cmdutil.Truncate(list, opts.Limit)
	cmdutil.LimitNote(f, len(list), total, "config instances")
	return cmdutil.Render(f, list, func() error {
		ios := f.IOStreams
		if len(list) == 0 {
			if ios.IsStdoutTTY() {
				fmt.Fprintln(ios.Out, "No config instances. Create one with: hookctl config-instance create --config-type T --device D --file config.json")
			}
			return nil
		}
		now := f.Now()
		st := ios.Styles()
		tbl := cmdutil.NewTable(ios, "ID", "DEVICE", "PATH", "CONFIG TYPE", "STATUS", "CREATED")
		for _, ci := range list {
			created := ci.CreatedAt.UTC().Format("2006-01-02T15:04:05Z")
			status := iostreams.Escape(ci.Status)
			if ios.IsStdoutTTY() {
				created = cmdutil.FuzzyAgo(now, ci.CreatedAt)
				status = statusStyle(st, ci.Status)
			}
			esc := iostreams.Escape
			tbl.AddRow(esc(ci.ID), esc(ci.DeviceID), esc(ci.RelativeFilepath), esc(ci.ConfigTypeID), status, created)
		}
		return tbl.Render()
	})
}
