// Package account is who is calling: login, tokens and users (an admin's
// user management included). Tokens are HS256 JWTs pinned to one algorithm,
// issuer and audience; each carries the user's token version, so disabling a
// user or changing their role or password invalidates every token issued
// before: at once on the replica that made the change, within the user
// cache's life (model/cache.Users, 2 s) on the others.
package account

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"

	"shanhai/model"
	"shanhai/service/audit"
	"shanhai/service/check"
)

const (
	issuer      = "shanhai"
	audience    = "shanhai-api"
	tokenLeeway = 30 * time.Second // clock skew allowed on a token's times
	loginWindow = 15 * time.Minute
)

// Store is what accounts need. User and UpdateUser may be the user cache
// over the store (model/cache.Users): User then answers from a copy at most
// a few seconds old outside a transaction, and UpdateUser drops the copy
// once the change commits.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	CreateUser(ctx context.Context, u *model.User) error
	User(ctx context.Context, id int64) (*model.User, error)
	UserByUsername(ctx context.Context, username string) (*model.User, error)
	Users(ctx context.Context, f model.UserFilter, page, size int) (model.Page[model.User], error)
	UpdateUser(ctx context.Context, id int64, p model.UserPatch) error
	AdminExists(ctx context.Context) (bool, error)
	Org(ctx context.Context, id int64) (*model.Org, error)
	Supplier(ctx context.Context, id int64) (*model.Supplier, error)
	Region(ctx context.Context, code string) (*model.Region, error)
	AddAudit(ctx context.Context, a *model.Audit) error
	sessionStore
}

// Service manages accounts and authentication.
type Service struct {
	store      Store
	secret     []byte
	counter    Counter
	loginLimit int // failed logins per username per window; 10× per client address; 0 = off
	now        func() time.Time
	hashCost   int
	dummyHash  []byte                            // compared against for an unknown username: hashCost's cost
	compare    func(hash, password []byte) error // bcrypt; a test counts the calls
	tokens     verified                          // tokens whose signature and claims checked out (tokens.go)
	accessTTL  time.Duration                     // an access token's life
	refreshTTL time.Duration                     // a refresh-token family's life
	sms        Provider                          // nil: the SMS routes answer 503
}

// New returns the account service. counter may be nil (in-process counting).
func New(st Store, jwtSecret string, counter Counter, loginLimit int) *Service {
	if counter == nil {
		counter = NewMemory()
	}
	return &Service{store: st, secret: []byte(jwtSecret), counter: counter, loginLimit: loginLimit,
		now: time.Now, hashCost: bcrypt.DefaultCost, dummyHash: dummyHash, compare: bcrypt.CompareHashAndPassword,
		accessTTL: 15 * time.Minute, refreshTTL: 720 * time.Hour}
}

// SetSessions sets the lives of access tokens and refresh-token families
// (SHANHAI_ACCESS_TTL, SHANHAI_REFRESH_TTL).
func (s *Service) SetSessions(access, refresh time.Duration) {
	s.accessTTL, s.refreshTTL = access, refresh
}

// SetSMS sets the provider of SMS codes; nil (the default) means none.
func (s *Service) SetSMS(p Provider) { s.sms = p }

// SetClock replaces the service's clock; tests use it to pass code and
// session lifetimes.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// SetHashCost lowers the bcrypt cost; tests use it to stay fast. The hash
// an unknown username is compared against takes the same cost, so it still
// costs what a real comparison does.
func (s *Service) SetHashCost(cost int) {
	s.hashCost = cost
	s.dummyHash, _ = bcrypt.GenerateFromPassword([]byte(dummyPassword), cost)
}

// Login is the result of a successful login: an access token, its expiry,
// and the refresh token of the new session family.
type Login struct {
	Token        string
	ExpiresAt    time.Time
	RefreshToken string
	User         *model.User
}

