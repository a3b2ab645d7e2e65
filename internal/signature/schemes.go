package signature

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
)

// keyKind says how a secret string becomes HMAC key bytes.
type keyKind uint8

const (
	keyRaw   keyKind = iota // the secret string's bytes, as is
	keyWhsec                // strip "whsec_" and base64-decode (Standard Webhooks)
)

// schemeDef describes one scheme. configure copies it and applies Options.
type schemeDef struct {
	name      string
	title     string
	detect    []string // canonical header names whose presence identifies the scheme
	algo      algo
	enc       encoding
	version   string // version tag of the entries to check ("v1", "s", "" for single-value headers)
	sigHeader string // single-value schemes: header holding the signature
	sigPrefix string // single-value schemes: text before the signature, e.g. "sha256="
	tsHeader  string // single-value schemes with a separate timestamp header
	window    time.Duration
	tooNew    bool // the window also refuses timestamps in the future
	multi     bool // signing emits one signature per active secret
	keyKind   keyKind
	headerSet string // standard: "webhook" or "svix" when signing
	// verifySet is the standard header set Verify parses: 0 (auto: the
	// first complete set, else the first present), or 1+ an index into
	// standardSets.
	verifySet int

	parse  func(def *schemeDef, h http.Header, p *parsed) error
	prefix func(dst []byte, p *parsed) []byte // message bytes before the body
	sign   func(def *schemeDef, secrets []string, body []byte, ts int64, o *Options) (http.Header, error)
	// asymmetric is set for schemes that also accept public-key signatures.
	asymmetric *asymmetricScheme
}

// parsed is what a header parser extracts. Strings point into the header
// values; nothing is copied.
type parsed struct {
	id        string
	tsText    string
	ts        int64
	hasTS     bool
	hasAlgo   bool
	alg       algo
	sigHeader string // header the signatures came from
	tsHeader  string // header (or field) the timestamp came from
	raws      [maxSigs]rawSig
	n         int
	// problem is a defect the lenient parse tolerated so that Diagnose can
	// still look at the value (e.g. a missing "sha256=" prefix); Verify
	// refuses it.
	problem string
}

type rawSig struct {
	version       string
	text          string
	prefixMissing bool
}

func (p *parsed) algo(def *schemeDef) algo {
	if p.hasAlgo {
		return p.alg
	}
	return def.algo
}

func (p *parsed) add(r rawSig) error {
	if p.n == maxSigs {
		return malformed("%s holds more than %d signatures", p.sigHeader, maxSigs)
	}
	p.raws[p.n] = r
	p.n++
	return nil
}

// strict refuses what the lenient parse tolerated.
func (p *parsed) strict(def *schemeDef) error {
	if p.problem != "" {
		return malformed("%s", p.problem)
	}
	for i := 0; i < p.n; i++ {
		v := p.raws[i].version
		if v == def.version || (def.asymmetric != nil && v == def.asymmetric.version) {
			return nil
		}
	}
	if def.version == "" {
		return malformed("%s is empty", p.sigHeader)
	}
	return malformed("%s holds no %s signature", p.sigHeader, versionLabel(def))
}

func versionLabel(def *schemeDef) string {
	switch def.name {
	case "standard":
		return `"v1,"`
	default:
		return strconv.Quote(def.version + "=")
	}
}

// malformed and missing describe the request's signature headers: a
// verification failure (exit 5), like the providers' libraries raise, not a
// usage error — the request is what is wrong, not the command line.
func malformed(format string, args ...any) error {
	return apperr.Wrap(apperr.ErrVerification, ErrMalformed, format, args...)
}

func missing(format string, args ...any) error {
	return apperr.Wrap(apperr.ErrVerification, ErrMissing, format, args...)
}

func mismatchError(def *schemeDef, p *parsed, nsig int) error {
	if nsig == 0 && (def.asymmetric == nil || !p.hasVersion(def.asymmetric.version)) {
		return malformed("no signature in %s decodes as %s", p.sigHeader, def.enc)
	}
	return apperr.Wrap(apperr.ErrVerification, ErrMismatch, "signature mismatch: no signature in %s matches the given secret(s)", p.sigHeader)
}

