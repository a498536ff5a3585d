package store_test

// The blob store, in the database on every backend and in a directory: a
// file over several chunks reads back byte for byte, a second Put of the
// same bytes is no error, classes are apart, a Put rolled back with its
// transaction leaves nothing, and Delete removes it.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"

	"shanhai/model"
	"shanhai/model/blobdir"
	"shanhai/model/store"
	"shanhai/model/store/storetest"
)

type blobStore interface {
	PutBlob(ctx context.Context, b model.Blob) error
	Blob(ctx context.Context, class, hash string) (*model.Blob, error)
	DeleteBlob(ctx context.Context, class, hash string) error
}

func blobOf(class string, data []byte) model.Blob {
	sum := sha256.Sum256(data)
	return model.Blob{Class: class, Hash: hex.EncodeToString(sum[:]), ContentType: "image/jpeg", Data: data}
}

func testBlobs(t *testing.T, bs blobStore) {
	ctx := context.Background()
	big := make([]byte, 3*store.BlobChunk+123) // four chunks, the last short
	for i := range big {
		big[i] = byte(i * 31)
	}
	for _, data := range [][]byte{big, []byte("x"), make([]byte, store.BlobChunk)} {
		b := blobOf(model.BlobPublic, data)
		for i := 0; i < 2; i++ { // the second Put finds it there
			if err := bs.PutBlob(ctx, b); err != nil {
				t.Fatalf("put %d bytes (#%d): %v", len(data), i+1, err)
			}
		}
		got, err := bs.Blob(ctx, model.BlobPublic, b.Hash)
		if err != nil || !bytes.Equal(got.Data, data) || got.ContentType != "image/jpeg" {
			t.Fatalf("read back %d bytes: err %v, equal %v", len(data), err, err == nil && bytes.Equal(got.Data, data))
		}
		if _, err := bs.Blob(ctx, model.BlobPrivate, b.Hash); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("the public blob read as private: %v", err)
		}
	}
	b := blobOf(model.BlobPublic, big)
	if err := bs.DeleteBlob(ctx, model.BlobPublic, b.Hash); err != nil {
		t.Fatal(err)
	}
	if _, err := bs.Blob(ctx, model.BlobPublic, b.Hash); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("after delete: %v, want not found", err)
	}
	if err := bs.DeleteBlob(ctx, model.BlobPublic, b.Hash); err != nil {
		t.Errorf("deleting it again: %v", err)
	}
}

func TestBlobStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		testBlobs(t, b.Store)
		// A Put in a transaction that rolls back leaves nothing.
		ctx := context.Background()
		blob := blobOf(model.BlobPrivate, []byte("a scan that was never kept"))
		boom := errors.New("boom")
		err := b.Store.InTx(ctx, func(ctx context.Context) error {
			if err := b.Store.PutBlob(ctx, blob); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if _, err := b.Store.Blob(ctx, model.BlobPrivate, blob.Hash); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("rolled-back blob: %v, want not found", err)
		}
	})
	t.Run("dir", func(t *testing.T) {
		d, err := blobdir.New(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		testBlobs(t, d)
		if _, err := d.Blob(context.Background(), model.BlobPublic, "../../etc/passwd"); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("a path as hash: %v, want not found", err)
		}
	})
}
