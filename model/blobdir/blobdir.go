// Package blobdir is the blob store in a directory (SHANHAI_BLOBS=dir:<path>):
// <root>/<class>/<hash[0:2]>/<hash>, with the content type in a sibling
// "<hash>.type" file. Files are written to a temporary name and renamed, so
// a reader never sees half a file. Writes do not join database
// transactions: a file whose row rolled back stays behind, harmless, as the
// same bytes always have the same name.
package blobdir

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"shanhai/model"
)

// Dir is a blob store rooted at a directory.
type Dir struct{ root string }

// New opens (creating it if needed) the directory at root.
func New(root string) (*Dir, error) {
	if root == "" {
		return nil, errors.New("blob directory: empty path")
	}
	for _, c := range []string{model.BlobPublic, model.BlobPrivate} {
		if err := os.MkdirAll(filepath.Join(root, c), 0o750); err != nil {
			return nil, fmt.Errorf("blob directory: %w", err)
		}
	}
	return &Dir{root: root}, nil
}

// path is where a blob lives; class and hash were checked by the caller,
// and are checked again here so no name can leave the root.
func (d *Dir) path(class, hash string) (string, error) {
	if (class != model.BlobPublic && class != model.BlobPrivate) || len(hash) != 64 ||
		strings.Trim(hash, "0123456789abcdef") != "" {
		return "", model.NotFound("file")
	}
	return filepath.Join(d.root, class, hash[:2], hash), nil
}

// PutBlob writes b unless it is already there.
func (d *Dir) PutBlob(_ context.Context, b model.Blob) error {
	p, err := d.path(b.Class, b.Hash)
	if err != nil {
		return err
	}
	if _, err := os.Stat(p); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return err
	}
	if err := writeAtomic(p+".type", []byte(b.ContentType)); err != nil {
		return err
	}
	return writeAtomic(p, b.Data)
}

func writeAtomic(p string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		_ = os.Remove(f.Name())
	}
	return err
}

// Blob reads a blob; 404 when absent.
func (d *Dir) Blob(_ context.Context, class, hash string) (*model.Blob, error) {
	p, err := d.path(class, hash)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, model.NotFound("file")
	} else if err != nil {
		return nil, err
	}
	ct, err := os.ReadFile(p + ".type")
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if len(ct) == 0 {
		ct = []byte("application/octet-stream")
	}
	return &model.Blob{Class: class, Hash: hash, ContentType: string(ct), Data: data}, nil
}

// DeleteBlob removes a blob; removing one that is absent is no error.
func (d *Dir) DeleteBlob(_ context.Context, class, hash string) error {
	p, err := d.path(class, hash)
	if err != nil {
		return nil
	}
	for _, f := range []string{p, p + ".type"} {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}