func (p *parsed) hasVersion(v string) bool {
	for i := 0; i < p.n; i++ {
		if p.raws[i].version == v {
			return true
		}
	}
	return false
}

// checkWindow applies the replay window.
func (def *schemeDef) checkWindow(p *parsed, now time.Time, tol time.Duration) error {
	if !p.hasTS || tol < 0 {
		return nil
	}
	if tol == 0 {
		tol = def.window
	}
	if tol == 0 {
		return nil
	}
	sk := skew(now, p.ts)
	if sk > tol {
		return apperr.Wrap(apperr.ErrVerification, ErrTooOld,
			"%s is %ds in the past, more than the %ds tolerance allows (too old)", p.tsHeader, int64(sk/time.Second), int64(tol/time.Second))
	}
	if def.tooNew && -sk > tol {
		return apperr.Wrap(apperr.ErrVerification, ErrTooNew,
			"%s is %ds in the future, more than the %ds tolerance allows (too new)", p.tsHeader, int64(-sk/time.Second), int64(tol/time.Second))
	}
	return nil
}

// key turns a secret into key bytes, using dst and tmp when they are big
// enough so that nothing is allocated.
func (def *schemeDef) key(secret string, dst, tmp []byte) ([]byte, error) {
	if secret == "" {
		return nil, apperr.Wrap(apperr.ErrUsage, ErrNoSecret, "empty secret")
	}
	if def.keyKind == keyRaw {
		if len(secret) <= len(dst) {
			return dst[:copy(dst, secret)], nil
		}
		return []byte(secret), nil
	}
	b64 := strings.TrimPrefix(secret, "whsec_")
	if n, ok := encBase64.decodeInto(dst, b64, tmp); ok && n > 0 {
		return dst[:n], nil
	}
	k, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(k) == 0 {
		return nil, apperr.Wrap(apperr.ErrUsage, ErrNoSecret,
			"the %s secret is not valid: expected whsec_ followed by base64", def.title)
	}
	return k, nil
}

// configure applies the Options that shape a scheme (header, algorithm…).
func (def *schemeDef) configure(o *Options) (schemeDef, error) {
	d := *def
	switch d.name {
	case "standard":
		switch strings.ToLower(o.HeaderSet) {
		case "", "webhook", "standard":
			d.headerSet = "webhook"
		case "svix":
			d.headerSet = "svix"
		default:
			return d, apperr.Usagef("unknown header set %q for the standard scheme (use webhook or svix)", o.HeaderSet)
		}
	case "hmac-sha256":
		if o.Header != "" {
			d.sigHeader = canonical(o.Header)
			d.detect = nil
		}
		d.sigPrefix = o.Prefix
	case "hmac":
		if o.Header == "" {
			return d, apperr.Usagef("the hmac scheme needs a header name")
		}
		a, ok := parseAlgo(o.Algorithm)
		if !ok {
			return d, apperr.Usagef("unknown hmac algorithm %q (use sha1, sha256 or sha512)", o.Algorithm)
		}
		e, ok := parseEncoding(o.Encoding)
		if !ok {
			return d, apperr.Usagef("unknown signature encoding %q (use hex or base64)", o.Encoding)
		}
		d.sigHeader, d.algo, d.enc, d.sigPrefix = canonical(o.Header), a, e, o.Prefix
		d.detect = nil
	}
	return d, nil
}

// parseTS accepts 1–12 ASCII digits (unix seconds, up to the year 33658):
// longer values would be milliseconds or overflow int64 arithmetic.
func parseTS(p *parsed, name, text string) error {
	if text == "" || len(text) > 12 {
		return malformed("%s %s is not a unix time in seconds", name, quoteShort(text))
	}
	var v int64
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c < '0' || c > '9' {
			return malformed("%s %s is not a unix time in seconds", name, quoteShort(text))
		}
		v = v*10 + int64(c-'0')
	}
	p.ts, p.tsText, p.hasTS, p.tsHeader = v, text, true, name
	return nil
}

