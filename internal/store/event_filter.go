package store

import (
	"strings"

	"github.com/hookctl/hookctl/internal/model"
)

// eventTypeCond is the SQL condition of an event filter over column col:
// the comma-separated patterns of list (model.MatchEvent), any of which
// may match; an exact type compares with =, a pattern with GLOB (which,
// unlike LIKE, is case-sensitive as MatchEvent is). Filtering in SQL keeps
// the LIMIT and the totals right. ok is false for an empty list.
func eventTypeCond(col, list string) (cond string, args []any, ok bool) {
	patterns := model.EventPatterns(list)
	if len(patterns) == 0 {
		return "", nil, false
	}
	ors := make([]string, 0, len(patterns))
	for _, p := range patterns {
		if strings.Contains(p, "*") {
			ors = append(ors, col+" GLOB ?")
			args = append(args, model.EventPatternGlob(p))
		} else {
			ors = append(ors, col+" = ?")
			args = append(args, p)
		}
	}
	if len(ors) == 1 {
		return ors[0], args, true
	}
	return "(" + strings.Join(ors, " OR ") + ")", args, true
}
