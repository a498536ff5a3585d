package demo

// Demo product images: a coloured tile per product, drawn here (nothing is
// downloaded), its colour derived from the product's name and its text the
// product id and category code in latin letters (the built-in bitmap font
// has no Chinese glyphs). Each goes through the media service like an
// upload, so the demo's catalogue shows thumbnails and /media serves them.

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"image/png"

	"golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"shanhai/model"
)

// Catalogue is what Images reads: the on-sale products, page by page.
type Catalogue interface {
	Products(ctx context.Context, q model.ProductQuery) (model.Page[model.ProductSummary], error)
}

// Imager stores a generated image for a product (service/media).
type Imager interface {
	PutGenerated(ctx context.Context, productID int64, data []byte) error
}

// Images gives every on-sale product without an image a generated tile
// and reports how many it made.
func Images(ctx context.Context, cat Catalogue, im Imager) (int, error) {
	n := 0
	for page := 1; ; page++ {
		p, err := cat.Products(ctx, model.ProductQuery{Page: page, PageSize: 100, Sort: model.SortNewest})
		if err != nil {
			return n, err
		}
		for _, prod := range p.Items {
			if prod.ImageHash != "" {
				continue
			}
			data, err := Tile(prod.ID, prod.Name, prod.CategoryCode)
			if err != nil {
				return n, err
			}
			if err := im.PutGenerated(ctx, prod.ID, data); err != nil {
				return n, fmt.Errorf("image of product %d: %w", prod.ID, err)
			}
			n++
		}
		if int64(page*100) >= p.Total {
			return n, nil
		}
	}
}

// tileSize is the side of a generated tile, in pixels.
const tileSize = 480

// Tile draws a square PNG: a colour from name, with "#id" and the category
// code written large.
func Tile(id int64, name, category string) ([]byte, error) {
	h := fnv.New32a()
	h.Write([]byte(name))
	sum := h.Sum32()
	bg := color.RGBA{R: 80 + uint8(sum%150), G: 80 + uint8(sum>>8%150), B: 80 + uint8(sum>>16%150), A: 255}
	// The text is drawn at the font's own size on a small canvas, then
	// scaled up without smoothing, so it stays legible at 480 px.
	const small = tileSize / 6
	img := image.NewRGBA(image.Rect(0, 0, small, small))
	draw.Draw(img, img.Bounds(), image.NewUniform(bg), image.Point{}, draw.Src)
	d := font.Drawer{Dst: img, Src: image.NewUniform(color.White), Face: basicfont.Face7x13}
	for i, line := range []string{fmt.Sprintf("#%d", id), category} {
		w := d.MeasureString(line).Ceil()
		d.Dot = fixed.P((small-w)/2, small/2-4+i*15)
		d.DrawString(line)
	}
	big := image.NewRGBA(image.Rect(0, 0, tileSize, tileSize))
	draw.NearestNeighbor.Scale(big, big.Bounds(), img, img.Bounds(), draw.Src, nil)
	var buf bytes.Buffer
	if err := png.Encode(&buf, big); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
