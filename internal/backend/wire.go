package backend

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
)

// Wire types of the JSON API served by internal/server and spoken by Remote.

// ErrorBody is every API error response:
// {"error":{"code":"not_found","message":"…"}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inside of ErrorBody; codes come from apperr.HTTPStatus.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// ListBody wraps every list response: {"data":[…]}, so that paging fields
// can be added next to data later.
type ListBody[T any] struct {
	Data []T `json:"data"`
}

// Paginated lists (deliveries, requests) answer at most MaxListLimit items
// a call, DefaultListLimit without ?limit; the rest is reached page by page
// with ?starting_after=ID (the last id of a page) while has_more is true.
const (
	DefaultListLimit = 50
	MaxListLimit     = 1000
)

// pageLimit is the limit of the next page when want items are wanted (0:
// all) and have were read.
func pageLimit(want, have int) int {
	if want <= 0 {
		return MaxListLimit
	}
	return min(want-have, MaxListLimit)
}

// PageBody is a page of a paginated list (received requests): HasMore says
// that more items follow; ask again with starting_after= the last item's id.
type PageBody[T any] struct {
	Data    []T  `json:"data"`
	HasMore bool `json:"has_more"`
}

// RotateSecretBody is the body of POST /v1/webhook_configs/{id}/rotate_secret.
// KeepOld absent means 24h.
type RotateSecretBody struct {
	KeepOld *Duration `json:"keep_old,omitempty"`
}

// DefaultKeepOld is how long a rotated-out secret stays valid by default.
const DefaultKeepOld = 24 * time.Hour

// Duration is a time.Duration in JSON: a Go duration string ("24h", "90m",
// "0s") or a number of seconds (86400). It is written as a string.
type Duration time.Duration

// MarshalJSON writes the Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads a duration string or a number of seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if strings.HasPrefix(s, `"`) {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		v, err := time.ParseDuration(str)
		if err != nil {
			return fmt.Errorf("invalid duration %q: use a duration such as \"24h\" or \"90m\" (at most %s), or a number of seconds", str, maxDurationText)
		}
		*d = Duration(v)
		return nil
	}
	var secs float64
	if err := json.Unmarshal(b, &secs); err != nil {
		return fmt.Errorf("invalid duration %s: use a duration such as \"24h\" or a number of seconds", s)
	}
	v, err := Seconds(secs)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// maxDurationText is the longest duration there is (about 292 years).
const maxDurationText = "2562047h"

// Seconds converts a number of seconds to a Duration, refusing what does
// not fit (1e300, which would wrap around to a negative duration) instead
// of letting it pass as "negative".
func Seconds(secs float64) (time.Duration, error) {
	ns := secs * float64(time.Second)
	if math.IsNaN(ns) || math.IsInf(ns, 0) || ns >= math.MaxInt64 || ns <= math.MinInt64 {
		return 0, apperr.Usagef("duration of %g seconds is too large: the longest is %s", secs, maxDurationText)
	}
	return time.Duration(ns), nil
}
