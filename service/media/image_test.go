package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"runtime"
	"testing"

	"shanhai/model"
)

// bomb is a PNG header announcing w×h RGBA pixels and almost no data.
func bomb(w, h uint32) []byte {
	var buf bytes.Buffer
	buf.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		_ = binary.Write(&buf, binary.BigEndian, uint32(len(data)))
		buf.WriteString(typ)
		buf.Write(data)
		_ = binary.Write(&buf, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return buf.Bytes()
}

// TestBombRefusedWithoutDecoding: a 10,000 × 10,000 PNG (400 MB of pixels
// once decoded) is refused from its header, allocating almost nothing.
func TestBombRefusedWithoutDecoding(t *testing.T) {
	data := bomb(10000, 10000)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, _, err := process(data)
	runtime.ReadMemStats(&after)
	var me *model.Error
	if !errors.As(err, &me) || me.Code != "image_too_large" {
		t.Fatalf("err = %v, want image_too_large", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Errorf("refusing the bomb allocated %d bytes, want under 1 MiB", grew)
	}
	// just under the limit passes the header check
	if _, _, err := checkHeader(bomb(8000, 5000)); err != nil {
		t.Errorf("40 megapixels exactly: %v", err)
	}
}

// TestProcessScalesAndStrips: versions fit 800 and 240 px, keep the aspect
// ratio, an opaque image becomes JPEG and one with transparency PNG.
func TestProcessScalesAndStrips(t *testing.T) {
	for _, tc := range []struct {
		w, h           int
		alpha          uint8
		fullW, fullH   int
		thumbW, thumbH int
		ct             string
	}{
		{1000, 2000, 255, 400, 800, 120, 240, "image/jpeg"},
		{100, 50, 255, 100, 50, 100, 50, "image/jpeg"},
		{1200, 900, 128, 800, 600, 240, 180, "image/png"},
	} {
		img := image.NewNRGBA(image.Rect(0, 0, tc.w, tc.h))
		for i := 0; i < len(img.Pix); i += 4 {
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = 10, 200, 30, tc.alpha
		}
		img.Set(0, 0, color.NRGBA{0, 0, 0, tc.alpha})
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		full, thumb, err := process(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if full.width != tc.fullW || full.height != tc.fullH || thumb.width != tc.thumbW || thumb.height != tc.thumbH ||
			full.contentType != tc.ct || thumb.contentType != tc.ct {
			t.Errorf("%d×%d: full %d×%d %s, thumb %d×%d %s", tc.w, tc.h, full.width, full.height, full.contentType,
				thumb.width, thumb.height, thumb.contentType)
		}
	}
}

// TestWebP: a WebP (from golang.org/x/image's test data) is accepted and
// re-encoded as JPEG.
func TestWebP(t *testing.T) {
	data, err := os.ReadFile("testdata/blue-purple-pink.lossy.webp")
	if err != nil {
		t.Fatal(err)
	}
	if format(data) != "webp" {
		t.Fatal("not recognised as WebP")
	}
	full, _, err := process(data)
	if err != nil || full.contentType != "image/jpeg" {
		t.Fatalf("err %v, content type %q", err, full.contentType)
	}
	if _, err := jpeg.Decode(bytes.NewReader(full.data)); err != nil {
		t.Errorf("the re-encoded version does not decode: %v", err)
	}
}
