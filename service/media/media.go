// Package media is product images and the blob store behind them.
//
// A supplier uploads an image of one of its products; it is checked
// (image.go), re-encoded in an 800 px and a 240 px version, and both are
// stored as public blobs, content-addressed by SHA-256, beside a
// product_images row, in one transaction when the blobs are in the database.
// GET /media/{hash} serves public blobs only, from a byte-bounded in-process
// LRU in front of the store. Private blobs (scans) go through the same Blobs
// interface but are only ever served by the routes that authorize them.
package media

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"shanhai/model"
)

// Blobs is the blob store: the database (model/store) or a directory
// (model/blobdir). A Put of bytes already there is no error; a Get of an
// absent blob is model.ErrNotFound.
type Blobs interface {
	PutBlob(ctx context.Context, b model.Blob) error
	Blob(ctx context.Context, class, hash string) (*model.Blob, error)
	DeleteBlob(ctx context.Context, class, hash string) error
}

// Store is what media reads and writes besides blobs; model/store satisfies it.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	Supplier(ctx context.Context, id int64) (*model.Supplier, error)
	Product(ctx context.Context, id int64) (*model.ProductDetail, error)
	AddProductImage(ctx context.Context, img *model.ProductImage) error
	ProductImages(ctx context.Context, productID int64) ([]model.ProductImage, error)
	DeleteProductImage(ctx context.Context, productID, imageID int64) (*model.ProductImage, error)
	ReorderProductImages(ctx context.Context, productID int64, ids []int64) error
	ImageRefs(ctx context.Context, hash string) (int64, error)
}

// Changed is told, inside the writing transaction, that a product's images
// changed, so catalogue caches drop its detail and the list pages after the
// commit (model/cache.Store.ImagesChanged). Nil when nothing is cached.
type Changed func(ctx context.Context, productID int64)

// Service uploads, orders, deletes and serves product images.
type Service struct {
	store   Store
	blobs   Blobs
	changed Changed
	hot     *lru
	decodes chan struct{} // bounds the images decoded at once (memory)
}

// CacheBytes is the default size of the in-process cache of public blobs.
const CacheBytes = 64 << 20

// New returns the media service. cacheBytes bounds the in-process cache of
// public blobs (0 turns it off).
func New(st Store, blobs Blobs, changed Changed, cacheBytes int64) *Service {
	if changed == nil {
		changed = func(context.Context, int64) {}
	}
	return &Service{store: st, blobs: blobs, changed: changed, hot: newLRU(cacheBytes), decodes: make(chan struct{}, 2)}
}

// Hash is the blob address of data: lower-case hex SHA-256.
func Hash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// validHash: 64 lower-case hex digits.
func validHash(h string) bool {
	return len(h) == 64 && strings.Trim(h, "0123456789abcdef") == ""
}

// Public is a public blob by hash, for GET /media/{hash}; anything else
// (a private blob, a malformed hash) is 404.
func (s *Service) Public(ctx context.Context, hash string) (*model.Blob, error) {
	if !validHash(hash) {
		return nil, model.NotFound("file")
	}
	if b := s.hot.get(hash); b != nil {
		return b, nil
	}
	b, err := s.blobs.Blob(ctx, model.BlobPublic, hash)
	if err != nil {
		return nil, err
	}
	s.hot.put(b)
	return b, nil
}

// ownProduct is the product if actor is a user of its supplier, and that
// supplier may change its catalogue: 404 for another supplier's product,
// 403 for a non-supplier or a suspended supplier.
func (s *Service) ownProduct(ctx context.Context, actor *model.User, productID int64) (*model.ProductDetail, error) {
	if actor.Role != model.RoleSupplier || actor.SupplierID == nil {
		return nil, model.Forbidden("supplier accounts only")
	}
	d, err := s.store.Product(ctx, productID)
	if err != nil {
		return nil, err
	}
	if d.SupplierID != *actor.SupplierID {
		return nil, model.NotFound("product")
	}
	sup, err := s.store.Supplier(ctx, d.SupplierID)
	if err != nil {
		return nil, err
	}
	if sup.Status == model.SupplierSuspended {
		return nil, &model.Error{Kind: model.ErrForbidden, Code: "supplier_suspended",
			Message: "your supplier is suspended: its images cannot be changed"}
	}
	return d, nil
}

