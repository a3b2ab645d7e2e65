package apikey

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	keys "github.com/hookctl/hookctl/internal/apikey"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/store"
)

// CreateOptions are the inputs of `api-key create`.
type CreateOptions struct {
	Factory *cmdutil.Factory
	Name    string
	Tenant  string
}

// created is the JSON of a new key: the record plus the key itself.
type created struct {
	model.APIKey
	Key string `json:"key"`
}

// NewCmdCreate builds `api-key create`.
func NewCmdCreate(f *cmdutil.Factory, runF func(context.Context, *CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "create --name NAME",
		Short: "Create an API key and print it once",
		Long: `Create an API key for "hookctl serve" and print it on stdout. It is not
shown again: only its SHA-256 is stored. Keys look like hk_ followed by 52
lowercase letters and digits.`,
		Example: `  hookctl api-key create --name ci
  export HOOKCTL_API_KEY=$(hookctl api-key create --name laptop)`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return createRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Name, "name", "", "who or what uses the key, e.g. ci (required)")
	cmd.Flags().StringVar(&opts.Tenant, "tenant", keys.DefaultTenant, "tenant the key belongs to")
	return cmd
}

func createRun(ctx context.Context, opts *CreateOptions) error {
	f := opts.Factory
	return withStore(ctx, f, func(s *store.Store) error {
		key, k, err := keys.Create(ctx, s, opts.Name, opts.Tenant, f.Now())
		if err != nil {
			return err
		}
		ios := f.IOStreams
		fmt.Fprintf(ios.ErrOut, "%s Created API key %s (%s). It is shown only this once: store it now.\n",
			ios.ErrStyles().SuccessIcon(), k.ID, k.Name)
		return cmdutil.Render(f, created{APIKey: *k, Key: key}, func() error {
			_, err := fmt.Fprintln(ios.Out, key)
			return err
		})
	})
}
