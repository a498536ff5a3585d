package account

// Sign-up, login and password reset by mobile number and SMS code. A code
// is six digits, valid five minutes, compared at most five times (each
// comparison is claimed in the database before it is made), used once, and
// kept only as an HMAC. Sending is limited to one a minute and ten a day per
// number and twenty an hour per client address, counted in database rows
// (store.TakeQuota) so the limits hold across replicas.

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"shanhai/model"
	"shanhai/service/audit"
	"shanhai/service/check"
)

// SendCode sends a code for purpose to phone and answers when it expires.
func (s *Service) SendCode(ctx context.Context, phone, purpose, clientIP string) (time.Time, error) {
	if s.sms == nil {
		return time.Time{}, smsUnavailable()
	}
	var f check.Fields
	checkPhone(&f, "phone", phone)
	f.OneOf("purpose", purpose, model.PurposeRegister, model.PurposeLogin, model.PurposeReset)
	if err := f.Err(); err != nil {
		return time.Time{}, err
	}
	now := s.now()
	code := newCode()
	c := &model.SMSCode{Phone: phone, Purpose: purpose, CodeHash: s.codeHash(phone, purpose, code),
		ExpiresAt: now.Add(model.SMSCodeTTL), CreatedAt: now}
	byAddr := model.Quota{Key: "ip:" + clientIP, WindowStart: now.Truncate(time.Hour), Max: model.SMSPerAddrHour}
	byNumber := model.Quota{Key: "phone:" + phone, WindowStart: model.DayStart(now), Max: model.SMSPerNumberDay,
		Interval: model.SMSInterval}
	for _, q := range []model.Quota{byAddr, byNumber} {
		if err := s.store.EnsureQuota(ctx, q.Key); err != nil {
			return time.Time{}, err
		}
	}
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		// the address first (every request locks its rows in this order): a
		// number's count is not spent by a refused address
		if err := s.store.TakeQuota(ctx, byAddr, now); err != nil {
			return err
		}
		if err := s.store.TakeQuota(ctx, byNumber, now); err != nil {
			return err
		}
		return s.store.AddSMSCode(ctx, c)
	})
	if err != nil {
		return time.Time{}, err
	}
	if err := s.sms.Send(ctx, SMS{Phone: phone, Code: code, Purpose: purpose, ExpiresAt: c.ExpiresAt}); err != nil {
		slog.WarnContext(ctx, "sms not sent", "phone", model.MaskPhone(phone), "purpose", purpose, "err", err.Error())
		return time.Time{}, &model.Error{Kind: model.ErrUnavailable, Code: "sms_failed",
			Message: "the code could not be sent; try again shortly"}
	}
	return c.ExpiresAt, nil
}

func smsUnavailable() error {
	return &model.Error{Kind: model.ErrUnavailable, Code: "sms_unavailable",
		Message: "sign-up by SMS is not configured on this server"}
}

// newCode is six uniformly random digits.
func newCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("%06d", n.Int64())
}

// codeHash keys the code's HMAC with the server's secret: a copy of the
// table alone does not give the codes back.
func (s *Service) codeHash(phone, purpose, code string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("sms\x00" + purpose + "\x00" + phone + "\x00" + code))
	return hex.EncodeToString(m.Sum(nil))
}

func checkPhone(f *check.Fields, field, phone string) {
	if !model.MobileNumber(phone) {
		f.Add(field, "must be a mainland mobile number: 11 digits starting 13 to 19")
	}
}

func checkCodeFormat(f *check.Fields, code string) {
	if len(code) != model.SMSCodeDigits || strings.Trim(code, "0123456789") != "" {
		f.Add("code", "must be the 6 digits sent by SMS")
	}
}

func invalidCode(msg string) error {
	return &model.Error{Kind: model.ErrInvalid, Code: "invalid_code", Message: msg,
		Fields: []model.FieldError{{Field: "code", Message: msg}}}
}

// checkCode compares code with the newest code sent to phone for purpose,
// spending one of its tries first (outside any transaction, so a failed
// request still counts). The caller marks it used (store.UseSMSCode) in the
// transaction that acts on it.
func (s *Service) checkCode(ctx context.Context, phone, purpose, code string) (*model.SMSCode, error) {
	c, err := s.store.LatestSMSCode(ctx, phone, purpose)
	if errors.Is(err, model.ErrNotFound) {
		return nil, invalidCode("no code was sent to this number for this purpose")
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	ok, err := s.store.ClaimSMSAttempt(ctx, c.ID, model.SMSCodeTries, now)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, invalidCode("the code was used, has expired or has had too many tries; ask for a new one")
	}
	if !hmac.Equal([]byte(c.CodeHash), []byte(s.codeHash(phone, purpose, code))) {
		return nil, invalidCode("wrong code")
	}
	return c, nil
}

// Registration is a consumer's sign-up.
type Registration struct {
	Phone, Code, Password, Username, RegionCode string
}

