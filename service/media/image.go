package media

// Checking and re-encoding an uploaded image. The format is judged by the
// first bytes, never by a file name or a declared type; the dimensions are
// read from the header before anything is decoded, so a small file that
// would decode into gigabytes of pixels (a decompression bomb) is refused
// having allocated nothing but the header. Decoding and re-encoding as JPEG
// (opaque images) or PNG (with transparency) drops every metadata block
// (EXIF with its GPS position, XMP, ICC profiles, comments).

import (
	"bytes"
	"image"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"shanhai/model"
)

// Limits of an upload.
const (
	MaxUploadBytes = 5 << 20    // 5 MiB
	MaxPixels      = 40_000_000 // 40 megapixels
	FullSize       = 800        // px, the long side of the detail version
	ThumbSize      = 240        // px, the long side of the thumbnail
	jpegQuality    = 85
)

// format is what the first bytes say the file is: "jpeg", "png", "webp" or "".
func format(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return "jpeg"
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return "webp"
	}
	return ""
}

func decodeConfig(kind string, r io.Reader) (image.Config, error) {
	switch kind {
	case "jpeg":
		return jpeg.DecodeConfig(r)
	case "png":
		return png.DecodeConfig(r)
	default:
		return webp.DecodeConfig(r)
	}
}

func decode(kind string, r io.Reader) (image.Image, error) {
	switch kind {
	case "jpeg":
		return jpeg.Decode(r)
	case "png":
		return png.Decode(r)
	default:
		return webp.Decode(r)
	}
}

func unsupported() error {
	return &model.Error{Kind: model.ErrInvalid, Code: "unsupported_image",
		Message: "the file is not a JPEG, PNG or WebP image", Fields: []model.FieldError{{Field: "file", Message: "the file is not a JPEG, PNG or WebP image"}}}
}

func corrupt() error {
	return &model.Error{Kind: model.ErrInvalid, Code: "corrupt_image",
		Message: "the image could not be read: it is truncated or damaged", Fields: []model.FieldError{{Field: "file", Message: "the image could not be read: it is truncated or damaged"}}}
}

// checkHeader judges a file by its first bytes and header alone: its
// format, and dimensions within MaxPixels.
func checkHeader(data []byte) (kind string, cfg image.Config, err error) {
	kind = format(data)
	if kind == "" {
		return "", cfg, unsupported()
	}
	cfg, err = decodeConfig(kind, bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return "", cfg, corrupt()
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return "", cfg, &model.Error{Kind: model.ErrInvalid, Code: "image_too_large",
			Message: "the image has more than 40 megapixels", Fields: []model.FieldError{{Field: "file", Message: "the image has more than 40 megapixels"}}}
	}
	return kind, cfg, nil
}

// encoded is one re-encoded version of an image.
type encoded struct {
	data          []byte
	contentType   string
	width, height int
}

// process checks and decodes data and returns its 800 px and 240 px
// versions (never enlarged).
func process(data []byte) (full, thumb encoded, err error) {
	kind, _, err := checkHeader(data)
	if err != nil {
		return full, thumb, err
	}
	img, err := decode(kind, bytes.NewReader(data))
	if err != nil {
		return full, thumb, corrupt()
	}
	opaque := true
	if o, ok := img.(interface{ Opaque() bool }); ok {
		opaque = o.Opaque()
	}
	// The large version is scaled from the original with a bilinear kernel
	// (its cost grows with the source's pixels); the thumbnail from the
	// large version with Catmull-Rom, for sharpness at little cost.
	big := fit(img, FullSize, draw.BiLinear)
	if full, err = encode(big, opaque); err != nil {
		return full, thumb, err
	}
	thumb, err = encode(fit(big, ThumbSize, draw.CatmullRom), opaque)
	return full, thumb, err
}

// fit scales img so its long side is at most size.
func fit(img image.Image, size int, k draw.Interpolator) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= size && h <= size {
		// Still copied into a plain RGBA image: the encoder then never sees
		// the source's own type (a paletted PNG, CMYK JPEG).
		dst := image.NewRGBA(image.Rect(0, 0, w, h))
		draw.Draw(dst, dst.Bounds(), img, b.Min, draw.Src)
		return dst
	}
	if w >= h {
		w, h = size, max(1, h*size/w)
	} else {
		w, h = max(1, w*size/h), size
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	k.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	return dst
}

func encode(img image.Image, opaque bool) (encoded, error) {
	var buf bytes.Buffer
	out := encoded{width: img.Bounds().Dx(), height: img.Bounds().Dy()}
	if opaque {
		out.contentType = "image/jpeg"
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: jpegQuality}); err != nil {
			return out, err
		}
	} else {
		out.contentType = "image/png"
		if err := png.Encode(&buf, img); err != nil {
			return out, err
		}
	}
	out.data = buf.Bytes()
	return out, nil
}
