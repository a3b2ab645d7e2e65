package cmdutil

import (
	"fmt"
	"time"
)

// FuzzyAgo renders t relative to now for people: "just now", "3m ago", "2d ago".
func FuzzyAgo(now, t time.Time) string {
	d := now.Sub(t)
	if d < 0 {
		return "in " + fuzzyDuration(-d)
	}
	if d < 10*time.Second {
		return "just now"
	}
	return fuzzyDuration(d) + " ago"
}

func fuzzyDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	default:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	}
}

// HumanTime is "2006-01-02 15:04:05 UTC (3m ago)".
func HumanTime(now, t time.Time) string {
	return fmt.Sprintf("%s (%s)", t.UTC().Format("2006-01-02 15:04:05 MST"), FuzzyAgo(now, t))
}
