package api

import (
	"errors"
	"testing"

	"shanhai/model"
)

type bindLine struct {
	SKUID    int64 `json:"sku_id"`
	Quantity int64 `json:"quantity"`
}

type bindBody struct {
	Lines []bindLine          `json:"lines"`
	Note  *string             `json:"note"`
	Meta  map[string]bindLine `json:"meta"`
}

// Keys encoding/json would quietly accept — another case, given twice — are
// refused like unknown ones, at every depth; well-formed bodies pass.
func TestDecodeStrict(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		code       string // "" for accepted
	}{
		{"exact", `{"lines":[{"sku_id":1,"quantity":2}],"note":"x","meta":{"a":{"sku_id":3}}}`, ""},
		{"empty object", `{}`, ""},
		{"case-variant top key", `{"Lines":[{"sku_id":1,"quantity":2}]}`, "unknown_field"},
		{"case-variant nested key", `{"lines":[{"sku_id":1,"QUANTITY":2}]}`, "unknown_field"},
		{"case-variant key in a map value", `{"meta":{"a":{"SKU_ID":3}}}`, "unknown_field"},
		{"duplicate top key", `{"note":"a","note":"b"}`, "duplicate_field"},
		{"duplicate nested key", `{"lines":[{"sku_id":1,"quantity":2,"quantity":900}]}`, "duplicate_field"},
		{"duplicate map key", `{"meta":{"a":{},"a":{}}}`, "duplicate_field"},
		{"unknown key", `{"lines":[],"admin":true}`, "unknown_field"},
		{"two objects", `{} {}`, "malformed_json"},
		{"wrong type", `{"lines":"x"}`, "malformed_json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var into bindBody
			err := decodeStrict([]byte(tc.body), &into)
			if tc.code == "" {
				if err != nil {
					t.Fatalf("got %v, want accepted", err)
				}
				return
			}
			var me *model.Error
			if !errors.As(err, &me) || !errors.Is(err, model.ErrBadRequest) || me.Code != tc.code {
				t.Fatalf("got %v, want a 400 %s", err, tc.code)
			}
		})
	}
}
