package suggest

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// maxRunes bounds the strings compared; longer ones are never suggested
// (edit distance is quadratic and such names are not typos).
const maxRunes = 256

// Closest returns the candidate closest to got, or "" when none is close.
//
// The rule: compare case-insensitively by optimal-string-alignment
// distance (insertions, deletions, substitutions and transpositions of
// adjacent runes); a candidate is close when that distance is at most
// Threshold of the longer of the two, or when got (3 runes or more) starts
// the candidate, as an abbreviation. The smallest distance wins; ties go
// to the earlier candidate. A candidate equal to got is never suggested.
func Closest(got string, candidates []string) string {
	if got == "" {
		return ""
	}
	low := strings.ToLower(got)
	best, bestDist := "", -1
	for _, c := range candidates {
		if c == "" || c == got {
			continue
		}
		lc := strings.ToLower(c)
		d := Distance(low, lc)
		abbrev := utf8.RuneCountInString(got) >= 3 && strings.HasPrefix(lc, low)
		if d > Threshold(max(utf8.RuneCountInString(got), utf8.RuneCountInString(c))) && !abbrev {
			continue
		}
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// Threshold is the largest distance still taken for a typo between names
// of which the longer has n runes: 2, or a third of n for long names
// ("test_pts" is 3 edits from "test_points").
func Threshold(n int) int {
	return max(2, n/3)
}

// DidYouMean returns ` (did you mean "x"?)` for the Closest candidate, or "".
func DidYouMean(got string, candidates []string) string {
	if s := Closest(got, candidates); s != "" {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	return ""
}

// Distance is the optimal-string-alignment distance between a and b in
// runes: the fewest insertions, deletions, substitutions and swaps of
// adjacent runes that turn a into b, so "Lorenz69" is 1 from "Lorenz96".
func Distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > maxRunes || len(rb) > maxRunes {
		return maxRunes * 2
	}
	w := len(rb) + 1
	d := make([]int, (len(ra)+1)*w)
	for j := 0; j <= len(rb); j++ {
		d[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		d[i*w] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			v := min(d[(i-1)*w+j]+1, d[i*w+j-1]+1, d[(i-1)*w+j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				v = min(v, d[(i-2)*w+j-2]+1)
			}
			d[i*w+j] = v
		}
	}
	return d[len(ra)*w+len(rb)]
}
