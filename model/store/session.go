package store

// Mall accounts: SMS codes and their send limits, refresh-token families,
// delivery addresses and the org directory. Every limit and every rotation
// is a conditional UPDATE on one row with a RowsAffected check, so it holds
// across replicas and Galera nodes (the conflict surfaces at commit).

import (
	"context"
	"errors"
	"strings"
	"time"

	"shanhai/model"
)

// EnsureQuota makes sure key has its row, outside any transaction: the
// counting (TakeQuota) then only ever updates an existing row, so replicas
// meeting on a new key contend for one row lock, never for the gap where it
// would go (which deadlocks on InnoDB). A racing insert that loses is fine.
func (s *Store) EnsureQuota(ctx context.Context, key string) error {
	var keys []string
	if err := s.conn(ctx).Raw(`SELECT quota_key FROM sms_quotas WHERE quota_key = ?`, key).Scan(&keys).Error; err != nil {
		return mapErr(err)
	}
	if len(keys) > 0 {
		return nil
	}
	never := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	err := mapErr(s.conn(ctx).Exec(`INSERT INTO sms_quotas (quota_key, window_start, sent, last_at) VALUES (?, ?, 0, ?)`,
		key, never, never).Error)
	if errors.Is(err, model.ErrConflict) {
		return nil
	}
	return err
}

// TakeQuota counts one send against q, or answers 429 with the time to wait
// when the window is full or the last send was under q.Interval ago. The
// counting is one UPDATE of the key's row (EnsureQuota made it) whose WHERE
// holds the limit, so it holds across replicas.
func (s *Store) TakeQuota(ctx context.Context, q model.Quota, now time.Time) error {
	now, start := now.UTC(), q.WindowStart.UTC()
	// sent is assigned before window_start: MySQL evaluates SET left to
	// right with the new values, SQLite with the old ones; in this order
	// both read the old window_start.
	sql := `UPDATE sms_quotas SET
			sent = CASE WHEN window_start = ? THEN sent + 1 ELSE 1 END,
			window_start = ?, last_at = ?
		WHERE quota_key = ? AND (window_start <> ? OR sent < ?)`
	args := []any{start, start, now, q.Key, start, q.Max}
	if q.Interval > 0 {
		sql += ` AND last_at <= ?`
		args = append(args, now.Add(-q.Interval))
	}
	res := s.conn(ctx).Exec(sql, args...)
	if res.Error != nil {
		return mapErr(res.Error)
	}
	if res.RowsAffected == 1 {
		return nil
	}
	var rows []struct{ LastAt time.Time }
	if err := s.conn(ctx).Raw(`SELECT last_at FROM sms_quotas WHERE quota_key = ?`, q.Key).Scan(&rows).Error; err != nil {
		return mapErr(err)
	}
	if len(rows) == 1 && q.Interval > 0 {
		if wait := rows[0].LastAt.Add(q.Interval).Sub(now); wait > 0 {
			return model.RateLimited(wait, "a code was sent to this number less than a minute ago")
		}
	}
	return model.RateLimited(time.Hour, "too many codes; try again later")
}

// AddSMSCode records a code sent.
func (s *Store) AddSMSCode(ctx context.Context, c *model.SMSCode) error {
	return mapErr(s.conn(ctx).Create(c).Error)
}

// LatestSMSCode is the newest code sent to phone for purpose, or a 404.
func (s *Store) LatestSMSCode(ctx context.Context, phone, purpose string) (*model.SMSCode, error) {
	var c model.SMSCode
	if err := s.conn(ctx).Where("phone = ? AND purpose = ?", phone, purpose).Order("id DESC").Take(&c).Error; err != nil {
		return nil, notFound(err, "code")
	}
	return &c, nil
}

