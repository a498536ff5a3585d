package record

// A record's scans: the invoice or contract, as PDF, JPEG or PNG (judged by
// their bytes, not by the name or the header the client sent), at most
// check.MaxScan bytes, kept as private blobs and served only to those who
// may see the record.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"shanhai/model"
	"shanhai/service/audit"
	"shanhai/service/check"
)

// MaxFiles bounds a record's scans.
const MaxFiles = 20

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
	ct := f.Scan("file", data)
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