// Login checks a username and password. The username is compared in its
// normalised form (model.NormalizeUsername) only when it was typed in its
// plain form: a fullwidth or compatibility spelling of an account's name
// counts against that account's limit but never logs in.
//
// Failed attempts are counted per username and per client address. Past the
// per-username limit the answer is 429 with the time left in the window,
// even for the right password. Past the per-address limit, failures answer
// 429 but the right password of an account that is not itself limited still
// logs in: one guesser behind an office's NAT does not lock the office out.
//
// Every attempt that gets as far as a password check costs exactly one
// bcrypt comparison — unknown, disabled and look-alike usernames and
// passwords past bcrypt's 72 bytes alike — so timing tells none of them apart.
func (s *Service) Login(ctx context.Context, username, password, clientIP string) (*Login, error) {
	var f check.Fields
	username = f.Text("username", username, model.UsernameMax)
	if password == "" {
		f.Add("password", "must not be empty")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	name := model.NormalizeUsername(username)
	userKey := "login:user:" + name
	ipKey := "login:ip:" + clientIP
	var ipLimited bool
	var ipRetry time.Duration
	if s.loginLimit > 0 {
		if n, ttl, err := s.counter.Count(ctx, userKey); err == nil && n >= int64(s.loginLimit) {
			return nil, model.RateLimited(ttl, "too many failed logins; try again later")
		}
		if n, ttl, err := s.counter.Count(ctx, ipKey); err == nil && n >= int64(s.loginLimit)*10 {
			ipLimited, ipRetry = true, ttl
		}
	}
	var u *model.User
	if name == strings.ToLower(username) {
		var err error
		if u, err = s.store.UserByUsername(ctx, name); err != nil && !errors.Is(err, model.ErrNotFound) {
			return nil, err
		}
	}
	hash := s.dummyHash
	if u != nil && u.PasswordHash != noPassword {
		hash = []byte(u.PasswordHash)
	}
	// an account signed up without a password costs the same comparison
	// and never matches
	match := s.compare(hash, []byte(password)) == nil && (u == nil || u.PasswordHash != noPassword)
	// bcrypt reads only the first 72 bytes: a longer password would log in
	// by its prefix. None can be set (creation and changes refuse them).
	if u == nil || u.Disabled || !match || len(password) > maxPassword {
		if s.loginLimit > 0 {
			s.counter.Incr(ctx, userKey, loginWindow)
			s.counter.Incr(ctx, ipKey, loginWindow)
		}
		if ipLimited {
			return nil, model.RateLimited(ipRetry, "too many failed logins; try again later")
		}
		return nil, model.Unauthorized("wrong username or password")
	}
	return s.startSession(ctx, u)
}

// dummyHash is compared against when there is no account to check, so that
// spends the time a real comparison does (Service.dummyHash: this one, or
// one at the cost SetHashCost set).
const dummyPassword = "shanhai-dummy-password"

var dummyHash, _ = bcrypt.GenerateFromPassword([]byte(dummyPassword), bcrypt.DefaultCost)

// maxPassword is bcrypt's limit: it ignores every byte past the 72nd.
const maxPassword = 72

type claims struct {
	Version int64 `json:"ver"`
	Session int64 `json:"sid,omitempty"` // the refresh-token family the token was issued in
	jwt.RegisteredClaims
}

func (s *Service) issue(u *model.User, session int64) (string, time.Time, error) {
	now := s.now()
	exp := now.Add(s.accessTTL)
	c := claims{Version: u.TokenVersion, Session: session, RegisteredClaims: jwt.RegisteredClaims{
		Issuer: issuer, Audience: jwt.ClaimStrings{audience}, Subject: strconv.FormatInt(u.ID, 10),
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp),
	}}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.secret)
	return tok, exp, err
}

// Authenticate turns a bearer token into its user. Anything wrong — bad
// signature, another algorithm, expired, wrong issuer or audience, a
// disabled user, an outdated token version — is a 401. The user may come
// from the user cache (model/cache.Users): a change made through another
// replica takes effect here within its life (2 s).
func (s *Service) Authenticate(ctx context.Context, token string) (*model.User, error) {
	id, version, _, err := s.verify(token)
	if err != nil {
		return nil, err
	}
	u, err := s.store.User(ctx, id)
	if err == nil && u.TokenVersion < version {
		// The token is newer than the user read: only a cached copy from
		// before a change made through another replica can be. Read the row
		// itself: a read inside a transaction never comes from a cache.
		err = s.store.InTx(ctx, func(ctx context.Context) error {
			var err error
			u, err = s.store.User(ctx, id)
			return err
		})
	}
	if errors.Is(err, model.ErrNotFound) {
		return nil, model.Unauthorized("the account no longer exists")
	}
	if err != nil {
		return nil, err
	}
	if u.Disabled || u.TokenVersion != version {
		return nil, model.Unauthorized("the token is no longer valid; log in again")
	}
	return u, nil
}

