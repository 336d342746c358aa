package commands

import "strings"

// closest returns the candidate nearest to word, for "did you mean": the one
// with the smallest edit distance (a swap of two neighbours counts as one edit)
// within a limit that grows with the word, or else the only candidate that word
// begins ("roll" → "rollback"). It returns "" when nothing is close.
func closest(word string, candidates []string) string {
	word = strings.ToLower(word)
	if word == "" || len(word) > 40 {
		return ""
	}
	limit := 1
	switch {
	case len(word) >= 8:
		limit = 3
	case len(word) >= 4:
		limit = 2
	}
	best, bestDist := "", limit+1
	prefixOf, prefixes := "", 0
	for _, c := range candidates {
		if d := editDistance(word, c, bestDist); d < bestDist {
			best, bestDist = c, d
		}
		if len(word) >= 3 && strings.HasPrefix(c, word) {
			prefixOf = c
			prefixes++
		}
	}
	if best != "" {
		return best
	}
	if prefixes == 1 {
		return prefixOf
	}
	return ""
}

// editDistance is the optimal-string-alignment distance between a and b (bytes),
// counting an adjacent transposition as one edit; it stops early and returns
// limit once the distance can no longer fall below limit.
func editDistance(a, b string, limit int) int {
	if d := len(a) - len(b); d >= limit || -d >= limit {
		return limit
	}
	// Three rows: the one before the previous (for transpositions), previous, current.
	var rows [3][41]int
	if len(b) > 40 {
		return limit
	}
	prev2, prev, cur := rows[0][:len(b)+1], rows[1][:len(b)+1], rows[2][:len(b)+1]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin >= limit {
			return limit
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(b)], limit)
}
