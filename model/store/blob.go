package store

// The blob store in the database: files content-addressed by SHA-256, kept
// apart by class (public or private), the bytes split into chunks of
// BlobChunk bytes, well below MariaDB's max_allowed_packet (16 MiB by
// default, 1 MiB on old installs), so no statement carries a whole file.
// Every replica reads them, and database backups include them. A Put joins
// the transaction in ctx, so an image row and its bytes commit together.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"shanhai/model"
)

// BlobChunk is the most bytes one blob_chunks row holds.
const BlobChunk = 256 << 10

type blobRow struct {
	Class       string    `gorm:"column:class;primaryKey"`
	Hash        string    `gorm:"column:hash;primaryKey"`
	ContentType string    `gorm:"column:content_type"`
	Size        int64     `gorm:"column:size"`
	Chunks      int       `gorm:"column:chunks"`
	CreatedAt   time.Time `gorm:"column:created_at"`
}

func (blobRow) TableName() string { return "blobs" }

type blobChunk struct {
	Class string `gorm:"column:class;primaryKey"`
	Hash  string `gorm:"column:hash;primaryKey"`
	Seq   int    `gorm:"column:seq;primaryKey"`
	Data  []byte `gorm:"column:data"`
}

func (blobChunk) TableName() string { return "blob_chunks" }

// PutBlob stores b unless a blob of its class and hash is already there
// (the same hash is the same bytes). The caller has computed b.Hash.
func (s *Store) PutBlob(ctx context.Context, b model.Blob) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx)
		var n int64
		if err := db.Model(&blobRow{}).Where("class = ? AND hash = ?", b.Class, b.Hash).Count(&n).Error; err != nil {
			return mapErr(err)
		}
		if n > 0 {
			return nil
		}
		chunks := (len(b.Data) + BlobChunk - 1) / BlobChunk
		row := blobRow{Class: b.Class, Hash: b.Hash, ContentType: b.ContentType, Size: int64(len(b.Data)),
			Chunks: chunks, CreatedAt: s.gdb.NowFunc()}
		if err := db.Create(&row).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return nil // a concurrent Put of the same bytes committed first
			}
			return mapErr(err)
		}
		for i := 0; i < chunks; i++ {
			part := b.Data[i*BlobChunk : min((i+1)*BlobChunk, len(b.Data))]
			if err := db.Create(&blobChunk{Class: b.Class, Hash: b.Hash, Seq: i, Data: part}).Error; err != nil {
				return mapErr(err)
			}
		}
		return nil
	})
}

// Blob is one blob by class and hash, its chunks joined; 404 when absent.
func (s *Store) Blob(ctx context.Context, class, hash string) (*model.Blob, error) {
	db := s.conn(ctx)
	var row blobRow
	if err := db.Where("class = ? AND hash = ?", class, hash).Take(&row).Error; err != nil {
		return nil, notFound(err, "file")
	}
	var parts []blobChunk
	if err := db.Where("class = ? AND hash = ?", class, hash).Order("seq").Find(&parts).Error; err != nil {
		return nil, mapErr(err)
	}
	data := make([]byte, 0, row.Size)
	for i, p := range parts {
		if p.Seq != i {
			return nil, fmt.Errorf("blob %s/%s: chunk %d missing", class, hash, i)
		}
		data = append(data, p.Data...)
	}
	if len(parts) != row.Chunks || int64(len(data)) != row.Size {
		return nil, fmt.Errorf("blob %s/%s: %d bytes in %d chunks, want %d in %d", class, hash, len(data), len(parts), row.Size, row.Chunks)
	}
	return &model.Blob{Class: row.Class, Hash: row.Hash, ContentType: row.ContentType, Data: data}, nil
}

// DeleteBlob removes a blob; removing one that is absent is no error.
func (s *Store) DeleteBlob(ctx context.Context, class, hash string) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		db := s.conn(ctx)
		if err := db.Where("class = ? AND hash = ?", class, hash).Delete(&blobChunk{}).Error; err != nil {
			return mapErr(err)
		}
		return mapErr(db.Where("class = ? AND hash = ?", class, hash).Delete(&blobRow{}).Error)
	})
}