func quoteShort(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strconv.Quote(s)
}

func checkLen(name, v string) error {
	if len(v) > maxHeaderLen {
		return malformed("%s is %d bytes long, more than the %d bytes accepted", name, len(v), maxHeaderLen)
	}
	return nil
}

// --- Standard Webhooks / Svix ---------------------------------------------

var standardSets = [2]struct{ id, ts, sig, lid, lts, lsig string }{
	{"Webhook-Id", "Webhook-Timestamp", "Webhook-Signature", "webhook-id", "webhook-timestamp", "webhook-signature"},
	{"Svix-Id", "Svix-Timestamp", "Svix-Signature", "svix-id", "svix-timestamp", "svix-signature"},
}

// standardSetsPresent returns which standard header sets carry at least one
// header (present) and carry all three (complete), as bit masks over
// standardSets.
func standardSetsPresent(h http.Header) (present, complete uint8) {
	for i := range standardSets {
		set := &standardSets[i]
		n := 0
		for _, name := range [3]string{set.id, set.ts, set.sig} {
			if header(h, name) != "" {
				n++
			}
		}
		if n > 0 {
			present |= 1 << i
		}
		if n == 3 {
			complete |= 1 << i
		}
	}
	return present, complete
}

func parseStandard(def *schemeDef, h http.Header, p *parsed) error {
	idx := def.verifySet - 1
	if idx < 0 || idx >= len(standardSets) {
		// The first complete set, else the first present one, else webhook-*.
		present, complete := standardSetsPresent(h)
		idx = 0
		switch {
		case complete != 0:
			for complete&(1<<idx) == 0 {
				idx++
			}
		case present != 0:
			for present&(1<<idx) == 0 {
				idx++
			}
		}
	}
	set := &standardSets[idx]
	id, ts := header(h, set.id), header(h, set.ts)
	sigs := headerValues(h, set.sig)
	sig := ""
	for _, v := range sigs {
		if v != "" {
			sig = v
			break
		}
	}
	p.sigHeader = set.lsig
	if id == "" || ts == "" || sig == "" {
		var miss []string
		for _, f := range [][2]string{{id, set.lid}, {ts, set.lts}, {sig, set.lsig}} {
			if f[0] == "" {
				miss = append(miss, f[1])
			}
		}
		return missing("missing %s header", strings.Join(miss, ", "))
	}
	if err := checkLen(set.lid, id); err != nil {
		return err
	}
	if err := checkLen(set.lts, ts); err != nil {
		return err
	}
	for _, v := range sigs {
		if err := checkLen(set.lsig, v); err != nil {
			return err
		}
	}
	if err := parseTS(p, set.lts, ts); err != nil {
		return err
	}
	p.id = id
	// Every signature header line counts, each a space-separated list.
	for _, line := range sigs {
		for rest := line; rest != ""; {
			var tok string
			tok, rest, _ = strings.Cut(rest, " ")
			if tok == "" {
				continue
			}
			v, t, ok := strings.Cut(tok, ",")
			if !ok {
				// Ignored by Verify, like the official libraries; kept so that
				// Diagnose can tell a missing "v1," prefix.
				if err := p.add(rawSig{text: tok, prefixMissing: true}); err != nil {
					return err
				}
				continue
			}
			if err := p.add(rawSig{version: v, text: t}); err != nil {
				return err
			}
		}
	}
	return nil
}

func prefixStandard(dst []byte, p *parsed) []byte {
	dst = append(dst, p.id...)
	dst = append(dst, '.')
	dst = append(dst, p.tsText...)
	return append(dst, '.')
}

