package model

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxSearchTerms bounds the terms of one catalogue search.
const MaxSearchTerms = 8

// SearchTerms splits a shopper's query into the terms every result must
// match, in any order: runs of letters and digits, lower-cased, split at
// spaces and punctuation (full-width too) and where Han text meets Latin
// letters or digits ("绿茶500g" is 绿茶 and 500g). Duplicates go; at most
// MaxSearchTerms are kept.
// A query of punctuation only has no terms.
func SearchTerms(q string) []string {
	var out []string
	seen := map[string]bool{}
	var cur strings.Builder
	curHan := false
	flush := func() {
		if cur.Len() == 0 {
			return
		}
		t := cur.String()
		cur.Reset()
		if !seen[t] && len(out) < MaxSearchTerms {
			seen[t] = true
			out = append(out, t)
		}
	}
	for _, r := range q {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush()
			continue
		}
		han := unicode.Is(unicode.Han, r)
		if cur.Len() > 0 && han != curHan {
			flush()
		}
		curHan = han
		cur.WriteRune(unicode.ToLower(r))
	}
	flush()
	return out
}

// SearchSplits are the ways a Han term of four to ten characters divides into
// two words of at least two characters each: "马边绿茶" is also 马边 + 绿茶,
// so a shopper who types words together still finds a product whose origin
// is 马边 and whose name holds 绿茶.
func SearchSplits(term string) [][2]string {
	n := utf8.RuneCountInString(term)
	if n < 4 || n > 10 {
		return nil
	}
	for _, r := range term {
		if !unicode.Is(unicode.Han, r) {
			return nil
		}
	}
	runes := []rune(term)
	var out [][2]string
	for i := 2; i <= n-2; i++ {
		out = append(out, [2]string{string(runes[:i]), string(runes[i:])})
	}
	return out
}

// SearchGrams are the keys under which a product's searched text is indexed
// (the search_grams table): every pair of adjacent characters, lower-cased,
// inside each run of letters and digits — the character bigrams of Han text
// and of Latin and digit words alike, so a two-character term is served
// too. A term found in the text by a catalogue search (LIKE '%term%') is a
// run of letters and digits inside one such run, so every pair of the
// term's is among the text's: the index never loses a match, it only
// narrows the candidates the exact LIKE then judges.
func SearchGrams(texts ...string) []string {
	seen := map[string]bool{}
	var out []string
	for _, text := range texts {
		var prev rune = -1
		for _, r := range text {
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				prev = -1
				continue
			}
			r = unicode.ToLower(r)
			if prev >= 0 {
				if g := string([]rune{prev, r}); !seen[g] {
					seen[g] = true
					out = append(out, g)
				}
			}
			prev = r
		}
	}
	return out
}

// SearchTermGrams are the grams every product a term finds holds, whether
// the term is found whole or as one of its SearchSplits (a pair crossing a
// split need not be): nil for a term of one character, which the index
// cannot serve.
func SearchTermGrams(term string) []string {
	grams := SearchGrams(term)
	if len(grams) == 0 {
		return nil
	}
	var out []string
	for _, g := range grams {
		if allSplitsHold(term, g) {
			out = append(out, g)
		}
	}
	return out
}

// allSplitsHold: g is a pair inside a half of every split of term.
func allSplitsHold(term, g string) bool {
	for _, sp := range SearchSplits(term) {
		if !slices.Contains(SearchGrams(sp[0]), g) && !slices.Contains(SearchGrams(sp[1]), g) {
			return false
		}
	}
	return true
}
