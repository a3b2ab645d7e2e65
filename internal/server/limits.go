package server

import (
	"time"

	"github.com/hookctl/hookctl/internal/apperr"
	"github.com/hookctl/hookctl/internal/backend"
	"github.com/hookctl/hookctl/internal/dispatch"
)

// Limits cap the work one request may ask of the server's dispatcher, so
// that no caller can hold its workers for hours or retry for ever.
type Limits struct {
	MaxRetries    int           // retries of one delivery (hookctl serve --max-retries)
	MaxTimeout    time.Duration // one attempt's timeout (--max-timeout)
	MaxRetryDelay time.Duration // the first backoff (--max-retry-delay)
}

// DefaultLimits are the caps of a server started without flags.
var DefaultLimits = Limits{MaxRetries: 10, MaxTimeout: 30 * time.Second, MaxRetryDelay: time.Hour}

func (l Limits) withDefaults() Limits {
	if l.MaxRetries <= 0 {
		l.MaxRetries = DefaultLimits.MaxRetries
	}
	if l.MaxTimeout <= 0 {
		l.MaxTimeout = DefaultLimits.MaxTimeout
	}
	if l.MaxRetryDelay <= 0 {
		l.MaxRetryDelay = DefaultLimits.MaxRetryDelay
	}
	return l
}

// policy turns a request's policy into the dispatcher's, refusing (422)
// what is above a cap with the name of the flag that raises it.
func (l Limits) policy(p backend.DeliveryPolicy) (dispatch.Policy, error) {
	switch {
	case p.Retries != nil && *p.Retries > l.MaxRetries:
		return dispatch.Policy{}, apperr.New(apperr.ErrInvalid, "retries %d is above this server's limit of %d (hookctl serve --max-retries raises it)", *p.Retries, l.MaxRetries)
	case p.Timeout != nil && time.Duration(*p.Timeout) > l.MaxTimeout:
		return dispatch.Policy{}, apperr.New(apperr.ErrInvalid, "timeout %s is above this server's limit of %s (hookctl serve --max-timeout raises it)", time.Duration(*p.Timeout), l.MaxTimeout)
	case p.RetryDelay != nil && time.Duration(*p.RetryDelay) > l.MaxRetryDelay:
		return dispatch.Policy{}, apperr.New(apperr.ErrInvalid, "retry_delay %s is above this server's limit of %s (hookctl serve --max-retry-delay raises it)", time.Duration(*p.RetryDelay), l.MaxRetryDelay)
	}
	return p.Policy()
}

// checkTarget refuses (422) a destination URL whose host is a literal
// address the outbound guard blocks; hostnames are checked when dialled.
func (s *Server) checkTarget(rawURL string) error {
	if s.guard == nil || rawURL == "" {
		return nil
	}
	if err := s.guard.CheckURL(rawURL); err != nil {
		return apperr.Wrap(apperr.ErrInvalid, err, "%v", err)
	}
	return nil
}