func signStandard(def *schemeDef, secrets []string, body []byte, ts int64, o *Options) (http.Header, error) {
	id := o.ID
	if id == "" {
		id = "msg_" + rand.Text()
	}
	p := parsed{id: id, tsText: strconv.FormatInt(ts, 10)}
	msg := append(prefixStandard(nil, &p), body...)
	var entries []string
	for _, sec := range secrets {
		switch {
		case strings.HasPrefix(sec, "whpk_"):
			return nil, apperr.Usagef("cannot sign with a whpk_ public key; give the whsk_ secret key")
		case strings.HasPrefix(sec, "whsk_"):
			priv, err := ed25519Private(sec)
			if err != nil {
				return nil, err
			}
			entries = append(entries, "v1a,"+base64.StdEncoding.EncodeToString(ed25519.Sign(priv, msg)))
		default:
			key, err := def.key(sec, nil, nil)
			if err != nil {
				return nil, err
			}
			entries = append(entries, "v1,"+base64.StdEncoding.EncodeToString(hmacSum(algoSHA256, key, msg)))
		}
	}
	h := http.Header{}
	prefix := "Webhook-"
	if def.headerSet == "svix" {
		prefix = "Svix-"
	}
	h.Set(prefix+"Id", id)
	h.Set(prefix+"Timestamp", p.tsText)
	h.Set(prefix+"Signature", strings.Join(entries, " "))
	return h, nil
}

// hmacSum returns the HMAC of the concatenated parts, computed with a
// pooled macState: signing in load mode then allocates only the result.
func hmacSum(a algo, key []byte, parts ...[]byte) []byte {
	s := getScratch()
	defer putScratch(s)
	h := s.mac.start(a, key)
	for _, p := range parts {
		h.Write(p)
	}
	return s.mac.sum(make([]byte, 0, a.size()))
}

// asymmetricScheme verifies Standard Webhooks "v1a" ed25519 signatures.
type asymmetricScheme struct {
	version string
}

func (a *asymmetricScheme) handles(secret string) bool {
	return strings.HasPrefix(secret, "whpk_") || strings.HasPrefix(secret, "whsk_")
}

func (a *asymmetricScheme) verify(s *scratch, secret string, body []byte) (bool, error) {
	var pub ed25519.PublicKey
	if strings.HasPrefix(secret, "whsk_") {
		priv, err := ed25519Private(secret)
		if err != nil {
			return false, err
		}
		pub = priv.Public().(ed25519.PublicKey)
	} else {
		n, ok := encBase64.decodeInto(s.key[:], strings.TrimPrefix(secret, "whpk_"), s.text[:])
		if !ok || n != ed25519.PublicKeySize {
			return false, apperr.Wrap(apperr.ErrUsage, ErrNoSecret, "the whpk_ key is not a base64 ed25519 public key")
		}
		pub = ed25519.PublicKey(s.key[:n])
	}
	s.msg = append(prefixStandard(s.msg[:0], &s.p), body...)
	var sig [sigBufLen]byte
	for i := 0; i < s.p.n; i++ {
		r := &s.p.raws[i]
		if r.version != a.version {
			continue
		}
		n, ok := encBase64.decodeInto(sig[:], r.text, s.text[:])
		if !ok || n != ed25519.SignatureSize {
			continue
		}
		if ed25519.Verify(pub, s.msg, sig[:n]) {
			return true, nil
		}
	}
	return false, nil
}

func ed25519Private(secret string) (ed25519.PrivateKey, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsk_"))
	switch {
	case err == nil && len(b) == ed25519.SeedSize:
		return ed25519.NewKeyFromSeed(b), nil
	case err == nil && len(b) == ed25519.PrivateKeySize:
		return ed25519.PrivateKey(b), nil
	}
	return nil, apperr.Wrap(apperr.ErrUsage, ErrNoSecret, "the whsk_ key is not a base64 ed25519 private key (32-byte seed or 64-byte key)")
}

// --- Stripe and ricloud: "t=<unix>,<tag>=<sig>[,…]" --------------------------

