package model

import "strings"

// A list filter's --event is one or more event type patterns (MatchEvent:
// '*' stands for any run of characters), given repeated or comma-separated;
// a backend carries them comma-separated in one string (event types hold no
// commas). A type matching any of them matches the filter.

// EventPatterns splits a comma-separated list of patterns, dropping blanks.
func EventPatterns(list string) []string {
	var out []string
	for _, p := range strings.Split(list, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// JoinEventPatterns is the comma-separated form of patterns.
func JoinEventPatterns(patterns []string) string { return strings.Join(patterns, ",") }

// MatchEventList reports whether eventType matches any of the
// comma-separated patterns in list. An empty list matches everything.
func MatchEventList(list, eventType string) bool {
	patterns := EventPatterns(list)
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if MatchEvent(p, eventType) {
			return true
		}
	}
	return false
}

// EventPatternGlob is pattern as an SQLite GLOB that matches what
// MatchEvent matches: '*' stays, GLOB's own '?' and '[' are escaped. Like
// MatchEvent (and unlike LIKE) it is case-sensitive.
func EventPatternGlob(pattern string) string {
	var b strings.Builder
	for _, r := range pattern {
		switch r {
		case '?':
			b.WriteString("[?]")
		case '[':
			b.WriteString("[[]")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
