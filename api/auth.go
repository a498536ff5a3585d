package api

import (
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"shanhai/model"
	"shanhai/service/account"
)

const userKey = "shanhai.user"

// authenticate requires a valid bearer token and puts its user in the context.
func (r *router) authenticate(c *gin.Context) {
	h := c.GetHeader("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || strings.TrimSpace(tok) == "" {
		c.Header("WWW-Authenticate", `Bearer realm="shanhai"`)
		writeError(c, model.Unauthorized("a bearer token is required"))
		return
	}
	u, err := r.Accounts.Authenticate(c.Request.Context(), strings.TrimSpace(tok))
	if err != nil {
		c.Header("WWW-Authenticate", `Bearer realm="shanhai", error="invalid_token"`)
		writeError(c, err)
		return
	}
	c.Set(userKey, u)
	r.pinReads(c, u.ID)
	c.Next()
}

// caller is the authenticated user of the request.
func caller(c *gin.Context) *model.User {
	u, _ := c.Get(userKey)
	return u.(*model.User)
}

// bind decodes a JSON body into a request type; malformed JSON, unknown,
// case-variant and duplicate keys and wrong types are a 400 naming the problem.
func bind(c *gin.Context, into any) error {
	data, err := io.ReadAll(c.Request.Body) // bounded by MaxBody
	if err != nil {
		return decodeError(err)
	}
	return decodeStrict(data, into)
}

// bindOptional is bind for a body the client may leave out: an empty body
// keeps into's zero value.
func bindOptional(c *gin.Context, into any) error {
	if c.Request.ContentLength == 0 {
		return nil
	}
	return bind(c, into)
}

// loginReq: a username and password, or a mobile number and a login code.
type loginReq struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Phone    string `json:"phone"`
	Code     string `json:"code"`
}

type userRef struct {
	ID         int64  `json:"id"`
	Username   string `json:"username"`
	Role       string `json:"role"`
	OrgID      *int64 `json:"org_id"`
	SupplierID *int64 `json:"supplier_id"`
}

type loginResp struct {
	Token        string  `json:"token"`
	RefreshToken string  `json:"refresh_token"`
	ExpiresAt    string  `json:"expires_at"`
	User         userRef `json:"user"`
}

func (r *router) login(c *gin.Context) {
	var req loginReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	var l *account.Login
	var err error
	if req.Phone != "" || req.Code != "" {
		if req.Username != "" || req.Password != "" {
			writeError(c, model.Invalid(model.FieldError{Field: "body", Message: "give username and password, or phone and code"}))
			return
		}
		l, err = r.Accounts.LoginByCode(c.Request.Context(), req.Phone, req.Code)
	} else {
		l, err = r.Accounts.Login(c.Request.Context(), req.Username, req.Password, c.ClientIP())
	}
	respond(c, http.StatusOK, l, err, toLogin)
}

func toLogin(l *account.Login) loginResp {
	return loginResp{Token: l.Token, RefreshToken: l.RefreshToken, ExpiresAt: rfc3339(l.ExpiresAt), User: toUserRef(l.User)}
}

func toUserRef(u *model.User) userRef {
	return userRef{ID: u.ID, Username: u.Username, Role: u.Role, OrgID: u.OrgID, SupplierID: u.SupplierID}
}

// userResp is a user as the user themself and admins see it.
type userResp struct {
	ID         int64   `json:"id"`
	Username   string  `json:"username"`
	Role       string  `json:"role"`
	OrgID      *int64  `json:"org_id"`
	SupplierID *int64  `json:"supplier_id"`
	RegionCode *string `json:"region_code"`
	// RegionConfirmed: the region counts for crediting (false while a
	// self-registered consumer's own choice is unconfirmed).
	RegionConfirmed bool    `json:"region_confirmed"`
	Phone           *string `json:"phone"` // masked: 138****5678
	EmployerID      *int64  `json:"employer_id"`
	EmployerStatus  string  `json:"employer_status"`
	Disabled        bool    `json:"disabled"`
	CreatedAt       string  `json:"created_at"`
}

func toUser(u *model.User) userResp {
	return userResp{ID: u.ID, Username: u.Username, Role: u.Role, OrgID: u.OrgID, SupplierID: u.SupplierID,
		RegionCode: u.RegionCode, RegionConfirmed: !u.RegionSelfChosen, Phone: maskedPhone(u.Phone),
		EmployerID: u.EmployerID, EmployerStatus: u.EmployerStatus,
		Disabled: u.Disabled, CreatedAt: rfc3339(u.CreatedAt)}
}

func maskedPhone(p *string) *string {
	if p == nil {
		return nil
	}
	m := model.MaskPhone(*p)
	return &m
}

func (r *router) me(c *gin.Context) {
	c.JSON(http.StatusOK, toUser(caller(c)))
}

type employerReq struct {
	OrgID int64 `json:"org_id"`
}

func (r *router) requestEmployer(c *gin.Context) {
	var req employerReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	u, err := r.Orgs.RequestEmployer(c.Request.Context(), caller(c), req.OrgID)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, toUser(u))
}

// rfc3339 formats a time in China time, e.g. 2026-11-29T08:00:00+08:00.
func rfc3339(t time.Time) string { return t.In(model.China).Format(time.RFC3339) }
