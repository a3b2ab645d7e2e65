package backend

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/model"
)

// ValidateEndpointURL accepts absolute http(s) URLs with a host.
func ValidateEndpointURL(raw string) error {
	if strings.TrimSpace(raw) == "" {
		return apperr.Usagef("--url is required: the endpoint that receives the webhooks, e.g. https://example.com/webhooks")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return apperr.Usagef("invalid URL %q: %v", raw, unwrapURLError(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return apperr.Usagef("invalid URL %q: must start with http:// or https://", raw)
	}
	if u.Host == "" || u.Hostname() == "" {
		return apperr.Usagef("invalid URL %q: no host (expected something like https://example.com/webhooks)", raw)
	}
	return nil
}

func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

var eventPattern = regexp.MustCompile(`^[A-Za-z0-9_.*/:-]+$`)

// ValidateEventPatterns checks subscription patterns such as "device.*".
func ValidateEventPatterns(events []string) error {
	for _, e := range events {
		if !eventPattern.MatchString(e) {
			return apperr.Usagef("invalid event pattern %q: use an event type such as device.enrolled, a pattern such as device.*, or * for all", e)
		}
	}
	return nil
}

// ValidateScheme checks a config's signature scheme name.
func ValidateScheme(scheme string) error {
	if !slices.Contains(model.ConfigSchemes, scheme) {
		return apperr.Usagef("unknown scheme %q: use one of %s", scheme, strings.Join(model.ConfigSchemes, ", "))
	}
	return nil
}

// ValidateHeaders rejects header names and values net/http would refuse.
func ValidateHeaders(h map[string]string) error {
	for k, v := range h {
		if k == "" || strings.ContainsAny(k, " \t\r\n:") || http.CanonicalHeaderKey(k) == "" {
			return apperr.Usagef("invalid header name %q", k)
		}
		if strings.ContainsAny(v, "\r\n") {
			return apperr.Usagef("invalid value for header %s: line breaks are not allowed", k)
		}
	}
	return nil
}

// GenerateSecret returns a fresh secret in the form the scheme expects:
// Standard Webhooks keys are "whsec_" + base64 of 24 random bytes; Stripe's
// look alike but are used as raw text; the rest are 32 random bytes in hex.
func GenerateSecret(scheme string) string {
	switch scheme {
	case "standard":
		return "whsec_" + base64.StdEncoding.EncodeToString(randomBytes(24))
	case "stripe":
		return "whsec_" + hex.EncodeToString(randomBytes(24))
	default:
		return hex.EncodeToString(randomBytes(32))
	}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return b
}
