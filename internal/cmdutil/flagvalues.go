package cmdutil

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/hookctl/hookctl/internal/apperr"
)

// Flag values that parse themselves (pflag.Value): a bad value fails while
// the command line is parsed, with a usage error naming the flag (see
// FlagErrorFunc), and RunE gets the parsed value. Each XxxVar registers the
// flag on a flag set and binds it to the caller's field, as pflag's own
// XxxVar functions do.

// flagName is "--name" for error messages.
func flagName(name string) string { return "--" + name }

// Rate is a rate flag: "100", "100/s", "600/m" or "3600/h", stored in *p as
// a number per second. 0 (the zero value, not accepted on the command
// line) is unlimited.
type Rate struct {
	p    *float64
	name string
}

// RateVar registers a rate flag bound to p (per second; 0 unlimited).
func RateVar(fs *pflag.FlagSet, p *float64, name, usage string) *Rate {
	v := &Rate{p: p, name: name}
	fs.Var(v, name, usage)
	return v
}

// ParseRate parses "100", "100/s", "600/m" or "1/h" into a number per
// second; "" is 0 (unlimited). flag names the flag in errors.
func ParseRate(flag, s string) (float64, error) {
	if s == "" {
		return 0, nil
	}
	num, unit, _ := strings.Cut(strings.TrimSpace(s), "/")
	r, err := strconv.ParseFloat(num, 64)
	if err != nil || r <= 0 || math.IsInf(r, 0) {
		return 0, apperr.Usagef("invalid %s %q: use a positive number per second, e.g. 100 or 100/s or 600/m", flag, s)
	}
	switch unit {
	case "", "s":
	case "m":
		r /= 60
	case "h":
		r /= 3600
	default:
		return 0, apperr.Usagef("invalid %s %q: the unit is /s, /m or /h", flag, s)
	}
	return r, nil
}

func (r *Rate) Set(s string) error {
	v, err := ParseRate(flagName(r.name), s)
	if err != nil {
		return err
	}
	*r.p = v
	return nil
}

// String is the rate per second ("" when unlimited).
func (r *Rate) String() string {
	if r == nil || r.p == nil || *r.p == 0 {
		return ""
	}
	return strconv.FormatFloat(*r.p, 'f', -1, 64) + "/s"
}

func (r *Rate) Type() string { return "rate" }

// StatusExpectation is a parsed --expect-status: a class (2xx) or a code.
type StatusExpectation struct {
	Class int // 2 for 2xx; 0 when Code is set
	Code  int
}

// ParseStatusExpectation parses "2xx", "4XX" or "404". flag names the flag
// in errors.
func ParseStatusExpectation(flag, s string) (*StatusExpectation, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	if len(v) == 3 && strings.HasSuffix(v, "xx") && v[0] >= '1' && v[0] <= '5' {
		return &StatusExpectation{Class: int(v[0] - '0')}, nil
	}
	if c, err := strconv.Atoi(v); err == nil && c >= 100 && c <= 599 {
		return &StatusExpectation{Code: c}, nil
	}
	return nil, apperr.Usagef("invalid %s %q: use 2xx, 4xx … or a status code such as 404", flag, s)
}

// Match reports whether a final status code meets the expectation.
func (e *StatusExpectation) Match(code int) bool {
	if e.Code != 0 {
		return code == e.Code
	}
	return code/100 == e.Class
}

func (e *StatusExpectation) String() string {
	if e.Code != 0 {
		return strconv.Itoa(e.Code)
	}
	return fmt.Sprintf("%dxx", e.Class)
}

// StatusExpectationValue is the flag of a status expectation: *p stays nil
// unless the flag is given.
type StatusExpectationValue struct {
	p    **StatusExpectation
	name string
}

// StatusExpectationVar registers a status expectation flag ("2xx", "404")
// bound to p, which stays nil when the flag is not given.
func StatusExpectationVar(fs *pflag.FlagSet, p **StatusExpectation, name, usage string) *StatusExpectationValue {
	v := &StatusExpectationValue{p: p, name: name}
	fs.Var(v, name, usage)
	return v
}

func (v *StatusExpectationValue) Set(s string) error {
	e, err := ParseStatusExpectation(flagName(v.name), s)
	if err != nil {
		return err
	}
	*v.p = e
	return nil
}

func (v *StatusExpectationValue) String() string {
	if v == nil || v.p == nil || *v.p == nil {
		return ""
	}
	return (*v.p).String()
}

func (v *StatusExpectationValue) Type() string { return "status" }

// ByteSize is a size flag: "5MiB", "512KiB", "10MB", "1.5 MiB" or a plain
// byte count, stored in *p in bytes.
type ByteSize struct {
	p *int64
}

// ByteSizeVar registers a size flag bound to p with the default def bytes.
func ByteSizeVar(fs *pflag.FlagSet, p *int64, name string, def int64, usage string) *ByteSize {
	*p = def
	v := &ByteSize{p: p}
	fs.Var(v, name, usage)
	return v
}

