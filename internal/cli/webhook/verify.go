package webhook

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/cli/receive"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/rawhttp"
	"github.com/hookctl/hookctl/internal/signature"
)

// VerifyOptions are the inputs of `webhook verify`.
type VerifyOptions struct {
	Factory   *cmdutil.Factory
	Scheme    string
	Secrets   []string
	ConfigID  string
	Request   string
	Data      string // --data: the body itself, @file or - for stdin
	Body      string // --body FILE: the same as --data @FILE
	Headers   []string
	Tolerance time.Duration
	Now       int64
	HMAC      hmacFlags

	secret *cmdutil.SecretFlags
}

// VerifyResult is the JSON shape of a verification.
type VerifyResult struct {
	Verified    bool       `json:"verified"`
	Scheme      string     `json:"scheme"`
	Secret      int        `json:"secret,omitempty"` // 1-based number of the secret that matched
	MessageID   string     `json:"message_id,omitempty"`
	Timestamp   *time.Time `json:"timestamp,omitempty"`
	SkewSeconds *int64     `json:"skew_seconds,omitempty"`
	Error       string     `json:"error,omitempty"`
	Cause       string     `json:"cause,omitempty"`
	Diagnosis   string     `json:"diagnosis,omitempty"`
}

// NewCmdVerify builds `webhook verify`.
func NewCmdVerify(f *cmdutil.Factory, runF func(context.Context, *VerifyOptions) error) *cobra.Command {
	opts := &VerifyOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "verify (--secret S | --config ID) (--request FILE | --data BODY -H 'K: V'…)",
		Short: "Verify a received webhook's signature and explain a failure",
		Long: `Verify the signature of a received webhook request.

Give the request either whole, as captured (--request FILE, or - for stdin: the
request line, headers, a blank line, then the body — what "hookctl webhook
requests show ID --raw" prints), or as the body plus its headers: --data takes
the body as sign does (the text itself, @FILE, or - for stdin); --body FILE is
the same as --data @FILE.

The scheme is detected from the headers unless --scheme names it. When the
signature does not verify, hookctl tries the usual mistakes (secret used in the
wrong form, hex vs base64, a missing prefix, a re-serialized body or a trailing
newline, an expired rotated secret, another scheme's headers, clock skew) and
says which one would have matched.

Exit status: 0 verified; 5 not verified — the signature is wrong, malformed
(a missing prefix such as sha256=, a value that does not decode) or missing,
or the timestamp is outside the window; 2 unusable command input (no body,
unreadable file, unknown scheme, no secret).`,
		Example: `  hookctl webhook verify --config whc_01j… --request captured.http
  hookctl webhook requests show req_01j… --raw | hookctl webhook verify --secret "$SECRET" --request -
  hookctl webhook verify --scheme github --secret "It's a Secret to Everybody" \
      --data @body.txt --header 'X-Hub-Signature-256: sha256=757107ea…'
  hookctl webhook verify --secret s3 --data '{"ok":true}' -H "X-Hub-Signature-256: $SIG"
  hookctl webhook verify --secret whsec_… --request req.http --now 1614265330 -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			dataGiven := cmd.Flags().Changed("data")
			if dataGiven && opts.Body != "" {
				return apperr.Usagef("--body FILE is --data @FILE: give one of them")
			}
			if err := cmdutil.MutuallyExclusive("use either --request or --data/--header, not both", opts.Request != "", dataGiven || opts.Body != "" || len(opts.Headers) > 0); err != nil {
				return err
			}
			if opts.Request == "" && !dataGiven && opts.Body == "" {
				return apperr.Usagef("nothing to verify: pass --request FILE (or - for stdin), or --data BODY (@FILE, - for stdin) with --header 'Name: value'")
			}
			if opts.secret.FromStdin() && (opts.Request == "-" || opts.Body == "-" || opts.Data == "-") {
				return apperr.Usagef("--secret-file - and --request -/--data - cannot both read standard input")
			}
			if opts.secret.Given() && opts.ConfigID != "" {
				return apperr.Usagef("use either --secret or --config, not both")
			}
			var err error
			if opts.Secrets, err = opts.secret.Resolve(f.IOStreams.In, f.Getenv, opts.ConfigID == ""); err != nil {
				return err
			}
			if len(opts.Secrets) == 0 && opts.ConfigID == "" {
				return apperr.Usagef("a secret is required: pass --secret-file, --secret or --config, or set $%s", cmdutil.SecretEnv)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return verifyRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Scheme, "scheme", "", "signature scheme, or auto to detect it (default: the config's, else auto)")
	opts.secret = cmdutil.AddSecretFlags(cmd, true, "secret to verify with, repeatable (any may match)")
	fl.StringVar(&opts.ConfigID, "config", "", "verify with this webhook config's current and rotated secrets")
	fl.StringVar(&opts.Request, "request", "", "raw HTTP request as captured, or - for stdin")
	cmdutil.DataVar(fl, &opts.Data, "the exact body bytes: the data itself, @file, or - for stdin")
	fl.StringVar(&opts.Body, "body", "", "file holding the exact body bytes (- for stdin): the same as --data @`FILE`")
	cmdutil.HeaderVar(fl, &opts.Headers, "request header 'Name: value', repeatable")
	fl.DurationVar(&opts.Tolerance, "tolerance", 0, "replay window (default: the scheme's; negative disables the check)")
	fl.Int64Var(&opts.Now, "now", 0, "verify as if the time were this unix second")
	fl.StringVar(&opts.HMAC.HeaderSet, "header-set", "", "")
	_ = fl.MarkHidden("header-set")
	opts.HMAC.register(cmd)
	registerSchemeCompletion(cmd, true)
	return cmd
}

func verifyRun(ctx context.Context, opts *VerifyOptions) error {
	f := opts.Factory
	headers, body, err := readVerifyInput(f, opts)
	if err != nil {
		return err
	}
	s, err := receive.ResolveSigning(ctx, f, opts.Scheme, opts.Secrets, opts.ConfigID, signature.Auto)
	if err != nil {
		return err
	}
	so := signature.Options{Now: f.Now(), Tolerance: opts.Tolerance}
	if opts.Now != 0 {
		so.Now = time.Unix(opts.Now, 0)
	}
	opts.HMAC.apply(&so)

	res := signature.Verify(s.Scheme, s.Secrets, headers, body, so)
	if apperr.IsKind(res.Err, apperr.ErrUsage) {
		// Unusable command input (no or bad secret, unknown scheme, bad
		// options): an error, exit 2. A request whose signature headers are
		// missing or malformed gets a verdict and its diagnosis, exit 5.
		return res.Err
	}
	out := VerifyResult{Verified: res.OK, Scheme: res.Scheme, MessageID: res.MessageID}
	if !res.Timestamp.IsZero() {
		ts := res.Timestamp.UTC()
		skew := int64(res.Skew / time.Second)
		out.Timestamp, out.SkewSeconds = &ts, &skew
	}
	if res.OK {
		out.Secret = res.SecretIndex + 1
	} else {
		if res.Err != nil {
			out.Error = res.Err.Error()
		}
		// Diagnosis retries the usual mistakes; only worth it on failure.
		d := signature.DiagnoseResult(res, s.Scheme, s.Secrets, headers, body, so)
		out.Cause, out.Diagnosis = d.Cause, d.Message
		if d.Scheme != "" && out.Scheme == signature.Auto {
			out.Scheme = d.Scheme
		}
	}
	if err := cmdutil.Render(f, out, func() error { return printVerify(f, out) }); err != nil {
		return err
	}
	if res.OK {
		return nil
	}
	return cmdutil.SilentError(apperr.ErrVerification, "signature not verified")
}

func printVerify(f *cmdutil.Factory, r VerifyResult) error {
	ios := f.IOStreams
	st := ios.Styles()
	var b strings.Builder
	if r.Verified {
		fmt.Fprintf(&b, "%s verified (%s, secret #%d)\n", st.SuccessIcon(), esc(r.Scheme), r.Secret)
	} else {
		fmt.Fprintf(&b, "%s not verified (%s): %s\n", st.FailureIcon(), esc(r.Scheme), esc(r.Error))
		if r.Diagnosis != "" && r.Diagnosis != r.Error {
			fmt.Fprintf(&b, "  %s %s\n", st.Bold.Render("why:"), esc(r.Diagnosis))
		}
	}
	if r.MessageID != "" {
		fmt.Fprintf(&b, "  %s %s\n", st.Muted.Render("message id:"), esc(r.MessageID))
	}
	if r.Timestamp != nil {
		fmt.Fprintf(&b, "  %s %s (%ds ago)\n", st.Muted.Render("signed at:"), r.Timestamp.Format(time.RFC3339), *r.SkewSeconds)
	}
	_, err := fmt.Fprint(ios.Out, b.String())
	return err
}

func readVerifyInput(f *cmdutil.Factory, opts *VerifyOptions) (http.Header, []byte, error) {
	if opts.Request != "" {
		in := f.IOStreams.In
		if opts.Request != "-" {
			file, err := os.Open(opts.Request)
			if err != nil {
				return nil, nil, apperr.Usagef("cannot read --request %s: %v", opts.Request, err)
			}
			defer file.Close()
			in = file
		}
		req, err := rawhttp.Parse(in)
		if err != nil {
			return nil, nil, err
		}
		return req.Header, req.Body, nil
	}
	arg := opts.Data
	if opts.Body != "" {
		arg = opts.Body
		if arg != "-" {
			arg = "@" + arg
		}
	}
	body, err := cmdutil.ReadData(arg, f.IOStreams.In)
	if err != nil {
		return nil, nil, err
	}
	headers := http.Header{}
	for _, h := range opts.Headers {
		k, v, err := cmdutil.ParseHeader(h)
		if err != nil {
			return nil, nil, err
		}
		headers.Add(k, v)
	}
	return headers, body, nil
}
