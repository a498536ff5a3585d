package check

import (
	"errors"
	"strings"
	"testing"

	"shanhai/model"
)

// TestText: what a name may be. Invalid bytes arrive from encoding/json as
// U+FFFD, so the replacement character is refused like the bytes it replaced.
func TestText(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		wantErr        bool
	}{
		{"plain", "金口河山珍公司", "金口河山珍公司", false},
		{"trimmed", "  高山绿茶 ", "高山绿茶", false},
		{"at the limit", strings.Repeat("山", 8), strings.Repeat("山", 8), false},
		{"over the limit", strings.Repeat("山", 9), "", true},
		{"empty", "", "", true},
		{"blank", " \t\n", "", true},
		{"invalid bytes", "茶\xff", "", true},
		{"replacement character", "茶\ufffd", "", true},
		{"control character", "茶\x00叶", "", true},
		{"line break inside", "茶\n叶", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f Fields
			got := f.Text("name", tc.in, 8)
			err := f.Err()
			if gotErr := err != nil; gotErr != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if err != nil && !errors.Is(err, model.ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
			if !tc.wantErr && got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	var f Fields
	if got := f.OptionalText("brand", "", 8); got != "" || f.Err() != nil {
		t.Errorf("optional empty = %q, %v", got, f.Err())
	}
	if f.OptionalText("brand", "\ufffd", 8); f.Err() == nil {
		t.Error("optional U+FFFD accepted")
	}
}

func TestScan(t *testing.T) {
	big := append([]byte("%PDF-1.7\n"), make([]byte, MaxScan)...)
	for _, c := range []struct {
		data     []byte
		wantType string
		wantErr  bool
	}{
		{[]byte("%PDF-1.4\n..."), "application/pdf", false},
		{[]byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10}, "image/jpeg", false},
		{[]byte("\x89PNG\r\n\x1a\n\x00\x00"), "image/png", false},
		{[]byte("GIF89a"), "", true},
		{[]byte("<html><body>%PDF-</body></html>"), "", true},
		{nil, "", true},
		{big, "application/pdf", true}, // a PDF, but one byte over the limit
	} {
		var f Fields
		ct := f.Scan("file", c.data)
		if ct != c.wantType || (f.Err() != nil) != c.wantErr {
			t.Errorf("Scan(%.12q…) = %q, err %v; want %q, error %v", c.data, ct, f.Err(), c.wantType, c.wantErr)
		}
	}
}
