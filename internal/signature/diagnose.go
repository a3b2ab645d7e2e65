package signature

import (
	"bytes"
	"crypto/hmac"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/jsondepth"
)

// Diagnosis explains why a verification failed and what would have matched.
type Diagnosis struct {
	// Cause is a short machine code; see the Cause… constants.
	Cause string
	// Message is one human sentence: what would have matched and what to do.
	Message string
	// Scheme is the scheme diagnosed (the other scheme for
	// CauseOtherSchemeHeaders when that one verifies).
	Scheme string
	// SecretIndex is the 0-based index of the secret that would have
	// matched, -1 if none.
	SecretIndex int
	// Variants lists every deviation that was needed for the match, most
	// important first (e.g. "secret used raw, not base64-decoded").
	Variants []string
	// Skew is now minus the signed timestamp when the scheme has one.
	Skew time.Duration
	// Result is the plain Verify result the diagnosis started from.
	Result Result
}

// Diagnosis causes.
const (
	CauseOK                 = "ok"                     // the request verifies; nothing to diagnose
	CauseUnknownScheme      = "unknown_scheme"         // the scheme name is not known
	CauseInvalidOptions     = "invalid_options"        // Options do not make sense for the scheme (e.g. hmac without header)
	CauseNoSecret           = "no_secret"              // no secret was given
	CauseMissingHeader      = "missing_header"         // the scheme's signature headers are absent and no other scheme's are present
	CauseMalformedHeader    = "malformed_header"       // the headers are present but cannot be parsed
	CauseOtherSchemeHeaders = "other_scheme_headers"   // another scheme's headers are present: the sender uses that scheme
	CauseSecretNotDecoded   = "secret_not_decoded"     // the sender used a whsec_ secret as raw bytes instead of base64-decoding it
	CauseSecretDecoded      = "secret_decoded"         // the sender base64/hex-decoded a secret the scheme uses as is
	CauseSecretPrefix       = "secret_prefix"          // the sender dropped the whsec_ prefix of a secret the scheme uses whole
	CauseEncodingMismatch   = "encoding_mismatch"      // the signature is hex where base64 is expected, or the reverse
	CausePrefixMissing      = "prefix_missing"         // the signature lacks the expected prefix (sha256=, v0=, v1,)
	CausePrefixExtra        = "prefix_extra"           // the signature carries a prefix the scheme does not expect
	CauseBodyTrailingNL     = "body_trailing_newline"  // the body differs by a trailing \n or \r\n
	CauseBodyReserialized   = "body_reserialized"      // the body was JSON re-encoded (compacted, indented, keys sorted)
	CauseRotatedExpired     = "rotated_secret_expired" // signed with a rotated secret that has expired
	CauseTimestampTooOld    = "timestamp_too_old"      // the signature matches but the timestamp is older than the window
	CauseTimestampTooNew    = "timestamp_too_new"      // the signature matches but the timestamp is in the future beyond the window
	CauseWrongSecret        = "wrong_secret"           // no variant of the given secrets matches
)

// causeRank orders causes when a match needed several deviations: the first
// one is reported as Cause.
var causeRank = map[string]int{
	CauseSecretNotDecoded: 0, CauseSecretDecoded: 1, CauseSecretPrefix: 2,
	CauseEncodingMismatch: 3, CausePrefixMissing: 4, CausePrefixExtra: 5,
	CauseBodyTrailingNL: 6, CauseBodyReserialized: 7, CauseRotatedExpired: 8,
}

// MaxVariantBody is the largest body for which a failed verification tries
// variants (other key forms, body forms, other schemes' headers). Each
// variant costs one HMAC over the body, and re-encoding JSON costs more, so
// a larger body is only verified as received: its failure costs about what
// a passing verification does.
const MaxVariantBody = 1 << 20

// MaxTries is the most HMACs one diagnosis computes over the body (the
// combinations of secret, key form and body form; signature decodings are
// compared against each HMAC at no extra cost).
const MaxTries = 128

// skippedBig is what a diagnosis of a body over MaxVariantBody says.
const skippedBig = "body over 1 MiB: variants not tried"

