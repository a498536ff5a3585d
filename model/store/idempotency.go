package store

// Idempotency keys: a user's operation claimed in its own transaction and
// its opaque result, kept for a day (service/idempotency).

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"shanhai/model"
)

// ClaimKey inserts a running idempotency key, in the transaction in ctx: the
// first write of the key's request, so the row stays locked until that
// transaction ends. A concurrent insert of the same key waits on that lock
// (a record lock on the primary key, no gap lock) until the holder commits
// — the insert then fails as a duplicate — or rolls back, and the key is
// free. false: the key is already stored (read it with IdempotencyKey). A
// wait that reaches the lock-wait timeout is a 409 in progress, not retried.
func (s *Store) ClaimKey(ctx context.Context, k *model.IdempotencyKey) (bool, error) {
	k.Status, k.Result = model.IdemRunning, nil
	if k.CreatedAt.IsZero() {
		k.CreatedAt = s.gdb.NowFunc()
	}
	_, err := s.rawExec(ctx, `INSERT INTO idempotency_keys (user_id, idem_key, scope, request_hash, status,
		body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		k.UserID, k.Key, k.Scope, k.RequestHash, k.Status, k.Result, k.CreatedAt)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return false, nil
	case lockWaitTimeout(err):
		return false, model.Conflict("idempotency_in_progress", "a request with this Idempotency-Key is still running")
	}
	return false, mapErr(err)
}

// IdempotencyKey is the stored key of a user's request.
func (s *Store) IdempotencyKey(ctx context.Context, userID int64, key string) (*model.IdempotencyKey, error) {
	var k model.IdempotencyKey
	if err := s.conn(ctx).Where("user_id = ? AND idem_key = ?", userID, key).Take(&k).Error; err != nil {
		return nil, notFound(err, "idempotency key")
	}
	return &k, nil
}

// RetakeKey takes over a key whose holder is gone (a running key older than
// it should be, or an expired one): compare-and-set on its creation time.
func (s *Store) RetakeKey(ctx context.Context, old *model.IdempotencyKey, hash string) (bool, error) {
	res := s.conn(ctx).Model(&model.IdempotencyKey{}).
		Where("user_id = ? AND idem_key = ? AND created_at = ?", old.UserID, old.Key, old.CreatedAt).
		Updates(map[string]any{"status": model.IdemRunning, "request_hash": hash,
			"body": nil, "created_at": s.gdb.NowFunc()})
	if res.Error != nil {
		return false, mapErr(res.Error)
	}
	return res.RowsAffected == 1, nil
}

// FinishKey stores the result of a key's operation, in the transaction in
// ctx. (The status_code column is no longer written: the result is opaque.)
func (s *Store) FinishKey(ctx context.Context, userID int64, key string, result []byte) error {
	res, err := s.rawExec(ctx, `UPDATE idempotency_keys SET status = ?, body = ?
		WHERE user_id = ? AND idem_key = ?`, model.IdemDone, result, userID, key)
	if err != nil {
		return mapErr(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return mapErr(err)
	} else if n == 0 {
		return model.NotFound("idempotency key")
	}
	return nil
}

// PurgeKeys deletes keys created before t, at most limit; it returns how many.
func (s *Store) PurgeKeys(ctx context.Context, before time.Time, limit int) (int64, error) {
	var keys []model.IdempotencyKey
	if err := s.conn(ctx).Select("user_id, idem_key").Where("created_at < ?", before.UTC()).
		Limit(limit).Find(&keys).Error; err != nil {
		return 0, mapErr(err)
	}
	var n int64
	for _, k := range keys {
		res := s.conn(ctx).Where("user_id = ? AND idem_key = ? AND created_at < ?", k.UserID, k.Key, before.UTC()).
			Delete(&model.IdempotencyKey{})
		if res.Error != nil {
			return n, mapErr(res.Error)
		}
		n += res.RowsAffected
	}
	return n, nil
}
