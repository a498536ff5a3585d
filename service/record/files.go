package record

// A record's scans: the invoice or contract, as PDF, JPEG or PNG (judged by
// their bytes, not by the name or the header the client sent), at most
// MaxScan bytes, kept as private blobs and served only to those who may see
// the record.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"

	"shanhai/model"
	"shanhai/service/audit"
	"shanhai/service/check"
)

// MaxScan is the largest scan a record takes.
const MaxScan = 10 << 20

// MaxFiles bounds a record's scans.
const MaxFiles = 20

// sniff is the content type of a scan's bytes, or "" when it is none of
// the kinds a record takes.
func sniff(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("%PDF-")):
		return "application/pdf"
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return "image/jpeg"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	}
	return ""
}

// Attach adds a scan to a draft or returned record (its org_admin).
func (s *Service) Attach(ctx context.Context, actor *model.User, id int64, name string, data []byte) (*model.RecordFile, error) {
	r, err := s.store.Record(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := s.editorOf(ctx, actor, r); err != nil {
		return nil, err
	}
	if r.Status != model.RecordDraft && r.Status != model.RecordReturned {
		return nil, model.Conflict("invalid_transition", "a %s record takes no more files", r.Status)
	}
	var f check.Fields
	name = f.OptionalText("name", name, 128)
	ct := sniff(data)
	switch {
	case len(data) == 0:
		f.Add("file", "is required")
	case len(data) > MaxScan:
		f.Add("file", "must be at most 10 MiB")
	case ct == "":
		f.Add("file", "must be a PDF, JPEG or PNG scan")
	}
	if len(r.Files) >= MaxFiles {
		f.Add("file", "a record takes at most 20 files")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	rf := &model.RecordFile{RecordID: id, Hash: hex.EncodeToString(sum[:]), ContentType: ct, Size: int64(len(data)), Name: name}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.blobs.PutBlob(ctx, model.Blob{Class: model.BlobPrivate, Hash: rf.Hash, ContentType: ct, Data: data}); err != nil {
			return err
		}
		if err := s.store.AddRecordFile(ctx, rf); err != nil {
			return err
		}
		return audit.Record(ctx, s.store, actor, "record.attach", "sales_record", id, nil, rf, "")
	})
	if err != nil {
		return nil, err
	}
	return rf, nil
}

// File is one scan of a record with its bytes, for whoever may see the
// record (404 otherwise).
func (s *Service) File(ctx context.Context, actor *model.User, id, fileID int64) (*model.RecordFile, *model.Blob, error) {
	if _, err := s.Get(ctx, actor, id); err != nil {
		return nil, nil, err
	}
	rf, err := s.store.RecordFile(ctx, id, fileID)
	if err != nil {
		return nil, nil, err
	}
	b, err := s.blobs.Blob(ctx, model.BlobPrivate, rf.Hash)
	if err != nil {
		return nil, nil, err
	}
	return rf, b, nil
}
