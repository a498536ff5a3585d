package model

import "time"

// Blob classes. A public blob may be served to anyone by its hash (product
// images); a private one only through the route that authorizes it
// (invoice and contract scans).
const (
	BlobPublic  = "public"
	BlobPrivate = "private"
)

// Blob is a stored file, addressed by the lower-case hex SHA-256 of Data.
type Blob struct {
	Class       string
	Hash        string
	ContentType string
	Data        []byte
}

// MaxProductImages is the most images one product may have.
const MaxProductImages = 9

// ProductImage is one image of a product: Hash is its 800 px version,
// ThumbHash its 240 px one, both public blobs. Position orders a product's
// images; the first is the list thumbnail.
type ProductImage struct {
	ID        int64     `gorm:"column:id;primaryKey" json:"id"`
	ProductID int64     `gorm:"column:product_id" json:"product_id"`
	Position  int       `gorm:"column:position" json:"position"`
	Hash      string    `gorm:"column:hash" json:"hash"`
	ThumbHash string    `gorm:"column:thumb_hash" json:"thumb_hash"`
	Width     int       `gorm:"column:width" json:"width"`
	Height    int       `gorm:"column:height" json:"height"`
	CreatedAt time.Time `gorm:"column:created_at" json:"created_at"`
}

func (ProductImage) TableName() string { return "product_images" }
