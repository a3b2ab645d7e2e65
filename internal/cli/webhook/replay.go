package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/google/shlex"
	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/replay"
)

// ReplayOptions are the inputs of `webhook replay`.
type ReplayOptions struct {
	Factory  *cmdutil.Factory
	ID       string
	To       string
	Resign   bool
	Secrets  []string
	ConfigID string
	Scheme   string
	Sets     []string
	Edit     bool
	Timeout  time.Duration

	// Edit runs the editor on a file (tests replace it).
	EditFile func(path string) error
}

// ReplayResult is what replay prints with -o json.
type ReplayResult = replay.Result

// NewCmdReplay builds `webhook replay`.
func NewCmdReplay(f *cmdutil.Factory, runF func(context.Context, *ReplayOptions) error) *cobra.Command {
	opts := &ReplayOptions{Factory: f}
	var secret *cmdutil.SecretFlags
	cmd := &cobra.Command{
		Use:   "replay ID",
		Short: "Re-send a received request, optionally edited and re-signed",
		Long: `Re-send a recorded request (see "hookctl webhook requests list") with its
original method, headers and body, to the target it was forwarded to or to --to.

--resign recomputes the signature with a fresh timestamp (the scheme comes from
--scheme, the config, the recorded verification or the headers) and replaces the
old signature headers; it needs --secret or --config. A replay whose body was
changed with --set PATH=VALUE or --edit ($VISUAL or $EDITOR) must be re-signed,
since the old signature no longer matches.

Prints the target's status, latency and body. Exits 1 when the request cannot
be sent.`,
		Example: `  hookctl webhook replay req_06h0…
  hookctl webhook replay req_06h0… --to http://localhost:3000/webhooks
  hookctl webhook replay req_06h0… --set data.amount=2000 --resign --config whc_01j…
  hookctl webhook replay req_06h0… --edit --resign --secret whsec_…`,
		Args: cmdutil.ExactArgs(1, "request ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			if secret.Given() && opts.ConfigID != "" {
				return apperr.Usagef("use either --secret or --config, not both")
			}
			secrets, err := secret.Resolve(f.IOStreams.In, f.Getenv, opts.Resign && opts.ConfigID == "")
			if err != nil {
				return err
			}
			opts.Secrets = secrets
			if (len(opts.Secrets) > 0 || opts.ConfigID != "") && !opts.Resign {
				return apperr.Usagef("--secret and --config are for --resign: add --resign")
			}
			if opts.Resign && len(opts.Secrets) == 0 && opts.ConfigID == "" {
				return apperr.Usagef("--resign needs a secret: pass --secret or --config")
			}
			if opts.To != "" {
				if err := backend.ValidateEndpointURL(opts.To); err != nil {
					return apperr.Usagef("invalid --to: %v", err)
				}
			}
			if (len(opts.Sets) > 0 || opts.Edit) && !opts.Resign {
				return apperr.Usagef("the body is changed (--set/--edit), so the recorded signature will not match: add --resign with --secret or --config")
			}
			if opts.Timeout <= 0 {
				return apperr.Usagef("--timeout must be positive")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return replayRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.To, "to", "", "send here instead of the recorded forward target")
	fl.BoolVar(&opts.Resign, "resign", false, "sign again with a fresh timestamp, replacing the signature headers")
	secret = cmdutil.AddSecretFlags(cmd, true, "secret to re-sign with")
	fl.StringVar(&opts.ConfigID, "config", "", "re-sign with this webhook config's scheme and secret")
	cmdutil.SchemeFlag(cmd, &opts.Scheme, false, "scheme to re-sign with (default: the config's, the recorded or the detected one)")
	fl.StringArrayVar(&opts.Sets, "set", nil, "change the JSON body: PATH=VALUE (gjson/sjson path; repeatable)")
	fl.BoolVar(&opts.Edit, "edit", false, "edit the body in $VISUAL or $EDITOR before sending")
	fl.DurationVar(&opts.Timeout, "timeout", 30*time.Second, "request timeout")
	return cmd
}

func replayRun(ctx context.Context, opts *ReplayOptions) error {
	f := opts.Factory
	be, err := f.Backend()
	if err != nil {
		return err
	}
	// Replay sends the exact recorded headers: they are asked for in full.
	rec, err := be.GetRequest(backend.WithShowSecret(ctx), opts.ID)
	if err != nil {
		return err
	}
	if _, err := replay.Target(rec, opts.To); err != nil {
		return err // before the editor opens
	}
	p := replay.Params{Request: rec, To: opts.To, Sets: opts.Sets, Resign: opts.Resign, Scheme: opts.Scheme,
		Secrets: opts.Secrets, ConfigID: opts.ConfigID, Backend: f.Backend, Now: f.Now(), Timeout: opts.Timeout}
	if opts.Edit {
		p.Edit = func(body []byte) ([]byte, error) { return editBody(f, opts, body) }
	}
	res, err := replay.Run(ctx, p)
	if err != nil {
		return err
	}
	return cmdutil.Render(f, res, func() error {
		ios := f.IOStreams
		st := ios.Styles()
		icon := st.SuccessIcon()
		code := st.Success.Render(statusText(res.Status))
		if res.Status >= 400 {
			icon, code = st.FailureIcon(), st.Failure.Render(statusText(res.Status))
		}
		var notes []string
		if res.Resigned {
			notes = append(notes, "re-signed")
		}
		if res.Edited {
			notes = append(notes, "edited")
		}
		note := ""
		if len(notes) > 0 {
			note = " " + st.Muted.Render("("+strings.Join(notes, ", ")+")")
		}
		fmt.Fprintf(ios.ErrOut, "%s Replayed %s to %s%s\n", icon, esc(rec.ID), esc(res.URL), note)
		fmt.Fprintf(ios.Out, "%s %s\n", code, st.Muted.Render(cmdutil.FormatLatency(res.Latency)))
		_, err := io.WriteString(ios.Out, prettyBody(st, ios.ColourEnabled(), []byte(res.Body)))
		return err
	})
}

// editBody writes body to a temporary file, opens the editor on it and
// reads it back.
func editBody(f *cmdutil.Factory, opts *ReplayOptions, body []byte) ([]byte, error) {
	ext := ".txt"
	if len(body) > 0 && isJSON(body) {
		ext = ".json"
	}
	tmp, err := os.CreateTemp("", "hookctl-replay-*"+ext)
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.Write(body)
	if err := errors.Join(werr, tmp.Close()); err != nil {
		return nil, err
	}
	edit := opts.EditFile
	if edit == nil {
		edit = func(path string) error { return runEditor(f, path) }
	}
	if err := edit(tmp.Name()); err != nil {
		return nil, err
	}
	return os.ReadFile(tmp.Name())
}

func runEditor(f *cmdutil.Factory, path string) error {
	editor := f.Getenv("VISUAL")
	if editor == "" {
		editor = f.Getenv("EDITOR")
	}
	if editor == "" {
		return apperr.Usagef("--edit needs an editor: set $VISUAL or $EDITOR (or use --set PATH=VALUE)")
	}
	args, err := shlex.Split(editor)
	if err != nil || len(args) == 0 {
		return apperr.Usagef("cannot parse editor %q: %v", editor, err)
	}
	cmd := exec.Command(args[0], append(args[1:], path)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("editor %s: %w", args[0], err)
	}
	return nil
}

func isJSON(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}
