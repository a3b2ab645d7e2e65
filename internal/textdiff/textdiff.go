// Package textdiff is a line diff (longest common subsequence): what
// `config-instance review` and the inspector show between the deployed
// content and a proposed one.
package textdiff

import "strings"

// Op is one line of a line diff.
type Op struct {
	Kind byte // ' ' same, '-' only in old, '+' only in new
	Line string
}

// maxDiffCells bounds the LCS table; beyond it the diff is "all old lines
// removed, all new lines added", which is still correct, just not minimal.
const maxDiffCells = 4_000_000

// Lines is a line diff of old and new (longest common subsequence).
func Lines(old, new []string) []Op {
	n, m := len(old), len(new)
	// Trim the common prefix and suffix: config edits are usually small.
	pre := 0
	for pre < n && pre < m && old[pre] == new[pre] {
		pre++
	}
	suf := 0
	for suf < n-pre && suf < m-pre && old[n-1-suf] == new[m-1-suf] {
		suf++
	}
	var ops []Op
	for _, l := range old[:pre] {
		ops = append(ops, Op{' ', l})
	}
	a, b := old[pre:n-suf], new[pre:m-suf]
	if len(a)*len(b) > maxDiffCells {
		for _, l := range a {
			ops = append(ops, Op{'-', l})
		}
		for _, l := range b {
			ops = append(ops, Op{'+', l})
		}
	} else {
		// lcs[i][j] = length of the LCS of a[i:] and b[j:].
		lcs := make([][]int, len(a)+1)
		for i := range lcs {
			lcs[i] = make([]int, len(b)+1)
		}
		for i := len(a) - 1; i >= 0; i-- {
			for j := len(b) - 1; j >= 0; j-- {
				if a[i] == b[j] {
					lcs[i][j] = lcs[i+1][j+1] + 1
				} else {
					lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
				}
			}
		}
		i, j := 0, 0
		for i < len(a) || j < len(b) {
			switch {
			case i < len(a) && j < len(b) && a[i] == b[j]:
				ops = append(ops, Op{' ', a[i]})
				i, j = i+1, j+1
			case i < len(a) && (j == len(b) || lcs[i+1][j] >= lcs[i][j+1]):
				// Prefer removals first, as diff(1) does.
				ops = append(ops, Op{'-', a[i]})
				i++
			default:
				ops = append(ops, Op{'+', b[j]})
				j++
			}
		}
	}
	for _, l := range old[n-suf:] {
		ops = append(ops, Op{' ', l})
	}
	return ops
}

// SplitLines splits pretty-printed text into lines without the final newline.
func SplitLines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