// ClaimSMSAttempt counts one comparison against a code, before it is made:
// false when the code is used, expired or out of tries.
func (s *Store) ClaimSMSAttempt(ctx context.Context, id int64, tries int, now time.Time) (bool, error) {
	res := s.conn(ctx).Exec(`UPDATE sms_codes SET attempts = attempts + 1
		WHERE id = ? AND attempts < ? AND used_at IS NULL AND expires_at > ?`, id, tries, now.UTC())
	if res.Error != nil {
		return false, mapErr(res.Error)
	}
	return res.RowsAffected == 1, nil
}

// UseSMSCode marks a code used, once: a second use is a 422 invalid_code.
func (s *Store) UseSMSCode(ctx context.Context, id int64, now time.Time) error {
	res := s.conn(ctx).Exec(`UPDATE sms_codes SET used_at = ? WHERE id = ? AND used_at IS NULL AND expires_at > ?`,
		now.UTC(), id, now.UTC())
	if res.Error != nil {
		return mapErr(res.Error)
	}
	if res.RowsAffected == 0 {
		return &model.Error{Kind: model.ErrInvalid, Code: "invalid_code", Message: "the code was already used or has expired",
			Fields: []model.FieldError{{Field: "code", Message: "already used or expired"}}}
	}
	return nil
}

// CreateSessionFamily starts a family at generation 1 with its first token.
func (s *Store) CreateSessionFamily(ctx context.Context, f *model.SessionFamily, tokenHash string) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		f.Generation = 1
		if err := s.conn(ctx).Create(f).Error; err != nil {
			return mapErr(err)
		}
		return mapErr(s.conn(ctx).Create(&model.RefreshToken{TokenHash: tokenHash, FamilyID: f.ID,
			Generation: 1, CreatedAt: f.CreatedAt}).Error)
	})
}

// RefreshToken is the token with this hash, or a 404.
func (s *Store) RefreshToken(ctx context.Context, hash string) (*model.RefreshToken, error) {
	var t model.RefreshToken
	if err := s.conn(ctx).Where("token_hash = ?", hash).Take(&t).Error; err != nil {
		return nil, notFound(err, "refresh token")
	}
	return &t, nil
}

// SessionFamily is one family by id.
func (s *Store) SessionFamily(ctx context.Context, id int64) (*model.SessionFamily, error) {
	var f model.SessionFamily
	if err := s.conn(ctx).Where("id = ?", id).Take(&f).Error; err != nil {
		return nil, notFound(err, "session")
	}
	return &f, nil
}

// RotateSession moves a family from generation from to from+1 and records
// the new token, if the family is still at from, unrevoked and unexpired
// (compare-and-set on the family row): false when it is not.
func (s *Store) RotateSession(ctx context.Context, familyID, from int64, newHash string, now time.Time) (bool, error) {
	ok := false
	err := s.InTx(ctx, func(ctx context.Context) error {
		res := s.conn(ctx).Exec(`UPDATE session_families SET generation = generation + 1, updated_at = ?
			WHERE id = ? AND generation = ? AND revoked_at IS NULL AND expires_at > ?`, now.UTC(), familyID, from, now.UTC())
		if res.Error != nil {
			return mapErr(res.Error)
		}
		if ok = res.RowsAffected == 1; !ok {
			return nil
		}
		return mapErr(s.conn(ctx).Create(&model.RefreshToken{TokenHash: newHash, FamilyID: familyID,
			Generation: from + 1, CreatedAt: now}).Error)
	})
	return ok, err
}

// RevokeSessionFamily ends every token of a family (a revoked family stays revoked).
func (s *Store) RevokeSessionFamily(ctx context.Context, id int64, reason string, now time.Time) error {
	return mapErr(s.conn(ctx).Exec(`UPDATE session_families SET revoked_at = ?, revoke_reason = ?, updated_at = ?
		WHERE id = ? AND revoked_at IS NULL`, now.UTC(), reason, now.UTC(), id).Error)
}

// RevokeUserSessions ends every family of a user but keep (0: none).
func (s *Store) RevokeUserSessions(ctx context.Context, userID, keep int64, reason string, now time.Time) error {
	return mapErr(s.conn(ctx).Exec(`UPDATE session_families SET revoked_at = ?, revoke_reason = ?, updated_at = ?
		WHERE user_id = ? AND id <> ? AND revoked_at IS NULL`, now.UTC(), reason, now.UTC(), userID, keep).Error)
}

