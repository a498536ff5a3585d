package account

// Sessions: every login starts a refresh-token family. A refresh token is
// opaque (32 random bytes), stored only as its SHA-256, and used once:
// refreshing rotates it (compare-and-set on the family's generation) and
// presenting one that was already used revokes its whole family at once, no
// grace period: whoever holds a copy — the client or a thief — is cut off,
// and the owner logs in again. Access tokens carry their family (sid), so a
// password change can keep the caller's session and end every other one.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"time"

	"golang.org/x/crypto/bcrypt"

	"shanhai/model"
	"shanhai/service/audit"
	"shanhai/service/check"
)

// sessionStore is what sessions, sign-up and addresses need of the store.
type sessionStore interface {
	UserByPhone(ctx context.Context, phone string) (*model.User, error)
	CreateSessionFamily(ctx context.Context, f *model.SessionFamily, tokenHash string) error
	RefreshToken(ctx context.Context, hash string) (*model.RefreshToken, error)
	SessionFamily(ctx context.Context, id int64) (*model.SessionFamily, error)
	RotateSession(ctx context.Context, familyID, from int64, newHash string, now time.Time) (bool, error)
	RevokeSessionFamily(ctx context.Context, id int64, reason string, now time.Time) error
	RevokeUserSessions(ctx context.Context, userID, keep int64, reason string, now time.Time) error
	EnsureQuota(ctx context.Context, key string) error
	TakeQuota(ctx context.Context, q model.Quota, now time.Time) error
	AddSMSCode(ctx context.Context, c *model.SMSCode) error
	LatestSMSCode(ctx context.Context, phone, purpose string) (*model.SMSCode, error)
	ClaimSMSAttempt(ctx context.Context, id int64, tries int, now time.Time) (bool, error)
	UseSMSCode(ctx context.Context, id int64, now time.Time) error
	Addresses(ctx context.Context, userID int64) ([]model.Address, error)
	Address(ctx context.Context, userID, id int64) (*model.Address, error)
	CreateAddress(ctx context.Context, a *model.Address) error
	UpdateAddress(ctx context.Context, userID, id int64, p model.AddressPatch) error
	SetDefaultAddress(ctx context.Context, userID, id int64) error
	DeleteAddress(ctx context.Context, userID, id int64) error
	RegionHasChildren(ctx context.Context, code string) (bool, error)
	OrgDirectory(ctx context.Context, f model.DirectoryFilter, page, size int) (model.Page[model.Org], error)
}

