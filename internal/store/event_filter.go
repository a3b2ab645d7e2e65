package store

import (
	"strings"

	"github.com/hookctl/hookctl/internal/model"
)

// eventTypeCond is the SQL condition of an event filter over column col:
// the comma-separated patterns of list (model.MatchEvent), any of which
// may match; an exact type compares with =, a pattern with GLOB (which,
// unlike SQLite's LIKE, is case-sensitive as MatchEvent is; PostgreSQL has
// no GLOB, and its LIKE is case-sensitive). Filtering in SQL keeps the LIMIT
// and the totals right. ok is false for an empty list.
func (d dialect) eventTypeCond(col, list string) (cond string, args []any, ok bool) {
	patterns := model.EventPatterns(list)
	if len(patterns) == 0 {
		return "", nil, false
	}
	ors := make([]string, 0, len(patterns))
	for _, p := range patterns {
		switch {
		case strings.Contains(p, "*") && d.postgres:
			ors = append(ors, col+` LIKE ? ESCAPE '\'`)
			args = append(args, eventPatternLike(p))
		case strings.Contains(p, "*"):
			ors = append(ors, col+" GLOB ?")
			args = append(args, model.EventPatternGlob(p))
		default:
			ors = append(ors, col+" = ?")
			args = append(args, p)
		}
	}
	if len(ors) == 1 {
		return ors[0], args, true
	}
	return "(" + strings.Join(ors, " OR ") + ")", args, true
}

// eventPatternLike is a MatchEvent pattern as a LIKE pattern: * matches any
// run of characters, everything else (% and _ included) only itself.
func eventPatternLike(pattern string) string {
	var b strings.Builder
	for _, r := range pattern {
		switch r {
		case '*':
			b.WriteByte('%')
		case '%', '_', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