// DiagnoseResult says why a request did not verify: r is what Verify
// returned with the same arguments (so the body is not verified again, and a
// failure costs about what a pass does), and on a failure it tries the usual
// mistakes to say what would have matched. scheme may be Auto. Variants are
// tried only for bodies up to MaxVariantBody and at most MaxTries of them;
// the message says when they were skipped or cut short.
func DiagnoseResult(r Result, scheme string, secrets []Secret, headers http.Header, body []byte, opts Options) Diagnosis {
	return diagnose(&r, scheme, secrets, headers, body, opts)
}

func diagnose(verified *Result, scheme string, secrets []Secret, headers http.Header, body []byte, opts Options) Diagnosis {
	d := Diagnosis{Scheme: scheme, SecretIndex: -1}
	detected := Detect(headers)
	if scheme == Auto {
		if len(detected) == 0 {
			d.Cause = CauseMissingHeader
			d.Message = "No known signature headers are present (looked for " + knownHeaderList() + "); check that the sender signs its requests and that a proxy does not strip the headers."
			return d
		}
		scheme = detected[0]
		d.Scheme = scheme
	}
	base, ok := registry[scheme]
	if !ok {
		d.Cause, d.Message = CauseUnknownScheme, unknownScheme(scheme).Error()+"."
		return d
	}
	if len(secrets) == 0 {
		d.Cause, d.Message = CauseNoSecret, "No secret was given; pass the signing secret to verify with."
		return d
	}
	var r Result
	if verified != nil && verified.Scheme == scheme {
		r = *verified
	} else {
		r = Verify(scheme, secrets, headers, body, opts)
	}
	d.Result, d.Skew = r, r.Skew
	if r.OK {
		d.Cause, d.SecretIndex = CauseOK, r.SecretIndex
		d.Message = fmt.Sprintf("The signature is valid (%s, secret #%d).", base.title, r.SecretIndex+1)
		return d
	}
	if r.SignatureMatched {
		d.SecretIndex = r.SecretIndex
		d.Cause = CauseTimestampTooOld
		if errors.Is(r.Err, ErrTooNew) {
			d.Cause = CauseTimestampTooNew
		}
		d.Message = fmt.Sprintf("The signature matches secret #%d, but %s: the request is a replay or a clock is off; re-send it, fix the clock, or widen the tolerance.", r.SecretIndex+1, r.Err)
		return d
	}
	def, err := base.configure(&opts)
	if err != nil {
		d.Cause, d.Message = CauseInvalidOptions, err.Error()+"."
		return d
	}
	var others []string
	for _, o := range detected {
		if o != scheme {
			others = append(others, o)
		}
	}
	var p parsed
	if err := def.parse(&def, headers, &p); err != nil {
		if len(others) > 0 {
			return otherScheme(d, scheme, others, secrets, headers, body, opts)
		}
		d.Cause = CauseMalformedHeader
		if errors.Is(err, ErrMissing) {
			d.Cause = CauseMissingHeader
			d.Message = fmt.Sprintf("The %s headers are absent (%s) and no other scheme's headers are present; check the scheme and that nothing strips the headers.", def.title, err)
		} else {
			d.Message = fmt.Sprintf("The %s signature header cannot be parsed: %s.", def.title, err)
		}
		return d
	}
	now := opts.now()
	if len(body) > MaxVariantBody {
		if len(others) > 0 {
			return otherScheme(d, scheme, others, secrets, headers, body, opts)
		}
		d.Cause = CauseWrongSecret
		if errors.Is(r.Err, ErrMalformed) {
			d.Cause = CauseMalformedHeader
		}
		msg := "the signature does not match the given secret(s)"
		if r.Err != nil {
			msg = r.Err.Error()
		}
		d.Message = fmt.Sprintf("%s (%s: check the secret, and that the body is verified exactly as received).", msg, skippedBig)
		return d
	}
	m, ok, cut := search(&def, &p, secrets, body, now)
	if ok {
		d.SecretIndex = m.secret
		d.Variants = m.labels
		d.Cause = m.cause
		d.Message = m.message(&def, secrets, now)
		if werr := def.checkWindow(&p, now, opts.Tolerance); werr != nil {
			d.Message += " Even then it would fail: " + werr.Error() + "."
		}
		return d
	}
	var cutNote string
	if cut {
		cutNote = fmt.Sprintf(" (stopped after %d tries)", MaxTries)
	}
	if len(others) > 0 {
		return otherScheme(d, scheme, others, secrets, headers, body, opts)
	}
	if errors.Is(r.Err, ErrMalformed) || errors.Is(r.Err, ErrNoSecret) {
		d.Cause = CauseMalformedHeader
		if errors.Is(r.Err, ErrNoSecret) {
			d.Cause = CauseWrongSecret
		}
		d.Message = fmt.Sprintf("%s, and no variant of the given secret(s) matches either%s: the sender used a different secret or format.", r.Err, cutNote)
		return d
	}
	d.Cause = CauseWrongSecret
	d.Message = "No variant of the given secret(s) matches: the sender used a different secret (tried the secret raw and decoded, hex and base64, with and without prefixes, the body with and without trailing newline and JSON re-encoded" + cutNote + ")."
	return d
}