func parseTagged(def *schemeDef, h http.Header, p *parsed) error {
	name := def.sigHeader
	p.sigHeader = name
	v := header(h, name)
	if v == "" {
		return missing("missing %s header", name)
	}
	if err := checkLen(name, v); err != nil {
		return err
	}
	var tsText string
	var haveTS bool
	for rest := v; rest != ""; {
		var pair string
		pair, rest, _ = strings.Cut(rest, ",")
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		k, val, ok := strings.Cut(pair, "=")
		if !ok {
			return malformed("%s entry %s is not key=value", name, quoteShort(pair))
		}
		if k == "t" {
			tsText, haveTS = val, true
			continue
		}
		if err := p.add(rawSig{version: k, text: val}); err != nil {
			return err
		}
	}
	if !haveTS {
		return malformed("%s has no t= timestamp", name)
	}
	return parseTS(p, def.tsHeader, tsText)
}

func prefixTS(dst []byte, p *parsed) []byte {
	dst = append(dst, p.tsText...)
	return append(dst, '.')
}

func signTagged(def *schemeDef, secrets []string, body []byte, ts int64, _ *Options) (http.Header, error) {
	t := strconv.FormatInt(ts, 10)
	v := "t=" + t
	for _, sec := range secrets {
		key, err := def.key(sec, nil, nil)
		if err != nil {
			return nil, err
		}
		v += "," + def.version + "=" + def.enc.encode(hmacSum(def.algo, key, []byte(t+"."), body))
	}
	h := http.Header{}
	h.Set(def.sigHeader, v)
	return h, nil
}

// --- single-value headers: GitHub, Slack, Shopify, Scalefusion, hmac ----------

func parseSingle(def *schemeDef, h http.Header, p *parsed) error {
	return parseSingleHeader(def.sigHeader, def.sigPrefix, h, p)
}

func parseSingleHeader(name, prefix string, h http.Header, p *parsed) error {
	p.sigHeader = name
	v := header(h, name)
	if v == "" {
		return missing("missing %s header", name)
	}
	if err := checkLen(name, v); err != nil {
		return err
	}
	r := rawSig{text: v}
	if prefix != "" {
		if t, ok := strings.CutPrefix(v, prefix); ok {
			r.text = t
		} else {
			r.prefixMissing = true
			p.problem = name + " does not start with " + strconv.Quote(prefix)
		}
	}
	return p.add(r)
}

func signSingle(def *schemeDef, secrets []string, body []byte, _ int64, _ *Options) (http.Header, error) {
	key, err := def.key(secrets[0], nil, nil)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set(def.sigHeader, def.sigPrefix+def.enc.encode(hmacSum(def.algo, key, body)))
	return h, nil
}

func parseGitHub(def *schemeDef, h http.Header, p *parsed) error {
	if header(h, "X-Hub-Signature-256") != "" || header(h, "X-Hub-Signature") == "" {
		return parseSingleHeader("X-Hub-Signature-256", "sha256=", h, p)
	}
	p.hasAlgo, p.alg = true, algoSHA1
	return parseSingleHeader("X-Hub-Signature", "sha1=", h, p)
}

func signGitHub(def *schemeDef, secrets []string, body []byte, _ int64, _ *Options) (http.Header, error) {
	key, err := def.key(secrets[0], nil, nil)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set("X-Hub-Signature-256", "sha256="+encHex.encode(hmacSum(algoSHA256, key, body)))
	h.Set("X-Hub-Signature", "sha1="+encHex.encode(hmacSum(algoSHA1, key, body)))
	return h, nil
}

func parseSlack(def *schemeDef, h http.Header, p *parsed) error {
	if err := parseSingleHeader("X-Slack-Signature", "v0=", h, p); err != nil {
		return err
	}
	ts := header(h, "X-Slack-Request-Timestamp")
	if ts == "" {
		return missing("missing X-Slack-Request-Timestamp header")
	}
	return parseTS(p, "X-Slack-Request-Timestamp", ts)
}

func prefixSlack(dst []byte, p *parsed) []byte {
	dst = append(dst, "v0:"...)
	dst = append(dst, p.tsText...)
	return append(dst, ':')
}

