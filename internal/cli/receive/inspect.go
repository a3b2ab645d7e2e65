package receive

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/dispatch"
	"github.com/hookctl/hookctl/internal/inspect"
	"github.com/hookctl/hookctl/internal/model"
)

// InspectFlag adds --inspect[=ADDR]: serve the web inspector beside the
// command (webhook listen, validate serve), on ADDR or inspect.DefaultAddr.
func InspectFlag(cmd *cobra.Command, addr *string) {
	cmd.Flags().StringVar(addr, "inspect", "", "serve the web inspector on `ADDR` too (--inspect alone: "+inspect.DefaultAddr+", or the next free port)")
	cmd.Flags().Lookup("inspect").NoOptDefVal = inspect.DefaultAddr
}

// ValidateInspectAddr checks an --inspect or --addr value (exit 2).
func ValidateInspectAddr(addr string) error {
	if addr == "" {
		return nil
	}
	_, _, err := inspect.SplitAddr(addr)
	return err
}

// InspectorLine is the machine-readable announcement of the inspector:
// a JSON line on stdout with --format json / -o json.
type InspectorLine struct {
	Type string    `json:"type"` // "inspector"
	URL  string    `json:"url"`  // with the token
	Addr string    `json:"addr"`
	Time time.Time `json:"time"`
}

// StartInspector serves the inspector over f's backend on addr (the next
// free port when addr is the default one), with the CLI's send-test and
// resend, and announces it: the URL with its token on stderr (a warning
// when it is reachable from other machines), and an InspectorLine on
// stdout when jsonOut. Close the server when done.
func StartInspector(ctx context.Context, f *cmdutil.Factory, addr, mode string, jsonOut bool) (*inspect.Server, error) {
	be, err := f.Backend()
	if err != nil {
		return nil, err
	}
	srv, err := inspect.New(inspect.Options{
		Backend:      be,
		Addr:         addr,
		NextFreePort: addr == inspect.DefaultAddr,
		Mode:         mode,
		Now:          f.Now,
		SendTest: func(ctx context.Context, id string) (*model.Delivery, error) {
			return cmdutil.SendTestEvent(ctx, f, id, dispatch.DefaultTimeout)
		},
		Resend: func(ctx context.Context, id, to string) (*backend.SendResult, error) {
			// One attempt: the page waits for its answer.
			return cmdutil.Resend(ctx, f, id, to, dispatch.Policy{Retries: 0, Timeout: dispatch.DefaultTimeout}, cmdutil.DeliveryClient(f), nil)
		},
	})
	if err != nil {
		return nil, err
	}
	if err := srv.Start(ctx); err != nil {
		return nil, err
	}
	ios := f.IOStreams
	st := ios.ErrStyles()
	if !inspect.IsLoopback(addr) {
		// The address as bound: the host asked for, the port given.
		host, _, _ := inspect.SplitAddr(addr)
		_, port, _ := net.SplitHostPort(srv.Addr())
		fmt.Fprintf(ios.ErrOut, "%s The inspector listens on %s, reachable from other machines: anyone with its URL can see, replay and approve what hookctl stores.\n",
			st.WarningIcon(), net.JoinHostPort(host, port))
	}
	fmt.Fprintf(ios.ErrOut, "%s %s\n", st.Success.Render("Inspector:"), srv.URL())
	if jsonOut {
		b, _ := json.Marshal(InspectorLine{Type: "inspector", URL: srv.URL(), Addr: srv.Addr(), Time: f.Now().UTC()})
		fmt.Fprintf(ios.Out, "%s\n", b)
	}
	return srv, nil
}
