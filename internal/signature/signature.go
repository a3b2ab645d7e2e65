// Package signature signs and verifies webhook requests for the schemes
// providers use (Standard Webhooks/Svix, Stripe, GitHub, Slack, Shopify,
// Scalefusion, Reincubate ricloud and a generic HMAC), detects the scheme from
// the headers, and diagnoses why a verification failed.
//
// The package is pure: no I/O, no printing. Errors wrap apperr kinds:
// apperr.ErrVerification for anything wrong with the request's signature
// (missing or malformed signature headers, a signature that does not decode
// or does not match, a timestamp outside the window) — what the providers'
// libraries report as a verification error — and apperr.ErrUsage for what is
// wrong with the caller's input: no or bad secrets, unknown schemes, bad
// options.
package signature

import (
	"crypto/hmac"
	"errors"
	"net/http"
	"net/textproto"
	"sort"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
)

// Secret is one signing secret. Several secrets model rotation.
type Secret struct {
	Value string
	// ExpiresAt is when a rotated secret stops being accepted; zero means
	// never. An expired secret is not accepted by Verify nor used by Sign, but
	// Diagnose names it when it would have matched.
	ExpiresAt time.Time
}

// Options tune Sign, Verify and DiagnoseResult.
type Options struct {
	Now       time.Time     // injected clock; zero = time.Now()
	Tolerance time.Duration // 0 = the scheme's default window; negative = no check
	ID        string        // standard: message id (webhook-id); generated "msg_…" if empty when signing
	Timestamp time.Time     // signing time; zero = Now
	Header    string        // hmac / hmac-sha256: header name
	Algorithm string        // hmac: sha1|sha256|sha512 (default sha256)
	Encoding  string        // hmac: hex|base64 (default hex)
	Prefix    string        // hmac / hmac-sha256: signature prefix, e.g. "sha256="
	HeaderSet string        // standard, signing: "webhook" (default, webhook-* headers) or "svix" (svix-* headers)
}

// Result is the outcome of Verify.
type Result struct {
	OK          bool
	Scheme      string // the scheme used (resolved when "auto" was asked)
	SecretIndex int    // 0-based index into secrets that matched, -1 if none
	// Err says why the result is not OK. It wraps apperr.ErrVerification for
	// a request that does not verify: a mismatch (ErrMismatch), a timestamp
	// outside the window (ErrTooOld, ErrTooNew), missing (ErrMissing) or
	// malformed (ErrMalformed) signature headers; and apperr.ErrUsage for
	// unusable input of the caller: no or bad secrets (ErrNoSecret), an
	// unknown scheme (ErrUnknownScheme), bad options.
	Err error
	// Skew is now minus the signed timestamp, set when the scheme carries a
	// timestamp (positive: the request is in the past).
	Skew time.Duration
	// Timestamp is the signed timestamp when the scheme has one.
	Timestamp time.Time
	// MessageID is the webhook-id / svix-id for the standard scheme.
	MessageID string
	// SignatureMatched is true when a signature matched but the request was
	// still refused because its timestamp is outside the window.
	SignatureMatched bool
}

// Reasons a verification fails, beyond the apperr kinds; test with errors.Is.
var (
	ErrMismatch      = errors.New("signature mismatch")
	ErrTooOld        = errors.New("timestamp too old")
	ErrTooNew        = errors.New("timestamp too new")
	ErrMissing       = errors.New("signature headers missing")
	ErrMalformed     = errors.New("malformed signature header")
	ErrNoSecret      = errors.New("no usable secret")
	ErrUnknownScheme = errors.New("unknown scheme")
)

// Auto is the scheme name that makes Verify and DiagnoseResult detect the scheme.
const Auto = "auto"

// Schemes returns the names of the supported schemes, sorted.
func Schemes() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Detect returns the schemes whose signature headers are present, most
// specific first. The generic hmac scheme is never detected.
func Detect(headers http.Header) []string {
	var out []string
	for _, def := range detectOrder {
		for _, h := range def.detect {
			if header(headers, h) != "" {
				out = append(out, def.name)
				break
			}
		}
	}
	return out
}

