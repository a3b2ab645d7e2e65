package webhook

import (
	"crypto/x509"
	"log/slog"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/tunnel"
)

// TunnelFlags are the --tunnel options shared by the commands that receive
// webhooks (webhook listen, validate serve).
type TunnelFlags struct {
	Enabled   bool
	Authtoken string
	Domain    string
	Timeout   time.Duration
}

// Register adds the tunnel flags to cmd.
func (t *TunnelFlags) Register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.BoolVar(&t.Enabled, "tunnel", false, "expose the listener on the internet through an embedded ngrok tunnel")
	fl.StringVar(&t.Authtoken, "ngrok-authtoken", "", "ngrok authtoken (default $NGROK_AUTHTOKEN)")
	fl.StringVar(&t.Domain, "domain", "", "reserved ngrok domain to use, e.g. hooks.example.ngrok.app")
	fl.DurationVar(&t.Timeout, "tunnel-timeout", tunnel.DefaultConnectTimeout, "how long to wait for the tunnel to come up")
}

// Validate checks flag combinations before anything starts.
func (t *TunnelFlags) Validate(cmd *cobra.Command) error {
	fl := cmd.Flags()
	if !t.Enabled && (fl.Changed("ngrok-authtoken") || fl.Changed("domain") || fl.Changed("tunnel-timeout")) {
		return apperr.Usagef("--ngrok-authtoken, --domain and --tunnel-timeout need --tunnel")
	}
	if t.Timeout <= 0 {
		return apperr.Usagef("--tunnel-timeout must be positive")
	}
	return nil
}

// New builds the tunnel. The environment supplies the authtoken
// (NGROK_AUTHTOKEN) and, for tests only, a different agent endpoint and CA
// (HOOKCTL_NGROK_SERVER, HOOKCTL_NGROK_CA). The library's logs reach stderr
// only with --debug.
func (t *TunnelFlags) New(f *cmdutil.Factory, onStatus func(tunnel.Status)) (tunnel.Tunnel, error) {
	opts := tunnel.Options{
		Authtoken:      t.Authtoken,
		Domain:         t.Domain,
		ConnectTimeout: t.Timeout,
		ServerAddr:     f.Getenv("HOOKCTL_NGROK_SERVER"),
		OnStatus:       onStatus,
	}
	if opts.Authtoken == "" {
		opts.Authtoken = f.Getenv("NGROK_AUTHTOKEN")
	}
	if ca := f.Getenv("HOOKCTL_NGROK_CA"); ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			return nil, apperr.Usagef("HOOKCTL_NGROK_CA: %v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, apperr.Usagef("HOOKCTL_NGROK_CA: %s holds no PEM certificate", ca)
		}
		opts.RootCAs = pool
	}
	if f.Globals.Debug {
		opts.Logger = slog.New(slog.NewTextHandler(f.IOStreams.ErrOut, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return tunnel.NewNgrok(opts), nil
}