// Register creates a consumer from a confirmed mobile number and logs them
// in. Their region is their own choice (RegionSelfChosen) until an org_admin
// or admin confirms it. The username is theirs or generated, never the number.
func (s *Service) Register(ctx context.Context, in Registration) (*Login, error) {
	if s.sms == nil {
		return nil, smsUnavailable()
	}
	var f check.Fields
	checkPhone(&f, "phone", in.Phone)
	checkCodeFormat(&f, in.Code)
	if in.Password != "" {
		checkPassword(&f, "password", in.Password)
	}
	username := strings.TrimSpace(in.Username)
	if username != "" {
		if problem := model.UsernameProblem(username); problem != "" {
			f.Add("username", problem)
		} else if in.Phone != "" && strings.Contains(strings.Map(digitsOnly, username), in.Phone) {
			f.Add("username", "must not contain the phone number")
		}
	} else {
		username = generatedUsername()
	}
	region := in.RegionCode
	if region == "" {
		f.Add("region_code", "is required")
	} else if _, err := s.store.Region(ctx, region); errors.Is(err, model.ErrNotFound) {
		f.Add("region_code", "no such region")
	} else if err != nil {
		return nil, err
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	if _, err := s.store.UserByPhone(ctx, in.Phone); err == nil {
		return nil, phoneTaken()
	} else if !errors.Is(err, model.ErrNotFound) {
		return nil, err
	}
	code, err := s.checkCode(ctx, in.Phone, model.PurposeRegister, in.Code)
	if err != nil {
		return nil, err
	}
	hash := noPassword
	if in.Password != "" {
		b, err := bcrypt.GenerateFromPassword([]byte(in.Password), s.hashCost)
		if err != nil {
			return nil, err
		}
		hash = string(b)
	}
	phone := in.Phone
	u := &model.User{Username: username, PasswordHash: hash, Role: model.RoleConsumer, Phone: &phone,
		RegionCode: &region, RegionSelfChosen: true}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.UseSMSCode(ctx, code.ID, s.now()); err != nil {
			return err
		}
		if err := s.store.CreateUser(ctx, u); err != nil {
			return err
		}
		return audit.Record(ctx, s.store, u, "user.register", "user", u.ID, nil, u, "")
	})
	if errors.Is(err, model.ErrConflict) {
		if _, err2 := s.store.UserByPhone(ctx, in.Phone); err2 == nil {
			return nil, phoneTaken()
		}
		return nil, model.Invalid(model.FieldError{Field: "username", Message: "is taken"})
	}
	if err != nil {
		return nil, err
	}
	return s.startSession(ctx, u)
}

// noPassword is the hash of an account signed up without a password: no
// password matches it (bcrypt refuses it), so only a code logs it in.
const noPassword = "!"

func phoneTaken() error {
	return &model.Error{Kind: model.ErrConflict, Code: "phone_taken",
		Message: "this number already has an account: log in or reset the password",
		Fields:  []model.FieldError{{Field: "phone", Message: "already registered"}}}
}

func digitsOnly(r rune) rune {
	if r >= '0' && r <= '9' {
		return r
	}
	return -1
}

// generatedUsername is "u_" and ten random letters and digits: nothing of
// the phone number.
func generatedUsername() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return "u_" + string(b)
}

// LoginByCode logs in the account of a mobile number with a login code.
func (s *Service) LoginByCode(ctx context.Context, phone, code string) (*Login, error) {
	if s.sms == nil {
		return nil, smsUnavailable()
	}
	var f check.Fields
	checkPhone(&f, "phone", phone)
	checkCodeFormat(&f, code)
	if err := f.Err(); err != nil {
		return nil, err
	}
	c, err := s.checkCode(ctx, phone, model.PurposeLogin, code)
	if err != nil {
		return nil, err
	}
	u, err := s.store.UserByPhone(ctx, phone)
	if errors.Is(err, model.ErrNotFound) || (err == nil && u.Disabled) {
		return nil, model.Unauthorized("no active account has this number")
	}
	if err != nil {
		return nil, err
	}
	if err := s.store.UseSMSCode(ctx, c.ID, s.now()); err != nil {
		return nil, err
	}
	return s.startSession(ctx, u)
}

// Reset sets a new password from a reset code and ends every session of
// the account.
func (s *Service) Reset(ctx context.Context, phone, code, password string) error {
	if s.sms == nil {
		return smsUnavailable()
	}
	var f check.Fields
	checkPhone(&f, "phone", phone)
	checkCodeFormat(&f, code)
	checkPassword(&f, "password", password)
	if err := f.Err(); err != nil {
		return err
	}
	c, err := s.checkCode(ctx, phone, model.PurposeReset, code)
	if err != nil {
		return err
	}
	u, err := s.store.UserByPhone(ctx, phone)
	if errors.Is(err, model.ErrNotFound) {
		return model.Invalid(model.FieldError{Field: "phone", Message: "no account has this number"})
	}
	if err != nil {
		return err
	}
	b, err := bcrypt.GenerateFromPassword([]byte(password), s.hashCost)
	if err != nil {
		return err
	}
	hash := string(b)
	return s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.UseSMSCode(ctx, c.ID, s.now()); err != nil {
			return err
		}
		if err := s.store.UpdateUser(ctx, u.ID, model.UserPatch{PasswordHash: &hash, BumpToken: true}); err != nil {
			return err
		}
		if err := s.store.RevokeUserSessions(ctx, u.ID, 0, model.RevokePassword, s.now()); err != nil {
			return err
		}
		return audit.Record(ctx, s.store, u, "user.password_reset", "user", u.ID, nil, nil, "")
	})
}
