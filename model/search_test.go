package model

import (
	"reflect"
	"testing"
)

func TestSearchTerms(t *testing.T) {
	for _, c := range []struct {
		q    string
		want []string
	}{
		{"川牛膝 饮片", []string{"川牛膝", "饮片"}},
		{"  马边，绿茶！", []string{"马边", "绿茶"}},
		{"金口金品　天麻", []string{"金口金品", "天麻"}}, // full-width space
		{"Tea 500g", []string{"tea", "500g"}},
		{"绿茶500g", []string{"绿茶", "500g"}},
		{"绿茶 绿茶", []string{"绿茶"}},
		{"%_'\\", nil},
		{"！？。，", nil},
		{"a b c d e f g h i j", []string{"a", "b", "c", "d", "e", "f", "g", "h"}},
	} {
		if got := SearchTerms(c.q); !reflect.DeepEqual(got, c.want) {
			t.Errorf("SearchTerms(%q) = %q, want %q", c.q, got, c.want)
		}
	}
	if got := SearchSplits("马边绿茶"); !reflect.DeepEqual(got, [][2]string{{"马边", "绿茶"}}) {
		t.Errorf("splits %q", got)
	}
	if got := SearchSplits("川牛膝饮片"); len(got) != 2 || got[0] != [2]string{"川牛", "膝饮片"} || got[1] != [2]string{"川牛膝", "饮片"} {
		t.Errorf("splits %q", got)
	}
	if SearchSplits("绿茶") != nil || SearchSplits("tea500") != nil {
		t.Error("short or non-Han terms have no splits")
	}
}
