// Package inspectcmd is `hookctl inspect`: the web inspector over the
// stored history alone (internal/inspect), local or remote.
package inspectcmd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/cli/receive"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/inspect"
)

// Options are the inputs of `hookctl inspect`.
type Options struct {
	Factory   *cmdutil.Factory
	Addr      string
	Open      bool
	ReadyFile string
}

// NewCmdInspect builds `hookctl inspect`.
func NewCmdInspect(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "inspect [--addr ADDR] [--open]",
		Short: "Open the web inspector over the stored history",
		Long: `Serve the web inspector: a page in your browser that shows the received
requests (searchable, with their signature diagnosis, headers, JSON body,
raw request and "copy as curl"), replays them — edited and re-signed with a
config's or a given secret if you like — and covers the delivery log (totals,
filters, payloads, resend), the config instances to approve, reject with
parameter errors, and deploy (with the diff against what is deployed), and the
webhook configs (create, reveal or rotate a secret, send a test event).

It serves what is stored: the local store, or the hookctl server of
--api-url/HOOKCTL_API_URL. Requests recorded meanwhile (by "hookctl webhook
listen" in another terminal) and changes made from the CLI appear without a
reload. To watch a listener directly, use "hookctl webhook listen --inspect".

The inspector listens on 127.0.0.1:4040 (the next free port if that is
taken), or --addr; another address than a loopback one is warned about. The
URL printed on stderr carries a random access token: open it (or pass --open)
and the page keeps the token in a cookie. With -o json the URL is also printed
as {"type":"inspector","url":…} on stdout; --ready-file gets it too (first
line; the address without the token second). It runs until Ctrl-C.

Keyboard: j/k or the arrows move, Enter opens, / searches, r replays, e edits
and replays.`,
		Example: `  hookctl inspect
  hookctl inspect --open
  hookctl inspect --addr 127.0.0.1:0 --ready-file inspector.url
  HOOKCTL_API_URL=https://hooks.example.com HOOKCTL_API_KEY=hk_… hookctl inspect`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := receive.ValidateInspectAddr(opts.Addr); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return inspectRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Addr, "addr", inspect.DefaultAddr, "address to serve the inspector on (port 0 picks a free one)")
	fl.BoolVar(&opts.Open, "open", false, "open the inspector in the browser ($BROWSER, xdg-open or open)")
	fl.StringVar(&opts.ReadyFile, "ready-file", "", "write the inspector's URL (with the token), then its address, to this file once serving")
	return cmd
}

func inspectRun(ctx context.Context, opts *Options) error {
	f := opts.Factory
	mode := "local history"
	remote, err := f.RecordsOnServer()
	if err != nil {
		return err
	}
	if remote {
		mode = "remote history"
	}
	srv, err := receive.StartInspector(ctx, f, opts.Addr, mode, f.Globals.WantsJSON())
	if err != nil {
		return err
	}
	defer srv.Close()
	if opts.ReadyFile != "" {
		if err := receive.WriteReadyFile(opts.ReadyFile, srv.URL(), "http://"+srv.Addr()+"/"); err != nil {
			return err
		}
	}
	if opts.Open {
		if f.OpenURL == nil {
			return apperr.Usagef("--open is not available here: open the URL yourself")
		}
		if err := f.OpenURL(srv.URL()); err != nil {
			fmt.Fprintf(f.IOStreams.ErrOut, "%s %v\n", f.IOStreams.ErrStyles().WarningIcon(), err)
		}
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "%s\n", f.IOStreams.ErrStyles().Muted.Render("Serving until Ctrl-C."))
	select {
	case <-ctx.Done():
		srv.Close()
		return ctx.Err()
	case <-srv.Done():
		return srv.Wait()
	}
}