// verify checks a token's signature and claims and returns its subject,
// token version and session family. A token that checked out is remembered until it expires
// (tokens.go), so a client's next request skips the HMAC and JSON work; the
// version is still compared with the user's on every request.
func (s *Service) verify(token string) (int64, int64, int64, error) {
	now := s.now()
	if t, ok := s.tokens.get(token, now); ok {
		return t.id, t.version, t.session, nil
	}
	var c claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return s.secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(issuer), jwt.WithAudience(audience),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithLeeway(tokenLeeway),
		jwt.WithTimeFunc(s.now))
	if err != nil {
		return 0, 0, 0, model.Unauthorized("invalid or expired token")
	}
	id, err := strconv.ParseInt(c.Subject, 10, 64)
	if err != nil {
		return 0, 0, 0, model.Unauthorized("invalid token subject")
	}
	// good from when it was issued (or is not valid before), until it
	// expires (required above), each with the leeway the check allows
	var from time.Time
	for _, at := range []*jwt.NumericDate{c.IssuedAt, c.NotBefore} {
		if at != nil && at.After(from) {
			from = at.Time
		}
	}
	s.tokens.put(token, verifiedToken{id: id, version: c.Version, session: c.Session,
		from: from.Add(-tokenLeeway), until: c.ExpiresAt.Add(tokenLeeway)}, now)
	return id, c.Version, c.Session, nil
}

// NewUser is an account an admin creates.
type NewUser struct {
	Username, Password, Role string
	OrgID, SupplierID        *int64
	RegionCode               *string
}

// CreateUser creates an account (admin only, audited).
func (s *Service) CreateUser(ctx context.Context, actor *model.User, in NewUser) (*model.User, error) {
	if err := check.Admin(actor); err != nil {
		return nil, err
	}
	return s.create(ctx, actor, in)
}

// Provision creates an account on the operator's own authority (the
// `shanhai user add` command), audited with no actor.
func (s *Service) Provision(ctx context.Context, in NewUser) (*model.User, error) {
	return s.create(ctx, nil, in)
}

func (s *Service) create(ctx context.Context, actor *model.User, in NewUser) (*model.User, error) {
	var f check.Fields
	u := &model.User{Username: strings.TrimSpace(in.Username), Role: in.Role}
	if problem := model.UsernameProblem(u.Username); problem != "" {
		f.Add("username", problem)
	}
	checkPassword(&f, "password", in.Password)
	f.OneOf("role", in.Role, model.Roles...)
	if err := s.checkTies(ctx, &f, in.Role, in.OrgID, in.SupplierID, in.RegionCode); err != nil {
		return nil, err
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(in.Password), s.hashCost)
	if err != nil {
		return nil, err
	}
	u.PasswordHash, u.OrgID, u.SupplierID, u.RegionCode = string(hash), in.OrgID, in.SupplierID, in.RegionCode
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateUser(ctx, u); err != nil {
			if errors.Is(err, model.ErrConflict) {
				return model.Invalid(model.FieldError{Field: "username", Message: "is taken"})
			}
			return err
		}
		return audit.Record(ctx, s.store, actor, "user.create", "user", u.ID, nil, u, "")
	})
	return u, err
}

// checkPassword: 8 to 72 bytes. bcrypt ignores every byte past the 72nd, so
// a longer password is refused rather than silently cut.
func checkPassword(f *check.Fields, field, p string) bool {
	switch {
	case len(p) < 8:
		f.Add(field, "must be at least 8 bytes")
	case len(p) > maxPassword:
		f.Add(field, "must be at most 72 bytes (UTF-8): longer passwords are not accepted")
	default:
		return true
	}
	return false
}

// checkTies checks what a role must be tied to: org roles to an org, a
// supplier user to a supplier, an officer to a region scope; a consumer may
// name their own region. Ties a role does not take are refused.
func (s *Service) checkTies(ctx context.Context, f *check.Fields, role string, orgID, supplierID *int64, region *string) error {
	needOrg, needSupplier, needRegion := model.OrgRole(role), role == model.RoleSupplier, role == model.RoleOfficer
	mayRegion := needRegion || role == model.RoleConsumer
	switch {
	case needOrg && orgID == nil:
		f.Add("org_id", "is required for role "+role)
	case !needOrg && orgID != nil:
		f.Add("org_id", "is not taken by role "+role)
	case orgID != nil:
		if _, err := s.store.Org(ctx, *orgID); errors.Is(err, model.ErrNotFound) {
			f.Add("org_id", "no such org")
		} else if err != nil {
			return err
		}
	}
	switch {
	case needSupplier && supplierID == nil:
		f.Add("supplier_id", "is required for role supplier")
	case !needSupplier && supplierID != nil:
		f.Add("supplier_id", "is not taken by role "+role)
	case supplierID != nil:
		if _, err := s.store.Supplier(ctx, *supplierID); errors.Is(err, model.ErrNotFound) {
			f.Add("supplier_id", "no such supplier")
		} else if err != nil {
			return err
		}
	}
	switch {
	case needRegion && region == nil:
		f.Add("region_code", "is required for role officer")
	case !mayRegion && region != nil:
		f.Add("region_code", "is not taken by role "+role)
	case region != nil:
		if _, err := s.store.Region(ctx, *region); errors.Is(err, model.ErrNotFound) {
			f.Add("region_code", "no such region")
		} else if err != nil {
			return err
		}
	}
	return nil
}