// Sign returns the headers that carry the signature of body. Schemes that
// allow several signatures (standard, stripe) get one per active secret;
// others are signed with the first active secret.
func Sign(scheme string, secrets []Secret, body []byte, opts Options) (http.Header, error) {
	base, ok := registry[scheme]
	if !ok {
		return nil, unknownScheme(scheme)
	}
	def, err := base.configure(&opts)
	if err != nil {
		return nil, err
	}
	now := opts.now()
	var active []string
	for _, s := range secrets {
		if s.expired(now) {
			continue
		}
		active = append(active, s.Value)
		if !def.multi {
			break
		}
	}
	if len(active) == 0 {
		if len(secrets) == 0 {
			return nil, apperr.Wrap(apperr.ErrUsage, ErrNoSecret, "no secret given to sign with")
		}
		return nil, apperr.Wrap(apperr.ErrUsage, ErrNoSecret, "every secret has expired; nothing to sign with")
	}
	ts := opts.Timestamp
	if ts.IsZero() {
		ts = now
	}
	return def.sign(&def, active, body, ts.Unix(), &opts)
}

// Verify checks the signature headers of a request against the secrets.
// scheme may be Auto to detect it from the headers.
func Verify(scheme string, secrets []Secret, headers http.Header, body []byte, opts Options) Result {
	if scheme == Auto {
		found := Detect(headers)
		if len(found) == 0 {
			return Result{Scheme: scheme, SecretIndex: -1, Err: apperr.Wrap(apperr.ErrVerification, ErrMissing,
				"no known signature headers found (looked for %s)", knownHeaderList())}
		}
		var first Result
		for i, name := range found {
			r := Verify(name, secrets, headers, body, opts)
			if r.OK {
				return r
			}
			if i == 0 {
				first = r
			}
		}
		return first
	}
	base, ok := registry[scheme]
	if !ok {
		return Result{Scheme: scheme, SecretIndex: -1, Err: unknownScheme(scheme)}
	}
	def, err := base.configure(&opts)
	if err != nil {
		return Result{Scheme: scheme, SecretIndex: -1, Err: err}
	}
	if len(secrets) == 0 {
		return Result{Scheme: scheme, SecretIndex: -1, Err: apperr.Wrap(apperr.ErrUsage, ErrNoSecret, "no secret given to verify with")}
	}
	if def.name == "standard" {
		// Either header set verifies the request (the Svix library reads
		// svix-*, the Standard Webhooks one webhook-*): with both sets
		// complete, try each; a failure reports the webhook-* set's.
		if _, complete := standardSetsPresent(headers); complete&(complete-1) != 0 {
			var first Result
			for i := range standardSets {
				def.verifySet = i + 1
				r := verifyWith(&def, secrets, headers, body, opts)
				if r.OK {
					return r
				}
				if i == 0 {
					first = r
				}
			}
			return first
		}
	}
	return verifyWith(&def, secrets, headers, body, opts)
}

// verifyWith is Verify for one configured scheme and a non-empty secrets.
func verifyWith(def *schemeDef, secrets []Secret, headers http.Header, body []byte, opts Options) Result {
	s := getScratch()
	defer putScratch(s)
	r := Result{Scheme: def.name, SecretIndex: -1}
	s.def = *def
	p := &s.p
	if err := def.parse(&s.def, headers, p); err != nil {
		r.Err = err
		return r
	}
	if err := p.strict(&s.def); err != nil {
		r.Err = err
		return r
	}
	now := opts.now()
	r.MessageID = p.id
	if p.hasTS {
		r.Timestamp = time.Unix(p.ts, 0)
		r.Skew = skew(now, p.ts)
	}
	idx, err := s.match(secrets, now, body, false)
	if err != nil {
		r.Err = err
		return r
	}
	if idx < 0 {
		r.Err = mismatchError(&s.def, p, s.nsig)
		return r
	}
	r.SecretIndex = idx
	r.SignatureMatched = true
	if err := s.def.checkWindow(p, now, opts.Tolerance); err != nil {
		r.Err = err
		return r
	}
	r.OK = true
	return r
}

