package model

import (
	"slices"
	"testing"
)

func TestSearchGrams(t *testing.T) {
	if got, want := SearchGrams("马边绿茶 Green-TEA", "乐山"), []string{"马边", "边绿", "绿茶", "gr", "re", "ee", "en", "te", "ea", "乐山"}; !slices.Equal(got, want) {
		t.Errorf("SearchGrams: %q, want %q", got, want)
	}
	for term, want := range map[string][]string{
		"茶":     nil,
		"绿茶":    {"绿茶"},
		"川牛膝":   {"川牛", "牛膝"},
		"马边绿茶":  {"马边", "绿茶"},       // 边绿 crosses the split 马边 + 绿茶
		"金口金品":  {"金口", "金品"},       // 口金 crosses
		"马马马马":  {"马马"},             // inside a half of every split
		"500g":  {"50", "00", "0g"}, // no splits outside Han text
		"川牛膝饮片": {"川牛", "饮片"},       // only the ends hold in every split
	} {
		if got := SearchTermGrams(term); !slices.Equal(got, want) {
			t.Errorf("SearchTermGrams(%q): %q, want %q", term, got, want)
		}
	}
}