// Users lists accounts (admin only).
func (s *Service) Users(ctx context.Context, actor *model.User, filter model.UserFilter, page, size int) (model.Page[model.User], error) {
	if err := check.Admin(actor); err != nil {
		return model.Page[model.User]{}, err
	}
	return s.store.Users(ctx, filter, page, size)
}

// UserPatch is an admin's edit of an account; nil fields stay.
type UserPatch struct {
	Role     *string
	Disabled *bool
	Password *string
	// RegionConfirmed: the admin vouches for a consumer's own region, which
	// then counts for crediting (only true is taken).
	RegionConfirmed *bool
}

// UpdateUser edits a user's role, disabled flag or password (admin only,
// audited). Any of these moves the token version: old tokens stop working.
func (s *Service) UpdateUser(ctx context.Context, actor *model.User, id int64, in UserPatch) (*model.User, error) {
	if err := check.Admin(actor); err != nil {
		return nil, err
	}
	var out *model.User
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		before, err := s.store.User(ctx, id)
		if err != nil {
			return err
		}
		var f check.Fields
		var p model.UserPatch
		if in.Role != nil {
			f.OneOf("role", *in.Role, model.Roles...)
			// the ties must still fit the new role
			if err := s.checkTies(ctx, &f, *in.Role, before.OrgID, before.SupplierID, before.RegionCode); err != nil {
				return err
			}
			p.Role = in.Role
		}
		if in.Disabled != nil {
			if *in.Disabled && before.ID == actor.ID {
				f.Add("disabled", "an admin cannot disable their own account")
			}
			p.Disabled = in.Disabled
		}
		// demoting or disabling an active admin must leave another one
		// (decided by the store, in SQL, against concurrent changes)
		stillAdmin := (in.Role == nil || *in.Role == model.RoleAdmin) && (in.Disabled == nil || !*in.Disabled)
		p.KeepAdmin = before.Role == model.RoleAdmin && !before.Disabled && !stillAdmin
		if in.Password != nil {
			if checkPassword(&f, "password", *in.Password) {
				hash, err := bcrypt.GenerateFromPassword([]byte(*in.Password), s.hashCost)
				if err != nil {
					return err
				}
				h := string(hash)
				p.PasswordHash = &h
			}
		}
		if in.RegionConfirmed != nil {
			switch {
			case !*in.RegionConfirmed:
				f.Add("region_confirmed", "only true is taken: a confirmation is not withdrawn")
			case before.Role != model.RoleConsumer || before.RegionCode == nil:
				f.Add("region_confirmed", "only a consumer's own region is confirmed")
			default:
				p.RegionConfirmed = true
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		if in.Role == nil && in.Disabled == nil && in.Password == nil && in.RegionConfirmed == nil {
			return model.Invalid(model.FieldError{Field: "body", Message: "nothing to change: give role, disabled, password or region_confirmed"})
		}
		p.BumpToken = in.Role != nil || in.Disabled != nil || in.Password != nil
		if err := s.store.UpdateUser(ctx, id, p); err != nil {
			return err
		}
		if in.Password != nil || (in.Disabled != nil && *in.Disabled) {
			// a new password or a disabled account ends every session
			if err := s.store.RevokeUserSessions(ctx, id, 0, model.RevokePassword, s.now()); err != nil {
				return err
			}
		}
		if out, err = s.store.User(ctx, id); err != nil {
			return err
		}
		return audit.Record(ctx, s.store, actor, "user.update", "user", id, before, out, "")
	})
	return out, err
}

// Bootstrap creates the admin username:password when no admin exists yet;
// it reports whether it did.
func (s *Service) Bootstrap(ctx context.Context, username, password string) (bool, error) {
	exists, err := s.store.AdminExists(ctx)
	if err != nil || exists {
		return false, err
	}
	_, err = s.create(ctx, nil, NewUser{Username: username, Password: password, Role: model.RoleAdmin})
	if errors.Is(err, model.ErrInvalid) {
		// a replica starting at the same moment made it first
		if exists, err2 := s.store.AdminExists(ctx); err2 == nil && exists {
			return false, nil
		}
	}
	return err == nil, err
}