func signSlack(def *schemeDef, secrets []string, body []byte, ts int64, _ *Options) (http.Header, error) {
	key, err := def.key(secrets[0], nil, nil)
	if err != nil {
		return nil, err
	}
	t := strconv.FormatInt(ts, 10)
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", t)
	h.Set("X-Slack-Signature", "v0="+encHex.encode(hmacSum(algoSHA256, key, []byte("v0:"+t+":"), body)))
	return h, nil
}

// --- registry ----------------------------------------------------------------

var (
	defStandard = schemeDef{
		name: "standard", title: "Standard Webhooks",
		detect: []string{"Webhook-Signature", "Svix-Signature", "Webhook-Id", "Svix-Id"},
		algo:   algoSHA256, enc: encBase64, version: "v1",
		window: 5 * time.Minute, tooNew: true, multi: true, keyKind: keyWhsec,
		parse: parseStandard, prefix: prefixStandard, sign: signStandard,
		asymmetric: &asymmetricScheme{version: "v1a"},
	}
	defStripe = schemeDef{
		name: "stripe", title: "Stripe",
		detect: []string{"Stripe-Signature"}, sigHeader: "Stripe-Signature", tsHeader: "Stripe-Signature t=",
		algo: algoSHA256, enc: encHex, version: "v1",
		window: 300 * time.Second, multi: true,
		parse: parseTagged, prefix: prefixTS, sign: signTagged,
	}
	defGitHub = schemeDef{
		name: "github", title: "GitHub",
		detect:    []string{"X-Hub-Signature-256", "X-Hub-Signature"},
		sigHeader: "X-Hub-Signature-256", sigPrefix: "sha256=",
		algo: algoSHA256, enc: encHex,
		parse: parseGitHub, sign: signGitHub,
	}
	defSlack = schemeDef{
		name: "slack", title: "Slack",
		detect:    []string{"X-Slack-Signature"},
		sigHeader: "X-Slack-Signature", sigPrefix: "v0=", tsHeader: "X-Slack-Request-Timestamp",
		algo: algoSHA256, enc: encHex, window: 300 * time.Second, tooNew: true,
		parse: parseSlack, prefix: prefixSlack, sign: signSlack,
	}
	defShopify = schemeDef{
		name: "shopify", title: "Shopify",
		detect:    []string{"X-Shopify-Hmac-Sha256"},
		sigHeader: "X-Shopify-Hmac-Sha256",
		algo:      algoSHA256, enc: encBase64,
		parse: parseSingle, sign: signSingle,
	}
	defHMACSHA256 = schemeDef{
		name: "hmac-sha256", title: "HMAC-SHA256 (Scalefusion)",
		detect:    []string{"X-Sf-Signature"},
		sigHeader: "X-Sf-Signature",
		algo:      algoSHA256, enc: encHex,
		parse: parseSingle, sign: signSingle,
	}
	defRicloud = schemeDef{
		name: "ricloud", title: "Reincubate ricloud",
		detect: []string{"Ricloud-Signature"}, sigHeader: "Ricloud-Signature", tsHeader: "Ricloud-Signature t=",
		algo: algoSHA256, enc: encBase64, version: "s",
		window: 600 * time.Second,
		parse:  parseTagged, prefix: prefixTS, sign: signTagged,
	}
	defHMAC = schemeDef{
		name: "hmac", title: "generic HMAC",
		algo: algoSHA256, enc: encHex,
		parse: parseSingle, sign: signSingle,
	}

	registry = map[string]*schemeDef{
		"standard": &defStandard, "stripe": &defStripe, "github": &defGitHub, "slack": &defSlack,
		"shopify": &defShopify, "hmac-sha256": &defHMACSHA256, "ricloud": &defRicloud, "hmac": &defHMAC,
	}
	// detectOrder lists detectable schemes, most specific first.
	detectOrder = []*schemeDef{&defStandard, &defStripe, &defSlack, &defGitHub, &defRicloud, &defShopify, &defHMACSHA256}
)