func otherScheme(d Diagnosis, scheme string, others []string, secrets []Secret, headers http.Header, body []byte, opts Options) Diagnosis {
	d.Cause = CauseOtherSchemeHeaders
	titles := make([]string, len(others))
	for i, o := range others {
		titles[i] = registry[o].title + " (" + o + ")"
	}
	if len(body) > MaxVariantBody {
		d.Message = fmt.Sprintf("The request carries %s headers, not %s ones: the sender uses a different scheme; verify with that scheme (%s, so not verified with it here).",
			strings.Join(titles, ", "), registry[scheme].title, skippedBig)
		return d
	}
	for _, o := range others {
		if r := Verify(o, secrets, headers, body, opts); r.OK {
			d.Scheme, d.SecretIndex, d.Result, d.Skew = o, r.SecretIndex, r, r.Skew
			d.Message = fmt.Sprintf("The request carries %s headers, not %s, and verifies as %s with secret #%d: use the %s scheme.",
				registry[o].title, registry[scheme].title, o, r.SecretIndex+1, o)
			return d
		}
	}
	d.Message = fmt.Sprintf("The request carries %s headers, not %s ones: the sender uses a different scheme; verify with that scheme (it does not verify with the given secret(s) either).",
		strings.Join(titles, ", "), registry[scheme].title)
	return d
}

type variant struct {
	cause string
	label string
	data  []byte
}

type match struct {
	secret int
	cause  string
	labels []string
	score  int
}

func (m *match) message(def *schemeDef, secrets []Secret, now time.Time) string {
	var advice string
	switch m.cause {
	case CauseSecretNotDecoded:
		advice = "the sender uses the whsec_ string as raw key bytes; Standard Webhooks keys are the base64-decoded bytes after whsec_, so fix the sender's secret handling"
	case CauseSecretDecoded:
		advice = fmt.Sprintf("the sender decodes the secret, but %s signs with the secret string as is", def.title)
	case CauseSecretPrefix:
		advice = fmt.Sprintf("the sender drops the whsec_ prefix, but %s signs with the whole string", def.title)
	case CauseEncodingMismatch:
		advice = fmt.Sprintf("the signature uses the wrong encoding: %s expects %s", def.title, def.enc)
	case CausePrefixMissing:
		advice = "the signature lacks the prefix the scheme expects; add it on the sending side or configure the verifier without it"
	case CausePrefixExtra:
		advice = "the signature carries a prefix the scheme does not expect; configure the prefix (hmac: Prefix) or drop it on the sending side"
	case CauseBodyTrailingNL:
		advice = "the body changed between signing and verifying; verify the raw bytes exactly as received"
	case CauseBodyReserialized:
		advice = "the body was decoded and re-encoded as JSON; verify the raw request bytes, not a re-serialized copy"
	case CauseRotatedExpired:
		advice = "the sender still signs with the old secret; update the sender or extend that secret's expiry"
	}
	msg := fmt.Sprintf("The signature matches secret #%d when %s: %s.", m.secret+1, strings.Join(m.labels, " and "), advice)
	if m.cause == CauseRotatedExpired {
		s := secrets[m.secret]
		msg = fmt.Sprintf("Signed with the rotated secret #%d that expired %s ago: %s.", m.secret+1, humanDuration(now.Sub(s.ExpiresAt)), advice)
		if len(m.labels) > 1 {
			msg = fmt.Sprintf("Signed with the rotated secret #%d that expired %s ago (and %s): %s.", m.secret+1, humanDuration(now.Sub(s.ExpiresAt)), strings.Join(m.labels[:len(m.labels)-1], " and "), advice)
		}
	}
	return msg
}

