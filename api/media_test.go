package api_test

// Product images: uploads judged by content and refused clearly when bad,
// the ninth-image limit, deletion and ordering, images in the catalogue's
// answers, and GET /media/{hash} with its caching headers.

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"shanhai/api"
	"shanhai/model"
	"shanhai/model/cache"
	"shanhai/model/store"
	"shanhai/model/store/storetest"
	"shanhai/service/media"
)

// uploadBoundary is the multipart boundary of every test upload, so the
// authorization table can send the same header for every caller.
const uploadBoundary = "shanhai-test-boundary"

// multipartBody is a multipart/form-data body with data in field.
func multipartBody(t *testing.T, field string, data []byte) string {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.SetBoundary(uploadBoundary); err != nil {
		t.Fatal(err)
	}
	fw, err := mw.CreateFormFile(field, "upload.png")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(data)
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func multipartHeader(*world, string, string) map[string]string {
	return map[string]string{"Content-Type": "multipart/form-data; boundary=" + uploadBoundary}
}

// testPNG is a w×h image, opaque or not, as PNG.
func testPNG(t *testing.T, w, h int, opaque bool) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			a := uint8(255)
			if !opaque && x < w/2 {
				a = 100
			}
			img.Set(x, y, color.NRGBA{uint8(x), uint8(y), 90, a})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func testJPEG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// bombPNG is a valid PNG header announcing w×h pixels, followed by a few
// bytes of image data: decoding it would need w×h×4 bytes.
func bombPNG(w, h uint32) []byte {
	var buf bytes.Buffer
	buf.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		_ = binary.Write(&buf, binary.BigEndian, uint32(len(data)))
		buf.WriteString(typ)
		buf.Write(data)
		c := crc32.NewIEEE()
		c.Write([]byte(typ))
		c.Write(data)
		_ = binary.Write(&buf, binary.BigEndian, c.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return buf.Bytes()
}

type imageBody struct {
	ID           int64  `json:"id"`
	URL          string `json:"url"`
	ThumbnailURL string `json:"thumbnail_url"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
}

func (h *harness) upload(t *testing.T, token string, productID int64, data []byte) response {
	t.Helper()
	req := newRequest(http.MethodPost, path(v1+"/supplier/products", productID, "images"), token, multipartBody(t, "file", data))
	req.Header.Set("Content-Type", "multipart/form-data; boundary="+uploadBoundary)
	return h.do(t, req, false)
}

func TestProductImages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		h := newHarness(t, b)
		w := seedWorld(t, h)
		tok := w.token(t, model.RoleSupplier)

		// A good upload: a 1600×1000 PNG with transparency stays PNG, scaled
		// to 800×500 and 240×150.
		res := h.upload(t, tok, w.prodA, testPNG(t, 1600, 1000, false))
		wantStatus(t, res, http.StatusCreated)
		first := decode[imageBody](t, res)
		if first.Width != 800 || first.Height != 500 || !strings.HasPrefix(first.URL, "/media/") ||
			!strings.HasPrefix(first.ThumbnailURL, "/media/") {
			t.Fatalf("uploaded = %+v", first)
		}
		full := h.get(t, first.URL)
		wantStatus(t, full, http.StatusOK)
		if ct := full.Header.Get("Content-Type"); ct != "image/png" {
			t.Errorf("content type %q, want image/png (the image has transparency)", ct)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(full.Body))
		if err != nil || cfg.Width != 800 || cfg.Height != 500 {
			t.Errorf("served full image: %v %+v", err, cfg)
		}
		thumb := h.get(t, first.ThumbnailURL)
		if cfg, err := png.DecodeConfig(bytes.NewReader(thumb.Body)); err != nil || cfg.Width != 240 || cfg.Height != 150 {
			t.Errorf("served thumbnail: %v %+v", err, cfg)
		}
		// caching headers and revalidation
		etag := full.Header.Get("ETag")
		if etag != `"`+strings.TrimPrefix(first.URL, "/media/")+`"` ||
			full.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Errorf("headers: ETag %q, Cache-Control %q", etag, full.Header.Get("Cache-Control"))
		}
		req := httptest.NewRequest(http.MethodGet, first.URL, nil)
		req.Header.Set("If-None-Match", etag)
		if res := h.do(t, req, true); res.Status != http.StatusNotModified || len(res.Body) != 0 {
			t.Errorf("If-None-Match: %d with %d bytes, want 304 and none", res.Status, len(res.Body))
		}

		// An opaque JPEG with EXIF-like metadata is re-encoded as JPEG; a
		// small one is not enlarged.
		jp := testJPEG(t, 300, 200)
		withMeta := append([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x10, 'E', 'x', 'i', 'f', 0, 0, 'G', 'P', 'S', '!', '!', '!', '!', '!'}, jp[2:]...)
		res = h.upload(t, tok, w.prodA, withMeta)
		wantStatus(t, res, http.StatusCreated)
		second := decode[imageBody](t, res)
		served := h.get(t, second.URL)
		if served.Header.Get("Content-Type") != "image/jpeg" || bytes.Contains(served.Body, []byte("Exif")) ||
			second.Width != 300 || second.Height != 200 {
			t.Errorf("jpeg: %+v, content type %q, exif kept %v", second, served.Header.Get("Content-Type"),
				bytes.Contains(served.Body, []byte("Exif")))
		}

		// The detail and the list carry them, through whatever cache.
		pub := decode[product](t, h.get(t, path(v1+"/products", w.prodA)))
		if len(pub.Images) != 2 || pub.Images[0].URL != first.URL || pub.Images[1].ThumbnailURL != second.ThumbnailURL {
			t.Errorf("detail images = %+v", pub.Images)
		}
		list := decode[page[productSummary]](t, h.get(t, v1+"/products?page_size=100"))
		found := false
		for _, p := range list.Items {
			if p.ID == w.prodA {
				found = true
				if p.ThumbnailURL != first.ThumbnailURL || len(p.Images) != 1 || p.Images[0].URL != first.URL {
					t.Errorf("list entry = %+v", p)
				}
			} else if p.ThumbnailURL != "" || len(p.Images) != 0 {
				t.Errorf("product %d without images shows %+v", p.ID, p)
			}
		}
		if !found {
			t.Error("product A missing from the list")
		}

		// Order: the second first.
		res = h.call(t, http.MethodPut, path(v1+"/supplier/products", w.prodA, "images/order"), tok,
			jsonBody(map[string]any{"ids": []int64{second.ID, first.ID}}))
		wantStatus(t, res, http.StatusOK)
		list = decode[page[productSummary]](t, h.get(t, v1+"/products?page_size=100"))
		for _, p := range list.Items {
			if p.ID == w.prodA && p.ThumbnailURL != second.ThumbnailURL {
				t.Errorf("after reordering the list thumbnail is %q, want %q", p.ThumbnailURL, second.ThumbnailURL)
			}
		}
		wantError(t, h.callBad(t, http.MethodPut, path(v1+"/supplier/products", w.prodA, "images/order"), tok,
			jsonBody(map[string]any{"ids": []int64{second.ID}})), http.StatusUnprocessableEntity, "invalid", "ids")
		wantError(t, h.callBad(t, http.MethodPut, path(v1+"/supplier/products", w.prodA, "images/order"), tok,
			jsonBody(map[string]any{"ids": []int64{second.ID, second.ID}})), http.StatusUnprocessableEntity, "invalid", "ids")

		// Bad files, each a clear 4xx and nothing stored.
		jpegBytes := testJPEG(t, 64, 64)
		pdf := []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
		big := make([]byte, 6<<20)
		copy(big, testPNG(t, 8, 8, true))
		for _, tc := range []struct {
			name   string
			data   []byte
			status int
			code   string
		}{
			{"a PDF named .png", pdf, 422, "unsupported_image"},
			{"an empty file", nil, 422, "unsupported_image"},
			{"a truncated JPEG", jpegBytes[:len(jpegBytes)/2], 422, "corrupt_image"},
			{"a JPEG header only", jpegBytes[:20], 422, "corrupt_image"},
			{"a 10000×10000 PNG (decompression bomb)", bombPNG(10000, 10000), 422, "image_too_large"},
			{"a 6 MiB file", big, 413, "body_too_large"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var fields []string
				if tc.status == http.StatusUnprocessableEntity {
					fields = []string{"file"}
				}
				wantError(t, h.upload(t, tok, w.prodA, tc.data), tc.status, tc.code, fields...)
			})
		}
		if n := queryOne[int64](t, h, "SELECT COUNT(*) FROM product_images WHERE product_id = ?", w.prodA); n != 2 {
			t.Errorf("%d images stored after the bad uploads, want 2", n)
		}
		// no file field; not multipart
		wantError(t, h.callBadWith(t, http.MethodPost, path(v1+"/supplier/products", w.prodA, "images"), tok,
			multipartBody(t, "other", jpegBytes), map[string]string{"Content-Type": "multipart/form-data; boundary=" + uploadBoundary}),
			http.StatusUnprocessableEntity, "invalid", "file")
		wantError(t, h.callBad(t, http.MethodPost, path(v1+"/supplier/products", w.prodA, "images"), tok, `{"file": "x"}`),
			http.StatusBadRequest, "bad_upload")

		// Another supplier's product: 404; a non-supplier: 403.
		wantError(t, h.upload(t, tok, w.prodB, jpegBytes), http.StatusNotFound, "not_found")
		wantError(t, h.upload(t, w.token(t, model.RoleAdmin), w.prodA, jpegBytes), http.StatusForbidden, "forbidden")
		wantError(t, h.callBad(t, http.MethodDelete, path(v1+"/supplier/products", w.prodB, "images", first.ID), tok, ""),
			http.StatusNotFound, "not_found")
		// an image of another product of one's own is a 404 too
		wantError(t, h.callBad(t, http.MethodDelete, path(v1+"/supplier/products", w.prodA, "images", 999999), tok, ""),
			http.StatusNotFound, "not_found")

		// Nine at most: seven more fit, the tenth is refused.
		for i := 0; i < 7; i++ {
			wantStatus(t, h.upload(t, tok, w.prodA, testPNG(t, 20+i, 20, true)), http.StatusCreated)
		}
		wantError(t, h.upload(t, tok, w.prodA, testPNG(t, 40, 40, true)), http.StatusUnprocessableEntity, "too_many_images", "file")
		if n := queryOne[int64](t, h, "SELECT image_count FROM products WHERE id = ?", w.prodA); n != 9 {
			t.Errorf("image_count = %d, want 9", n)
		}

		// Delete: the files go (no other image has the same bytes), the
		// detail drops it, and an upload fits again.
		res = h.callBad(t, http.MethodDelete, path(v1+"/supplier/products", w.prodA, "images", first.ID), tok, "")
		wantStatus(t, res, http.StatusNoContent)
		wantError(t, h.get(t, first.URL), http.StatusNotFound, "not_found")
		pub = decode[product](t, h.get(t, path(v1+"/products", w.prodA)))
		if len(pub.Images) != 8 || pub.Images[0].URL != second.URL {
			t.Errorf("after delete: %d images, first %+v", len(pub.Images), pub.Images[0])
		}
		wantStatus(t, h.upload(t, tok, w.prodA, testPNG(t, 41, 40, true)), http.StatusCreated)

		// /media serves nothing private and nothing malformed.
		priv := strings.Repeat("ab", 32)
		if err := h.store.PutBlob(context.Background(), model.Blob{Class: model.BlobPrivate, Hash: priv,
			ContentType: "application/pdf", Data: []byte("scan")}); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"/media/" + priv, "/media/xyz", "/media/" + strings.ToUpper(priv)} {
			wantError(t, h.getBad(t, p), http.StatusNotFound, "not_found")
		}

		// A suspended supplier reads but cannot change its images.
		if _, err := h.store.SetSupplierStatus(context.Background(), w.supA.ID, model.SupplierSuspended); err != nil {
			t.Fatal(err)
		}
		wantError(t, h.upload(t, tok, w.prodA, jpegBytes), http.StatusForbidden, "supplier_suspended")
		wantError(t, h.callBad(t, http.MethodDelete, path(v1+"/supplier/products", w.prodA, "images", second.ID), tok, ""),
			http.StatusForbidden, "supplier_suspended")
	})
}

// productImageIDs are product A's image ids, in order, after seeding one
// for the supplier (whose call changes them); others get [1].
func productImageIDs(t *testing.T, w *world, caller string) []int64 {
	t.Helper()
	if caller != model.RoleSupplier {
		return []int64{1}
	}
	ctx := context.Background()
	if err := w.h.store.AddProductImage(ctx, &model.ProductImage{ProductID: w.prodA,
		Hash: seedPublicBlob(t, w), ThumbHash: seedPublicBlob(t, w), Width: 1, Height: 1}); err != nil {
		t.Fatal(err)
	}
	imgs, err := w.h.store.ProductImages(ctx, w.prodA)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(imgs))
	for i, img := range imgs {
		ids[i] = img.ID
	}
	return ids
}

// seedPublicBlob stores a small public blob and returns its hash.
func seedPublicBlob(t *testing.T, w *world) string {
	t.Helper()
	data := testPNG(t, 2, 2, true)
	hash := media.Hash(data)
	if err := w.h.store.PutBlob(context.Background(), model.Blob{Class: model.BlobPublic, Hash: hash,
		ContentType: "image/png", Data: data}); err != nil {
		t.Fatal(err)
	}
	return hash
}

// TestProductImagesThroughCache: with the catalogue read through the cache
// layer (entries kept for an hour, so only an invalidation can refresh
// them), an upload and a delete show at once in the detail and the list.
// Runs on the in-process tier alone, and with Redis when
// SHANHAI_TEST_REDIS is set.
func TestProductImagesThroughCache(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		redisAddr := os.Getenv("SHANHAI_TEST_REDIS")
		w := seedWorld(t, newHarness(t, b))
		for _, withRedis := range []bool{false, true} {
			// each tier on a product of its own
			name, productID, tok := "local", w.prodA, w.token(t, model.RoleSupplier)
			if withRedis {
				name, productID, tok = "redis", w.prodB, w.token(t, "supplier_b")
			}
			t.Run(name, func(t *testing.T) {
				var rdb redis.UniversalClient
				if withRedis {
					if redisAddr == "" {
						t.Skip("SKIPPED the Redis tier: SHANHAI_TEST_REDIS is not set")
					}
					rdb = redisClient(t, redisAddr)
				}
				cached := cache.New(b.Store, rdb, cache.Options{Prefix: "imgtest-" + b.Name + "-" + name + ":",
					LocalTTL: time.Hour, LocalLongTTL: time.Hour, DetailTTL: time.Hour, ListTTL: time.Hour})
				t.Cleanup(func() { cached.Close() })
				h := newHarness(t, b, withStore(cached), func(d *api.Deps, st *store.Store) {
					d.Media = media.New(st, st, cached.ImagesChanged, media.CacheBytes)
				})
				detail := func() product { return decode[product](t, h.get(t, path(v1+"/products", productID))) }
				thumb := func() string {
					for _, p := range decode[page[productSummary]](t, h.get(t, v1+"/products?page_size=100")).Items {
						if p.ID == productID {
							return p.ThumbnailURL
						}
					}
					t.Fatal("the product is not listed")
					return ""
				}
				if len(detail().Images) != 0 || thumb() != "" {
					t.Fatal("images before any upload")
				}
				res := h.upload(t, tok, productID, testPNG(t, 30, 30, true))
				wantStatus(t, res, http.StatusCreated)
				img := decode[imageBody](t, res)
				if d := detail(); len(d.Images) != 1 || d.Images[0].URL != img.URL {
					t.Errorf("detail after upload: %+v", d.Images)
				}
				if got := thumb(); got != img.ThumbnailURL {
					t.Errorf("list thumbnail after upload = %q, want %q", got, img.ThumbnailURL)
				}
				wantStatus(t, h.callBad(t, http.MethodDelete, path(v1+"/supplier/products", productID, "images", img.ID), tok, ""),
					http.StatusNoContent)
				if d := detail(); len(d.Images) != 0 {
					t.Errorf("detail after delete: %+v", d.Images)
				}
				if got := thumb(); got != "" {
					t.Errorf("list thumbnail after delete = %q", got)
				}
			})
		}
	})
}