// ParseByteSize parses "5MiB", "512KiB", "10MB", "1.5 MiB" or a plain byte
// count (K, M and G are binary units; KB, MB and GB decimal).
func ParseByteSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   float64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}}
	mult := 1.0
	for _, u := range units {
		if strings.HasSuffix(strings.ToUpper(t), strings.ToUpper(u.suffix)) {
			t, mult = strings.TrimSpace(t[:len(t)-len(u.suffix)]), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v <= 0 || v*mult >= math.MaxInt64 {
		return 0, apperr.Usagef("invalid size %q: use e.g. 512KiB, 5MiB or a byte count", s)
	}
	return int64(v * mult), nil
}

func (b *ByteSize) Set(s string) error {
	n, err := ParseByteSize(s)
	if err != nil {
		return err
	}
	*b.p = n
	return nil
}

// String is the size in the largest binary unit that divides it: "5MiB",
// "512KiB", "100B".
func (b *ByteSize) String() string {
	if b == nil || b.p == nil {
		return ""
	}
	return FormatByteSize(*b.p)
}

func (b *ByteSize) Type() string { return "size" }

// FormatByteSize writes n bytes as ParseByteSize reads them back: in the
// largest binary unit that divides n ("5MiB", "512KiB"), else in bytes.
func FormatByteSize(n int64) string {
	for _, u := range []struct {
		suffix string
		size   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n != 0 && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10) + "B"
}

// Duration is a duration flag that also takes days and weeks: "90m", "36h",
// "7d", "2w", "1d12h", anything time.ParseDuration reads.
type Duration struct {
	p    *time.Duration
	name string
}

// DurationVar registers a duration flag (with d and w units) bound to p
// with the default def.
func DurationVar(fs *pflag.FlagSet, p *time.Duration, name string, def time.Duration, usage string) *Duration {
	*p = def
	v := &Duration{p: p, name: name}
	fs.Var(v, name, usage)
	return v
}

const (
	day  = 24 * time.Hour
	week = 7 * day
)

// ParseDuration is time.ParseDuration with two more units, d (24h) and w
// (7d): "7d", "2w", "1d12h", "-1.5d".
func ParseDuration(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	if d, err := time.ParseDuration(t); err == nil {
		return d, nil
	}
	bad := fmt.Errorf("invalid duration %q", s)
	neg := false
	if t != "" && (t[0] == '-' || t[0] == '+') {
		neg, t = t[0] == '-', t[1:]
	}
	if t == "" {
		return 0, bad
	}
	var total float64 // nanoseconds; float to catch overflow
	for t != "" {
		i := 0
		for i < len(t) && (t[i] == '.' || t[i] >= '0' && t[i] <= '9') {
			i++
		}
		j := i
		for j < len(t) && !(t[j] == '.' || t[j] >= '0' && t[j] <= '9') {
			j++
		}
		num, unit := t[:i], t[i:j]
		t = t[j:]
		if num == "" || unit == "" {
			return 0, bad
		}
		switch unit {
		case "d", "w":
			n, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return 0, bad
			}
			mult := day
			if unit == "w" {
				mult = week
			}
			total += n * float64(mult)
		default:
			d, err := time.ParseDuration(num + unit)
			if err != nil {
				return 0, bad
			}
			total += float64(d)
		}
	}
	if total >= math.MaxInt64 {
		return 0, bad
	}
	if neg {
		total = -total
	}
	return time.Duration(total), nil
}

func (d *Duration) Set(s string) error {
	v, err := ParseDuration(s)
	if err != nil {
		return apperr.Usagef("invalid %s %q: use a duration such as 90m, 36h or 7d", flagName(d.name), s)
	}
	*d.p = v
	return nil
}

// String is the duration without trailing zero units: "24h", "1h30m", "0s".
func (d *Duration) String() string {
	if d == nil || d.p == nil {
		return ""
	}
	return FormatDuration(*d.p)
}

func (d *Duration) Type() string { return "duration" }

// FormatDuration is time.Duration.String without the trailing zero units:
// "24h" rather than "24h0m0s", "1h30m", "90s", "0s".
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// Since is a point-in-time flag such as --since and --until: an RFC 3339
// time, a date (midnight UTC) or a duration ago ("90m", "24h", "7d", "2w").
// A duration is resolved against the caller's clock by Time.
type Since struct {
	name string
	raw  string
	at   time.Time     // an absolute time
	ago  time.Duration // or, when rel, a duration before now
	rel  bool
	set  bool
}

// SinceVar registers a point-in-time flag bound to p.
func SinceVar(fs *pflag.FlagSet, p *Since, name, usage string) *Since {
	p.name = name
	fs.Var(p, name, usage)
	return p
}

func (s *Since) Set(v string) error {
	t := strings.TrimSpace(v)
	*s = Since{name: s.name}
	if t == "" {
		return nil
	}
	if at, err := time.Parse(time.RFC3339Nano, t); err == nil {
		s.raw, s.at, s.set = v, at.UTC(), true
		return nil
	}
	if at, err := time.Parse("2006-01-02", t); err == nil {
		s.raw, s.at, s.set = v, at, true
		return nil
	}
	if d, err := ParseDuration(t); err == nil && d >= 0 {
		s.raw, s.ago, s.rel, s.set = v, d, true, true
		return nil
	}
	return apperr.Usagef("invalid %s %q: use an RFC 3339 time (2026-11-23T10:00:00Z), a date (2026-11-23) or a duration ago (24h, 7d)", flagName(s.name), v)
}

// IsSet reports whether a time was given.
func (s *Since) IsSet() bool { return s.set }

// Time is the time given, in UTC: a duration counts back from now. It is
// the zero time when the flag was not given.
func (s *Since) Time(now time.Time) time.Time {
	switch {
	case !s.set:
		return time.Time{}
	case s.rel:
		return now.Add(-s.ago).UTC()
	default:
		return s.at
	}
}

// String is the value as given.
func (s *Since) String() string {
	if s == nil {
		return ""
	}
	return s.raw
}

func (s *Since) Type() string { return "time" }