// newSecret is 32 random bytes, URL-safe base64.
func newSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// tokenHash is what the database keeps of a refresh token.
func tokenHash(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

// startSession opens a new family for u and answers the login.
func (s *Service) startSession(ctx context.Context, u *model.User) (*Login, error) {
	now := s.now()
	refresh := newSecret()
	f := &model.SessionFamily{UserID: u.ID, ExpiresAt: now.Add(s.refreshTTL), CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateSessionFamily(ctx, f, tokenHash(refresh)); err != nil {
		return nil, err
	}
	tok, exp, err := s.issue(u, f.ID)
	if err != nil {
		return nil, err
	}
	return &Login{Token: tok, ExpiresAt: exp, RefreshToken: refresh, User: u}, nil
}

func sessionEnded(code, msg string) error {
	return &model.Error{Kind: model.ErrUnauthorized, Code: code, Message: msg}
}

// Refresh rotates a refresh token: the answer carries a new access token
// and a new refresh token, and the one presented is spent. A spent token
// presented again revokes its family (401 refresh_reused); a revoked,
// expired or unknown one is a 401 too.
func (s *Service) Refresh(ctx context.Context, refresh string) (*Login, error) {
	if refresh == "" {
		return nil, model.Invalid(model.FieldError{Field: "refresh_token", Message: "is required"})
	}
	now := s.now()
	t, err := s.store.RefreshToken(ctx, tokenHash(refresh))
	if errors.Is(err, model.ErrNotFound) {
		return nil, sessionEnded("invalid_refresh_token", "unknown refresh token; log in again")
	}
	if err != nil {
		return nil, err
	}
	f, err := s.store.SessionFamily(ctx, t.FamilyID)
	if err != nil {
		return nil, err
	}
	if err := s.usable(ctx, f, t, now); err != nil {
		return nil, err
	}
	u, err := s.store.User(ctx, f.UserID)
	if errors.Is(err, model.ErrNotFound) || (err == nil && u.Disabled) {
		return nil, sessionEnded("session_revoked", "the account is disabled or gone")
	}
	if err != nil {
		return nil, err
	}
	next := newSecret()
	ok, err := s.store.RotateSession(ctx, f.ID, t.Generation, tokenHash(next), now)
	if err != nil {
		return nil, err
	}
	if !ok {
		// Someone rotated (or revoked, or it expired) between our read and
		// our write: read the family again, outside any snapshot.
		if f, err = s.store.SessionFamily(ctx, t.FamilyID); err != nil {
			return nil, err
		}
		if err := s.usable(ctx, f, t, now); err != nil {
			return nil, err
		}
		return nil, sessionEnded("session_revoked", "the session ended; log in again")
	}
	tok, exp, err := s.issue(u, f.ID)
	if err != nil {
		return nil, err
	}
	return &Login{Token: tok, ExpiresAt: exp, RefreshToken: next, User: u}, nil
}

// usable: the family is live and t is its current token. A token of an
// older generation is a replay: the family is revoked, now.
func (s *Service) usable(ctx context.Context, f *model.SessionFamily, t *model.RefreshToken, now time.Time) error {
	switch {
	case f.RevokedAt != nil:
		return sessionEnded("session_revoked", "the session was ended; log in again")
	case !now.Before(f.ExpiresAt):
		return sessionEnded("session_expired", "the session expired; log in again")
	case f.Generation != t.Generation:
		if err := s.store.RevokeSessionFamily(ctx, f.ID, model.RevokeReused, now); err != nil {
			return err
		}
		return sessionEnded("refresh_reused", "this refresh token was already used: every token of its session is revoked; log in again")
	}
	return nil
}

// Logout revokes the family of a refresh token.
func (s *Service) Logout(ctx context.Context, refresh string) error {
	if refresh == "" {
		return model.Invalid(model.FieldError{Field: "refresh_token", Message: "is required"})
	}
	t, err := s.store.RefreshToken(ctx, tokenHash(refresh))
	if errors.Is(err, model.ErrNotFound) {
		return sessionEnded("invalid_refresh_token", "unknown refresh token")
	}
	if err != nil {
		return err
	}
	return s.store.RevokeSessionFamily(ctx, t.FamilyID, model.RevokeLogout, s.now())
}

// ChangePassword sets the caller's new password, the old one required, and
// ends every other session: the other families are revoked and the token
// version moves (every access token issued before stops working). The
// caller's own session goes on: the answer is a fresh access token for it,
// and its refresh token stays good.
func (s *Service) ChangePassword(ctx context.Context, actor *model.User, bearer, old, password string) (*Login, error) {
	var f check.Fields
	if old == "" {
		f.Add("old_password", "must not be empty")
	}
	checkPassword(&f, "password", password)
	if err := f.Err(); err != nil {
		return nil, err
	}
	_, _, session, err := s.verify(bearer)
	if err != nil {
		return nil, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.hashCost)
	if err != nil {
		return nil, err
	}
	var out *model.User
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		before, err := s.store.User(ctx, actor.ID)
		if err != nil {
			return err
		}
		if len(old) > maxPassword || s.compare([]byte(before.PasswordHash), []byte(old)) != nil {
			return model.Invalid(model.FieldError{Field: "old_password", Message: "is wrong"})
		}
		h := string(hash)
		if err := s.store.UpdateUser(ctx, actor.ID, model.UserPatch{PasswordHash: &h, BumpToken: true}); err != nil {
			return err
		}
		if err := s.store.RevokeUserSessions(ctx, actor.ID, session, model.RevokePassword, s.now()); err != nil {
			return err
		}
		if out, err = s.store.User(ctx, actor.ID); err != nil {
			return err
		}
		return audit.Record(ctx, s.store, actor, "user.password", "user", actor.ID, nil, nil, "")
	})
	if err != nil {
		return nil, err
	}
	tok, exp, err := s.issue(out, session)
	if err != nil {
		return nil, err
	}
	return &Login{Token: tok, ExpiresAt: exp, User: out}, nil
}