// search tries every combination of secret, key form, body form and
// signature decoding, at most MaxTries HMACs (cut reports that it stopped
// there), and returns the match that needed the fewest deviations.
func search(def *schemeDef, p *parsed, secrets []Secret, body []byte, now time.Time) (_ match, _ bool, cut bool) {
	sigs := sigVariants(def, p)
	if len(sigs) == 0 {
		return match{}, false, false
	}
	bodies := bodyVariants(body)
	tries := 0
	var prefix []byte
	if def.prefix != nil {
		prefix = def.prefix(nil, p)
	}
	best := match{score: 1 << 30}
	found := false
	for i, s := range secrets {
		expired := s.expired(now)
		for _, k := range keyVariants(def, s.Value) {
			for _, b := range bodies {
				if tries == MaxTries {
					cut = true
					break
				}
				tries++
				mac := hmacSum(p.algo(def), k.data, prefix, b.data)
				for _, sg := range sigs {
					if !hmac.Equal(mac, sg.data) {
						continue
					}
					m := match{secret: i}
					for _, v := range []variant{k, sg, b} {
						if v.cause != "" {
							m.labels = append(m.labels, v.label)
							m.score++
							if m.cause == "" || causeRank[v.cause] < causeRank[m.cause] {
								m.cause = v.cause
							}
						}
					}
					if expired {
						m.labels = append(m.labels, fmt.Sprintf("the expired secret #%d is used", i+1))
						m.score++
						if m.cause == "" {
							m.cause = CauseRotatedExpired
						}
					}
					if m.score < best.score {
						best, found = m, true
					}
				}
			}
		}
	}
	if found && best.cause == "" {
		// Only possible for ed25519-only headers; nothing more to say.
		return match{}, false, cut
	}
	return best, found, cut
}

func keyVariants(def *schemeDef, secret string) []variant {
	var out []variant
	add := func(cause, label string, k []byte) {
		if len(k) == 0 {
			return
		}
		for _, v := range out {
			if bytes.Equal(v.data, k) {
				return
			}
		}
		out = append(out, variant{cause, label, k})
	}
	if k, err := def.key(secret, nil, nil); err == nil {
		add("", "", k)
	}
	rest, hasPrefix := strings.CutPrefix(secret, "whsec_")
	if def.keyKind == keyWhsec {
		add(CauseSecretNotDecoded, "the secret string is used raw, not base64-decoded", []byte(secret))
		if hasPrefix {
			add(CauseSecretNotDecoded, "the secret without whsec_ is used raw, not base64-decoded", []byte(rest))
		}
		return out
	}
	if hasPrefix {
		add(CauseSecretPrefix, "the secret is used without its whsec_ prefix", []byte(rest))
	}
	if k, err := base64.StdEncoding.DecodeString(rest); err == nil {
		add(CauseSecretDecoded, "the secret is base64-decoded", k)
	}
	if k, err := hex.DecodeString(rest); err == nil {
		add(CauseSecretDecoded, "the secret is hex-decoded", k)
	}
	return out
}

var knownPrefixes = []string{"sha256=", "sha1=", "sha512=", "v1=", "v0=", "v1,", "v1a,", "s=", "sha256:", "sha1:"}

