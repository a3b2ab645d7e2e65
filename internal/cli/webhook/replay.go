package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/google/shlex"
	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/catalog"
	"github.com/hookctl/hookctl/internal/cli/receive"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/listener"
	"github.com/hookctl/hookctl/internal/model"
	"github.com/hookctl/hookctl/internal/signature"
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
type ReplayResult struct {
	ID        string      `json:"id"`
	URL       string      `json:"url"`
	Resigned  bool        `json:"resigned"`
	Edited    bool        `json:"edited"`
	Status    int         `json:"status"`
	LatencyMS float64     `json:"latency_ms"`
	Headers   http.Header `json:"headers"`
	Body      string      `json:"body"`
}

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
	to := opts.To
	if to == "" {
		switch len(rec.Forwards) {
		case 0:
			return apperr.Usagef("%s was not forwarded anywhere: pass --to URL", rec.ID)
		case 1:
			to = rec.Forwards[0].URL
		default:
			return apperr.Usagef("%s was forwarded to %d targets: choose one with --to", rec.ID, len(rec.Forwards))
		}
	}
	body, err := catalog.Apply(rec.Body, opts.Sets)
	if err != nil {
		return err
	}
	if opts.Edit {
		if body, err = editBody(f, opts, body); err != nil {
			return err
		}
	}
	headers := listener.ForwardHeaders(rec.Headers, nil)
	if opts.Resign {
		if headers, err = resign(ctx, f, opts, rec, headers, body); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	start := time.Now()
	resp, err := listener.Send(ctx, client, rec.Method, to, headers, body)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return err
		}
		return fmt.Errorf("replay %s to %s failed: %v", rec.ID, to, sendError(err))
	}
	respBody, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("replay %s to %s: reading the response: %w", rec.ID, to, err)
	}
	latency := time.Since(start)
	res := ReplayResult{ID: rec.ID, URL: to, Resigned: opts.Resign, Edited: !bytes.Equal(body, rec.Body),
		Status: resp.StatusCode, LatencyMS: float64(latency.Microseconds()) / 1000, Headers: resp.Header, Body: string(respBody)}
	return cmdutil.Render(f, res, func() error {
		ios := f.IOStreams
		st := ios.Styles()
		icon := st.SuccessIcon()
		code := st.Success.Render(statusText(resp.StatusCode))
		if resp.StatusCode >= 400 {
			icon, code = st.FailureIcon(), st.Failure.Render(statusText(resp.StatusCode))
		}
		var notes []string
		if opts.Resign {
			notes = append(notes, "re-signed")
		}
		if res.Edited {
			notes = append(notes, "edited")
		}
		note := ""
		if len(notes) > 0 {
			note = " " + st.Muted.Render("("+strings.Join(notes, ", ")+")")
		}
		fmt.Fprintf(ios.ErrOut, "%s Replayed %s to %s%s\n", icon, esc(rec.ID), esc(to), note)
		fmt.Fprintf(ios.Out, "%s %s\n", code, st.Muted.Render(cmdutil.FormatLatency(latency)))
		_, err := io.WriteString(ios.Out, prettyBody(st, ios.ColourEnabled(), respBody))
		return err
	})
}

func sendError(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, "\": "); i >= 0 {
		s = s[i+3:]
	}
	if strings.Contains(s, "deadline exceeded") {
		return "timed out (--timeout)"
	}
	return s
}

// resign drops every signature header of the recorded request and signs
// body again with a fresh timestamp.
func resign(ctx context.Context, f *cmdutil.Factory, opts *ReplayOptions, rec *model.ReceivedRequest, headers http.Header, body []byte) (http.Header, error) {
	detected := signature.Detect(rec.Headers)
	def := ""
	if rec.Verification != nil && rec.Verification.Scheme != "" {
		def = rec.Verification.Scheme
	} else if len(detected) > 0 {
		def = detected[0]
	}
	s, err := receive.ResolveSigning(ctx, f, opts.Scheme, opts.Secrets, opts.ConfigID, def)
	if err != nil {
		return nil, err
	}
	if s.Scheme == "" || s.Scheme == signature.Auto {
		return nil, apperr.Usagef("cannot tell which scheme to re-sign %s with (no signature headers recorded): pass --scheme", rec.ID)
	}
	sopts := signature.Options{Now: f.Now()}
	if s.Scheme == "standard" && rec.Headers.Get("Svix-Signature") != "" {
		sopts.HeaderSet = "svix"
	}
	if id := rec.Headers.Get("Webhook-Id"); id != "" {
		sopts.ID = id
	} else if id := rec.Headers.Get("Svix-Id"); id != "" {
		sopts.ID = id
	}
	signed, err := signature.Sign(s.Scheme, s.Secrets, body, sopts)
	if err != nil {
		return nil, err
	}
	out := headers.Clone()
	for k := range out {
		if isSignatureHeader(k) {
			delete(out, k)
		}
	}
	for k, v := range signed {
		out[k] = v
	}
	return out, nil
}

// isSignatureHeader reports a header that carries a signature or its
// timestamp/id for some scheme.
func isSignatureHeader(k string) bool {
	switch k {
	case "Webhook-Timestamp", "Svix-Timestamp", "X-Slack-Request-Timestamp":
		return true
	}
	return len(signature.Detect(http.Header{k: {"x"}})) > 0
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
