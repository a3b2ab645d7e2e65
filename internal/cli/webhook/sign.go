package webhook

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/cli/receive"
	"github.com/hookctl/hookctl/internal/cmdutil"
	"github.com/hookctl/hookctl/internal/shellquote"
	"github.com/hookctl/hookctl/internal/signature"
)

// SignOptions are the inputs of `webhook sign`.
type SignOptions struct {
	Factory   *cmdutil.Factory
	Scheme    string
	Secrets   []string
	ConfigID  string
	ID        string
	Timestamp int64
	Data      string
	Curl      string
	HMAC      hmacFlags

	secret *cmdutil.SecretFlags
}

// hmacFlags configure the generic hmac scheme (and the header of hmac-sha256).
type hmacFlags struct {
	Header, Algorithm, Encoding, Prefix, HeaderSet string
}

func (h *hmacFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&h.Header, "signature-header", "", "hmac schemes: header that carries the signature (hmac-sha256 default X-SF-Signature)")
	fl.StringVar(&h.Algorithm, "algorithm", "", "hmac scheme: sha1, sha256 or sha512 (default sha256)")
	fl.StringVar(&h.Encoding, "encoding", "", "hmac scheme: hex or base64 (default hex)")
	fl.StringVar(&h.Prefix, "prefix", "", "hmac schemes: signature prefix, e.g. sha256=")
	_ = cmd.RegisterFlagCompletionFunc("algorithm", cobra.FixedCompletions([]string{"sha1", "sha256", "sha512"}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("encoding", cobra.FixedCompletions([]string{"hex", "base64"}, cobra.ShellCompDirectiveNoFileComp))
}

func (h *hmacFlags) apply(o *signature.Options) {
	o.Header, o.Algorithm, o.Encoding, o.Prefix, o.HeaderSet = h.Header, h.Algorithm, h.Encoding, h.Prefix, h.HeaderSet
}

func registerSchemeCompletion(cmd *cobra.Command, auto bool) {
	schemes := signature.Schemes()
	if auto {
		schemes = append([]string{signature.Auto}, schemes...)
	}
	_ = cmd.RegisterFlagCompletionFunc("scheme", cobra.FixedCompletions(schemes, cobra.ShellCompDirectiveNoFileComp))
}

// NewCmdSign builds `webhook sign`.
func NewCmdSign(f *cmdutil.Factory, runF func(context.Context, *SignOptions) error) *cobra.Command {
	opts := &SignOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "sign --data DATA (--secret S | --config ID)",
		Short: "Compute the signature headers for a payload",
		Long: `Sign a payload the way a provider would and print the headers to add.

The scheme comes from --scheme, or from the webhook config given with --config
(whose current secret signs; schemes that allow several signatures, standard and
stripe, get one per active secret). --data takes the payload itself, @file, or -
for standard input; it is signed byte for byte.

Schemes: ` + strings.Join(signature.Schemes(), ", ") + `.`,
		Example: `  hookctl webhook sign --scheme github --secret "It's a Secret to Everybody" --data 'Hello, World!'
  hookctl webhook sign --config whc_01j… --data @event.json -o json
  hookctl webhook sign --scheme stripe --secret whsec_abc --data @event.json --curl http://127.0.0.1:8080/hooks
  hookctl webhook sign --scheme hmac --signature-header X-Signature --algorithm sha512 --encoding base64 --secret s --data -`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Data == "" {
				return apperr.Usagef("--data is required: the payload, @file, or - for standard input")
			}
			if opts.secret.FromStdin() && opts.Data == "-" {
				return apperr.Usagef("--secret-file - and --data - cannot both read standard input")
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
			return signRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Scheme, "scheme", "", "signature scheme (default: the config's, else standard)")
	opts.secret = cmdutil.AddSecretFlags(cmd, true, "signing secret, repeatable for schemes that carry several signatures")
	fl.StringVar(&opts.ConfigID, "config", "", "sign with this webhook config's scheme and secret")
	fl.StringVar(&opts.ID, "id", "", "message id for standard webhooks (default: generated msg_…)")
	fl.Int64Var(&opts.Timestamp, "timestamp", 0, "signing time as unix seconds (default: now)")
	cmdutil.DataVar(fl, &opts.Data, "payload: the data itself, @file, or - for stdin")
	fl.StringVar(&opts.Curl, "curl", "", "print a ready-to-run curl command posting the signed payload to `URL`")
	fl.StringVar(&opts.HMAC.HeaderSet, "header-set", "", "standard scheme: webhook (default) or svix header names")
	opts.HMAC.register(cmd)
	registerSchemeCompletion(cmd, false)
	return cmd
}

func signRun(ctx context.Context, opts *SignOptions) error {
	f := opts.Factory
	body, err := cmdutil.ReadData(opts.Data, f.IOStreams.In)
	if err != nil {
		return err
	}
	s, err := receive.ResolveSigning(ctx, f, opts.Scheme, opts.Secrets, opts.ConfigID, "standard")
	if err != nil {
		return err
	}
	so := signature.Options{Now: f.Now(), ID: opts.ID}
	if opts.Timestamp != 0 {
		so.Timestamp = time.Unix(opts.Timestamp, 0)
	}
	opts.HMAC.apply(&so)
	headers, err := signature.Sign(s.Scheme, s.Secrets, body, so)
	if err != nil {
		return err
	}
	if opts.Curl != "" {
		_, err := fmt.Fprintln(f.IOStreams.Out, curlCommand(opts.Curl, headers, opts.Data, body))
		return err
	}
	flat := map[string]string{}
	for _, k := range sortedKeys(headers) {
		flat[displayHeader(k)] = strings.Join(headers[k], ", ")
	}
	return cmdutil.Render(f, flat, func() error {
		var b strings.Builder
		for _, k := range sortedKeys(headers) {
			fmt.Fprintf(&b, "%s: %s\n", displayHeader(k), strings.Join(headers[k], ", "))
		}
		_, err := fmt.Fprint(f.IOStreams.Out, b.String())
		return err
	})
}

// displayHeader writes Standard Webhooks and Svix headers in the lower case
// their specs use; the rest keep Go's canonical form.
func displayHeader(k string) string {
	lk := strings.ToLower(k)
	if strings.HasPrefix(lk, "webhook-") || strings.HasPrefix(lk, "svix-") {
		return lk
	}
	return k
}

func sortedKeys(h http.Header) []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// curlCommand renders a POST of the exact bytes that were signed. A file
// argument is referenced with --data-binary @file so nothing is re-encoded.
func curlCommand(url string, headers http.Header, dataArg string, body []byte) string {
	var b strings.Builder
	b.WriteString("curl -sS -X POST " + shellquote.Quote(url) + " \\\n  -H 'Content-Type: application/json'")
	for _, k := range sortedKeys(headers) {
		for _, v := range headers[k] {
			b.WriteString(" \\\n  -H " + shellquote.Quote(displayHeader(k)+": "+v))
		}
	}
	if strings.HasPrefix(dataArg, "@") {
		b.WriteString(" \\\n  --data-binary " + shellquote.Quote(dataArg))
	} else {
		b.WriteString(" \\\n  --data-binary " + shellquote.Quote(string(body)))
	}
	return b.String()
}