func sigVariants(def *schemeDef, p *parsed) []variant {
	var out []variant
	add := func(cause, label string, text string, enc encoding) {
		var buf [sigBufLen]byte
		var tmp [512]byte
		n, ok := enc.decodeInto(buf[:], text, tmp[:])
		if !ok || n == 0 {
			return
		}
		out = append(out, variant{cause, label, append([]byte(nil), buf[:n]...)})
	}
	other := def.enc.other()
	for i := 0; i < p.n; i++ {
		r := &p.raws[i]
		if r.version != def.version && !r.prefixMissing {
			continue
		}
		if r.prefixMissing {
			want := def.sigPrefix
			if def.version != "" {
				want = def.version + ","
			}
			add(CausePrefixMissing, fmt.Sprintf("the signature has no %q prefix", want), r.text, def.enc)
			add(CausePrefixMissing, fmt.Sprintf("the signature has no %q prefix and is %s, not %s", want, other, def.enc), r.text, other)
		} else {
			add("", "", r.text, def.enc)
			add(CauseEncodingMismatch, fmt.Sprintf("the signature is read as %s instead of %s", other, def.enc), r.text, other)
		}
		for _, kp := range knownPrefixes {
			if t, ok := strings.CutPrefix(r.text, kp); ok {
				add(CausePrefixExtra, fmt.Sprintf("the extra %q prefix is dropped from the signature", kp), t, def.enc)
				add(CausePrefixExtra, fmt.Sprintf("the extra %q prefix is dropped and the signature read as %s", kp, other), t, other)
			}
		}
	}
	return out
}

func bodyVariants(body []byte) []variant {
	out := []variant{{"", "", body}}
	add := func(cause, label string, b []byte) {
		for _, v := range out {
			if bytes.Equal(v.data, b) {
				return
			}
		}
		out = append(out, variant{cause, label, b})
	}
	cat := func(a []byte, s string) []byte { return append(append([]byte(nil), a...), s...) }
	add(CauseBodyTrailingNL, `the body has a trailing "\n" (the sender's body ended with a newline that was lost)`, cat(body, "\n"))
	add(CauseBodyTrailingNL, `the body has a trailing "\r\n" (the sender's body ended with CRLF that was lost)`, cat(body, "\r\n"))
	if t, ok := bytes.CutSuffix(body, []byte("\r\n")); ok {
		add(CauseBodyTrailingNL, `the trailing "\r\n" is removed from the body (it was added after signing)`, t)
	}
	if t, ok := bytes.CutSuffix(body, []byte("\n")); ok {
		add(CauseBodyTrailingNL, `the trailing "\n" is removed from the body (it was added after signing)`, t)
	}
	if !jsondepth.Sane(body) || !json.Valid(body) {
		return out // not JSON, or nested too deep to decode (it recurses per level)
	}
	var buf bytes.Buffer
	if json.Compact(&buf, body) == nil {
		add(CauseBodyReserialized, "the body is compact JSON (the sender signed it without whitespace)", bytes.Clone(buf.Bytes()))
	}
	for _, ind := range []string{"  ", "    ", "\t"} {
		buf.Reset()
		if json.Indent(&buf, body, "", ind) == nil {
			add(CauseBodyReserialized, fmt.Sprintf("the body is indented JSON (%q)", ind), bytes.Clone(buf.Bytes()))
		}
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if dec.Decode(&v) == nil {
		for _, html := range []bool{true, false} {
			for _, ind := range []string{"", "  "} {
				buf.Reset()
				enc := json.NewEncoder(&buf)
				enc.SetEscapeHTML(html)
				enc.SetIndent("", ind)
				if enc.Encode(v) != nil {
					continue
				}
				b := bytes.Clone(buf.Bytes())
				label := "the body is JSON re-encoded with sorted keys"
				if ind != "" {
					label += ", indented"
				}
				add(CauseBodyReserialized, label, bytes.TrimSuffix(b, []byte("\n")))
				add(CauseBodyReserialized, label+`, with a trailing "\n"`, b)
			}
		}
	}
	return out
}

func humanDuration(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
	case d >= time.Hour:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	case d >= time.Minute:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	default:
		return fmt.Sprintf("%ds", int(d/time.Second))
	}
}
