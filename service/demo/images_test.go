package demo

import (
	"bytes"
	"context"
	"image/png"
	"testing"
	"time"

	"shanhai/model/store/storetest"
	"shanhai/service/media"
)

// TestTile: a tile is a 480 px PNG whose colour follows the name.
func TestTile(t *testing.T) {
	a, err := Tile(1, "金口河川牛膝饮片", "herbs")
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(a))
	if err != nil || img.Bounds().Dx() != tileSize || img.Bounds().Dy() != tileSize {
		t.Fatalf("tile: %v %v", err, img.Bounds())
	}
	b, _ := Tile(1, "江山白鹅", "herbs")
	imgB, _ := png.Decode(bytes.NewReader(b))
	if img.At(1, 1) == imgB.At(1, 1) {
		t.Error("two names gave one colour")
	}
}

// TestImages: after a load every on-sale demo product has one generated
// image, and a second run makes none.
func TestImages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		if _, err := Load(ctx, b.Store, time.Now()); err != nil {
			t.Fatal(err)
		}
		m := media.New(b.Store, b.Store, nil, 0)
		n, err := Images(ctx, b.Store, m)
		if err != nil {
			t.Fatal(err)
		}
		var onSale, without int64
		if err := b.Store.DB().QueryRow(`SELECT COUNT(*) FROM products p JOIN suppliers s ON s.id = p.supplier_id
			WHERE p.on_sale = ? AND s.status = 'active'`, true).Scan(&onSale); err != nil {
			t.Fatal(err)
		}
		if err := b.Store.DB().QueryRow(`SELECT COUNT(*) FROM products p JOIN suppliers s ON s.id = p.supplier_id
			WHERE p.on_sale = ? AND s.status = 'active' AND p.image_count <> 1`, true).Scan(&without); err != nil {
			t.Fatal(err)
		}
		if int64(n) != onSale || onSale == 0 || without != 0 {
			t.Errorf("made %d images for %d on-sale products; %d without exactly one", n, onSale, without)
		}
		if again, err := Images(ctx, b.Store, m); err != nil || again != 0 {
			t.Errorf("second run made %d (%v), want 0", again, err)
		}
	})
}