func (o *Options) now() time.Time {
	if o.Now.IsZero() {
		return time.Now()
	}
	return o.Now
}

func (s Secret) expired(now time.Time) bool {
	return !s.ExpiresAt.IsZero() && s.ExpiresAt.Before(now)
}

// match decodes the parsed signatures and compares them with the MAC of every
// usable secret. It returns the index of the secret that matched, or -1.
// With includeExpired, expired secrets are tried too.
func (s *scratch) match(secrets []Secret, now time.Time, body []byte, includeExpired bool) (int, error) {
	def, p := &s.def, &s.p
	s.decodeSigs(def.version, def.enc)
	usable := 0
	var keyErr error
	for i := range secrets {
		sec := &secrets[i]
		if !includeExpired && sec.expired(now) {
			continue
		}
		if def.asymmetric != nil && def.asymmetric.handles(sec.Value) {
			ok, err := def.asymmetric.verify(s, sec.Value, body)
			if err != nil {
				keyErr = err
				continue
			}
			usable++
			if ok {
				return i, nil
			}
			continue
		}
		key, err := def.key(sec.Value, s.key[:], s.text[:])
		if err != nil {
			keyErr = err
			continue
		}
		usable++
		if s.nsig == 0 {
			continue
		}
		mac := s.computeWith(def, p, key, body)
		for j := 0; j < s.nsig; j++ {
			if hmac.Equal(mac, s.sigs[j][:s.sigLen[j]]) {
				return i, nil
			}
		}
	}
	if usable == 0 {
		if keyErr != nil {
			return -1, keyErr
		}
		return -1, apperr.Wrap(apperr.ErrUsage, ErrNoSecret, "every secret has expired; nothing to verify with")
	}
	return -1, nil
}

// computeWith returns the MAC of prefix||body under key in s.sum.
func (s *scratch) computeWith(def *schemeDef, p *parsed, key, body []byte) []byte {
	h := s.mac.start(p.algo(def), key)
	if def.prefix != nil {
		h.Write(def.prefix(s.prefix[:0], p))
	}
	h.Write(body)
	return s.mac.sum(s.sum[:0])
}

// decodeSigs decodes the raw signature texts with the given version tag into
// s.sigs. Entries that do not decode are skipped.
func (s *scratch) decodeSigs(version string, enc encoding) {
	s.nsig = 0
	p := &s.p
	for i := 0; i < p.n; i++ {
		r := &p.raws[i]
		if r.version != version {
			continue
		}
		n, ok := enc.decodeInto(s.sigs[s.nsig][:], r.text, s.text[:])
		if !ok {
			continue
		}
		s.sigLen[s.nsig] = uint8(n)
		s.nsig++
	}
}

func skew(now time.Time, ts int64) time.Duration {
	d := now.Unix() - ts
	const limit = int64(1<<63-1) / int64(time.Second)
	if d > limit {
		d = limit
	} else if d < -limit {
		d = -limit
	}
	return time.Duration(d)*time.Second + time.Duration(now.Nanosecond())
}

func unknownScheme(name string) error {
	return apperr.Wrap(apperr.ErrUsage, ErrUnknownScheme, "unknown signature scheme %q (known: %s)", name, strings.Join(Schemes(), ", "))
}

func knownHeaderList() string {
	var hs []string
	for _, def := range detectOrder {
		hs = append(hs, def.detect[0])
	}
	return strings.Join(hs, ", ")
}

// headerValues returns every value (line) of the named header; like header,
// it also finds names not in canonical form.
func headerValues(h http.Header, name string) []string {
	if v, ok := h[name]; ok {
		return v
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

// header returns the first value of the named header. name must be in
// canonical form; a map built by hand with other spellings is searched too.
func header(h http.Header, name string) string {
	if v, ok := h[name]; ok {
		if len(v) > 0 {
			return v[0]
		}
		return ""
	}
	for k, v := range h {
		if len(v) > 0 && strings.EqualFold(k, name) {
			return v[0]
		}
	}
	return ""
}

// canonical returns the canonical form of a header name (allocates only when
// the name is not canonical already).
func canonical(name string) string { return textproto.CanonicalMIMEHeaderKey(name) }