// Addresses are a user's addresses, the default first, then newest first.
func (s *Store) Addresses(ctx context.Context, userID int64) ([]model.Address, error) {
	var out []model.Address
	err := s.conn(ctx).Where("user_id = ?", userID).Order("default_mark IS NULL, id DESC").Find(&out).Error
	return out, mapErr(err)
}

// Address is one address of a user; another user's is a 404.
func (s *Store) Address(ctx context.Context, userID, id int64) (*model.Address, error) {
	var a model.Address
	if err := s.conn(ctx).Where("id = ? AND user_id = ?", id, userID).Take(&a).Error; err != nil {
		return nil, notFound(err, "address")
	}
	return &a, nil
}

// CreateAddress inserts an address (DefaultMark as given).
func (s *Store) CreateAddress(ctx context.Context, a *model.Address) error {
	return mapErr(s.conn(ctx).Create(a).Error)
}

// UpdateAddress applies p to a user's address.
func (s *Store) UpdateAddress(ctx context.Context, userID, id int64, p model.AddressPatch) error {
	cols := map[string]any{}
	set(cols, "receiver_name", p.ReceiverName)
	set(cols, "phone", p.Phone)
	set(cols, "region_code", p.RegionCode)
	set(cols, "detail", p.Detail)
	cols["updated_at"] = s.gdb.NowFunc()
	return affected(s.conn(ctx).Model(&model.Address{}).Where("id = ? AND user_id = ?", id, userID).Updates(cols), "address")
}

// SetDefaultAddress makes id the user's one default address: the old
// default loses its mark first, in the same transaction; two of these at
// once cannot leave two defaults (the unique key), the loser retries.
func (s *Store) SetDefaultAddress(ctx context.Context, userID, id int64) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		if err := s.conn(ctx).Exec(`UPDATE addresses SET default_mark = NULL WHERE user_id = ? AND default_mark = 1 AND id <> ?`,
			userID, id).Error; err != nil {
			return mapErr(err)
		}
		return affected(s.conn(ctx).Model(&model.Address{}).Where("id = ? AND user_id = ?", id, userID).
			Update("default_mark", 1), "address")
	})
}

// DeleteAddress removes a user's address.
func (s *Store) DeleteAddress(ctx context.Context, userID, id int64) error {
	return affected(s.conn(ctx).Where("id = ? AND user_id = ?", id, userID).Delete(&model.Address{}), "address")
}

// RegionHasChildren reports whether any region lies directly under code.
func (s *Store) RegionHasChildren(ctx context.Context, code string) (bool, error) {
	var codes []string
	err := s.conn(ctx).Model(&model.Region{}).Where("parent_code = ?", code).Limit(1).Pluck("code", &codes).Error
	return len(codes) > 0, mapErr(err)
}

// OrgDirectory is one page of the orgs that have an active org_admin,
// by name filter and region (the region or inside it), by id.
func (s *Store) OrgDirectory(ctx context.Context, f model.DirectoryFilter, page, size int) (model.Page[model.Org], error) {
	q := s.conn(ctx).Model(&model.Org{}).
		Where("id IN (SELECT org_id FROM users WHERE role = ? AND disabled = 0 AND org_id IS NOT NULL)", model.RoleOrgAdmin)
	if f.Q != "" {
		q = q.Where("name LIKE ? ESCAPE '!'", "%"+likeEscape(f.Q)+"%")
	}
	if f.Region != "" {
		// GB/T 2260: a province's places share its first two digits, a
		// city's its first four.
		prefix := strings.TrimSuffix(strings.TrimSuffix(f.Region, "00"), "00")
		q = q.Where("region_code LIKE ?", prefix+"%")
	}
	return paginate[model.Org](q, "id", page, size)
}

func likeEscape(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}
