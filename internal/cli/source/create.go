package source

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/cmdutil"
)

// CreateOptions are the inputs of `source create`.
type CreateOptions struct {
	Factory *cmdutil.Factory
	Params  backend.UpsertSourceParams
}

// NewCmdCreate builds `source create`.
func NewCmdCreate(f *cmdutil.Factory, runF func(context.Context, *CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{Factory: f}
	var tsField string
	cmd := &cobra.Command{
		Use:     "create --datasource NAME --event NAME",
		Aliases: []string{"update"},
		Short:   "Create or update an inbound source and print its hook URL",
		Long: `Create the source of a datasource and event, or update it when it exists (its
tokens and hook URL stay the same). Prints hookUrl, apiToken, token, tsField
and createdAt.

--ts-field is a JSON path to the event's own time in the payload
(commits[0].timestamp or commits.0.timestamp; RFC 3339 or unix seconds or
milliseconds). --ts-field '' clears it; leaving the flag out keeps it.`,
		Example: `  hookctl source create --datasource github --event push --ts-field 'commits[0].timestamp'
  hookctl source create --datasource github --event push --ts-field ''
  hookctl source create --datasource stripe --event invoice.paid -q hookUrl`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Params.Datasource == "" || opts.Params.Event == "" {
				return apperr.Usagef("--datasource and --event are required, e.g. --datasource github --event push")
			}
			if cmd.Flags().Changed("ts-field") {
				opts.Params.TSField = &tsField
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return createRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Params.Datasource, "datasource", "", "where the events come from, e.g. github")
	fl.StringVar(&opts.Params.Event, "event", "", "the event, e.g. push")
	fl.StringVar(&tsField, "ts-field", "", "JSON path to the event time, e.g. 'commits[0].timestamp' ('' clears it)")
	return cmd
}

func createRun(ctx context.Context, opts *CreateOptions) error {
	f := opts.Factory
	r, err := f.SourceClient()
	if err != nil {
		return err
	}
	src, err := r.UpsertSource(ctx, opts.Params)
	if err != nil {
		return err
	}
	return cmdutil.Render(f, src, func() error { return printDetail(f.IOStreams, src) })
}
