package webhook

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/cli/receive"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/config"
	"github.com/hookctl/hookctl/internal/listener"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/relay"
)

// `webhook listen --relay SERVER --source TOKEN`: instead of a socket, the
// requests come from the server's relay stream of an inbound source
// (GET /v1/relay/{token}, Server-Sent Events) and go through the same
// listener pipeline (listener.Inject): verify, show, forward byte for byte,
// record. The last event id handled is saved in the data directory
// (relay/<hash of server and token>.last), so a restarted listener resumes
// where it stopped and gets what was sent meanwhile, once; --since-id
// overrides it.

func (o *ListenOptions) validateRelay(cmd *cobra.Command) error {
	if o.Relay == "" {
		if o.Source != "" || cmd.Flags().Changed("since-id") {
			return apperr.Usagef("--source and --since-id go with --relay SERVER")
		}
		return nil
	}
	if o.Source == "" {
		return apperr.Usagef("--relay needs --source TOKEN (see \"hookctl source list\")")
	}
	for _, fl := range []string{"port", "host", "path", "response-status", "max-body", "require-json"} {
		if cmd.Flags().Changed(fl) {
			return apperr.Usagef("--%s does not apply with --relay: nothing listens on a port", fl)
		}
	}
	if cmd.Flags().Changed("since-id") && o.SinceID < 0 {
		return apperr.Usagef("--since-id must not be negative")
	}
	if !cmd.Flags().Changed("since-id") {
		o.SinceID = -1
	}
	return nil
}

// relayStateFile is where the last event id of (server, token) is kept.
func relayStateFile(dataDir, server, token string) string {
	sum := sha256.Sum256([]byte(strings.TrimRight(server, "/") + "\n" + token))
	return filepath.Join(dataDir, "relay", hex.EncodeToString(sum[:12])+".last")
}

func relayRun(ctx, runCtx context.Context, stop func(), opts *ListenOptions, cfg listener.Config, r *listenRenderer) error {
	f := opts.Factory
	file, err := config.Load(f.Getenv)
	if err != nil {
		return err
	}
	key := config.APIKey(f.Getenv, file)
	if key == "" {
		return apperr.New(apperr.ErrAuth, "no API key for %s: export HOOKCTL_API_KEY=hk_… (a key of the tenant that owns the source)", opts.Relay)
	}
	remote, err := cmdutil.NewRemote(f, opts.Relay, key)
	if err != nil {
		return err
	}
	defer remote.Close()
	recordNote := ""
	if cfg.Recorder != nil {
		onServer, err := f.RecordsOnServer()
		if err != nil {
			return err
		}
		if onServer {
			cfg.Recorder = nil // the server recorded the request when it arrived
			recordNote = "on the server"
		}
	}

	state := relayStateFile(config.DataDir(f.Globals.DataDir, f.Getenv, file), opts.Relay, opts.Source)
	last := opts.SinceID
	if last < 0 {
		if b, err := os.ReadFile(state); err == nil {
			if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n >= 0 {
				last = n
			}
		}
	}

	l, err := listener.New(cfg)
	if err != nil {
		return err
	}
	defer l.Close()

	ios := f.IOStreams
	st := ios.ErrStyles()
	first := true
	status := func(s relay.Status) {
		r.mu.Lock()
		defer r.mu.Unlock()
		if opts.Format == listenJSON {
			line := relayStatusLine{Type: "relay", Status: "connected", Server: remote.URL(), Source: s.Source, LastEventID: s.LastEventID}
			if !s.Connected {
				line.Status, line.Error, line.RetryInMS = "disconnected", s.Err.Error(), s.RetryIn.Milliseconds()
			}
			b, _ := json.Marshal(line)
			ios.Out.Write(append(b, '\n'))
		} else if s.Connected {
			fmt.Fprintf(ios.ErrOut, "%s Relay connected to %s (source %s, after event %d)\n", st.SuccessIcon(), remote.URL(), esc(s.Source), s.LastEventID)
		} else {
			fmt.Fprintf(ios.ErrOut, "%s Relay disconnected: %s; reconnecting in %s\n", st.WarningIcon(), esc(s.Err.Error()), s.RetryIn)
		}
		if s.Connected && first {
			first = false
			if opts.ReadyFile != "" {
				if err := cmdutil.WriteFileAtomic(opts.ReadyFile, []byte(remote.URL()+"\n")); err != nil {
					fmt.Fprintf(ios.ErrOut, "%s write --ready-file: %v\n", st.WarningIcon(), err)
				}
			}
		}
	}
	c := &relay.Client{
		Remote: remote,
		Token:  opts.Source,
		LastID: last,
		Handle: func(ctx context.Context, rr *model.ReceivedRequest) error {
			_, err := l.Inject(ctx, rr) // not recorded: the relay resumes before it
			return err
		},
		Save:     func(id int64) error { return saveRelayState(state, id) },
		OnStatus: status,
	}
	r.printRelayBanner(remote.URL(), cfg, recordNote)

	deadline := &receive.Deadline{ExitAfter: opts.ExitAfter, Timeout: opts.Timeout}
	defer deadline.Arm(stop)()
	runErr := c.Run(runCtx)
	l.Close()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.printSummary()
	return r.outcome(ctx, deadline, runErr)
}

func saveRelayState(path string, id int64) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	if err := cmdutil.WriteFileAtomic(path, []byte(strconv.FormatInt(id, 10)+"\n")); err != nil {
		return errors.Join(fmt.Errorf("save the relay position in %s", path), err)
	}
	return nil
}

func (r *listenRenderer) printRelayBanner(server string, cfg listener.Config, recordNote string) {
	ios := r.opts.Factory.IOStreams
	st := ios.ErrStyles()
	var b strings.Builder
	line := func(k, v string) { fmt.Fprintf(&b, "  %s %s\n", st.Key.Render(fmt.Sprintf("%-10s", k)), v) }
	line("Relay", server+" (source "+shortToken(r.opts.Source)+")")
	forwardingLines(line, cfg.Routes)
	switch {
	case recordNote != "":
		line("Recording", recordNote)
	case cfg.Recorder != nil:
		line("Recording", "yes (see \"hookctl webhook requests list\")")
	default:
		line("Recording", "no")
	}
	if r.opts.ExitAfter > 0 {
		line("Exit after", cmdutil.Plural(r.opts.ExitAfter, "request", "requests"))
	}
	fmt.Fprint(ios.ErrOut, b.String())
}

// shortToken shows enough of a token to recognise it, not to use it.
func shortToken(t string) string {
	if len(t) > 10 {
		return t[:10] + "…"
	}
	return t
}

// relayStatusLine is the --format json line of a relay status change.
type relayStatusLine struct {
	Type        string `json:"type"`   // "relay"
	Status      string `json:"status"` // connected, disconnected
	Server      string `json:"server"`
	Source      string `json:"source,omitempty"`
	LastEventID int64  `json:"last_event_id"`
	Error       string `json:"error,omitempty"`
	RetryInMS   int64  `json:"retry_in_ms,omitempty"`
}