// Upload adds an image to one of the caller's products, after its others.
func (s *Service) Upload(ctx context.Context, actor *model.User, productID int64, data []byte) (*model.ProductImage, error) {
	d, err := s.ownProduct(ctx, actor, productID)
	if err != nil {
		return nil, err
	}
	if d.ImageCount >= model.MaxProductImages {
		return nil, &model.Error{Kind: model.ErrInvalid, Code: "too_many_images",
			Message: "a product has at most 9 images: delete one first", Fields: []model.FieldError{{Field: "file", Message: "a product has at most 9 images: delete one first"}}}
	}
	if len(data) > MaxUploadBytes {
		return nil, &model.Error{Kind: model.ErrInvalid, Code: "image_too_large", Message: "the file is over 5 MiB", Fields: []model.FieldError{{Field: "file", Message: "the file is over 5 MiB"}}}
	}
	// The cheap header checks before waiting for a decoding slot.
	if _, _, err := checkHeader(data); err != nil {
		return nil, err
	}
	select {
	case s.decodes <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	full, thumb, err := process(data)
	<-s.decodes
	if err != nil {
		return nil, err
	}
	img, err := s.save(ctx, productID, full, thumb)
	if err != nil {
		return nil, err
	}
	return img, nil
}

// Delete removes one image of one of the caller's products; its blobs go
// too unless another image uses the same bytes.
func (s *Service) Delete(ctx context.Context, actor *model.User, productID, imageID int64) error {
	if _, err := s.ownProduct(ctx, actor, productID); err != nil {
		return err
	}
	var img *model.ProductImage
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		var err error
		if img, err = s.store.DeleteProductImage(ctx, productID, imageID); err != nil {
			return err
		}
		s.changed(ctx, productID)
		return nil
	})
	if err != nil {
		return err
	}
	// After the commit: a blob whose row rolled back must stay. An upload
	// of the very same bytes racing this can lose its blob; the chance is
	// small, and re-uploading brings it back.
	for _, h := range []string{img.Hash, img.ThumbHash} {
		n, err := s.store.ImageRefs(ctx, h)
		if err != nil {
			return err
		}
		if n == 0 {
			s.hot.drop(h)
			if err := s.blobs.DeleteBlob(ctx, model.BlobPublic, h); err != nil {
				return err
			}
		}
	}
	return nil
}

// Images are a product's images in display order (for the caller's own
// product, whatever its status).
func (s *Service) Images(ctx context.Context, productID int64) ([]model.ProductImage, error) {
	return s.store.ProductImages(ctx, productID)
}

// Reorder sets the display order of one of the caller's products' images:
// ids names each of them once, the first becoming the list thumbnail.
func (s *Service) Reorder(ctx context.Context, actor *model.User, productID int64, ids []int64) ([]model.ProductImage, error) {
	if _, err := s.ownProduct(ctx, actor, productID); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, model.Invalid(model.FieldError{Field: "ids", Message: "must list the product's image ids"})
	}
	var out []model.ProductImage
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.ReorderProductImages(ctx, productID, ids); err != nil {
			return err
		}
		s.changed(ctx, productID)
		var err error
		out, err = s.store.ProductImages(ctx, productID)
		return err
	})
	return out, err
}

// PutGenerated stores an image made by the platform itself (the demo's
// tiles) for a product, with no owner check: callers are trusted code.
func (s *Service) PutGenerated(ctx context.Context, productID int64, data []byte) error {
	full, thumb, err := process(data)
	if err != nil {
		return err
	}
	_, err = s.save(ctx, productID, full, thumb)
	return err
}

// save stores both versions as public blobs and adds the image row, in one
// transaction (the blobs join it when they are in the database).
func (s *Service) save(ctx context.Context, productID int64, full, thumb encoded) (*model.ProductImage, error) {
	img := &model.ProductImage{ProductID: productID, Width: full.width, Height: full.height,
		Hash: Hash(full.data), ThumbHash: Hash(thumb.data)}
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		for _, v := range []struct {
			hash string
			e    encoded
		}{{img.Hash, full}, {img.ThumbHash, thumb}} {
			if err := s.blobs.PutBlob(ctx, model.Blob{Class: model.BlobPublic, Hash: v.hash,
				ContentType: v.e.contentType, Data: v.e.data}); err != nil {
				return err
			}
		}
		if err := s.store.AddProductImage(ctx, img); err != nil {
			return err
		}
		s.changed(ctx, productID)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return img, nil
}
