package api

// Mall accounts over HTTP: SMS codes, sign-up, code login, reset, token
// refresh and logout, the password change, delivery addresses, the org
// directory and an org_admin's own buyers and approvers.

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"shanhai/model"
	"shanhai/service/account"
)

type smsCodeReq struct {
	Phone   string `json:"phone"`
	Purpose string `json:"purpose"`
}

type smsCodeResp struct {
	ExpiresAt string `json:"expires_at"`
}

func (r *router) sendSMSCode(c *gin.Context) {
	var req smsCodeReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	exp, err := r.Accounts.SendCode(c.Request.Context(), req.Phone, req.Purpose, c.ClientIP())
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusAccepted, smsCodeResp{ExpiresAt: rfc3339(exp)})
}

type registerReq struct {
	Phone      string `json:"phone"`
	Code       string `json:"code"`
	Password   string `json:"password"`
	Username   string `json:"username"`
	RegionCode string `json:"region_code"`
}

func (r *router) register(c *gin.Context) {
	var req registerReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	l, err := r.Accounts.Register(c.Request.Context(), account.Registration{Phone: req.Phone, Code: req.Code,
		Password: req.Password, Username: req.Username, RegionCode: req.RegionCode})
	respond(c, http.StatusCreated, l, err, toLogin)
}

type resetReq struct {
	Phone    string `json:"phone"`
	Code     string `json:"code"`
	Password string `json:"password"`
}

func (r *router) resetPassword(c *gin.Context) {
	var req resetReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	if err := r.Accounts.Reset(c.Request.Context(), req.Phone, req.Code, req.Password); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type refreshReq struct {
	RefreshToken string `json:"refresh_token"`
}

type refreshResp struct {
	Token        string `json:"token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresAt    string `json:"expires_at"`
}

func (r *router) refresh(c *gin.Context) {
	var req refreshReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	l, err := r.Accounts.Refresh(c.Request.Context(), req.RefreshToken)
	respond(c, http.StatusOK, l, err, func(l *account.Login) refreshResp {
		return refreshResp{Token: l.Token, RefreshToken: l.RefreshToken, ExpiresAt: rfc3339(l.ExpiresAt)}
	})
}

func (r *router) logout(c *gin.Context) {
	var req refreshReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	if err := r.Accounts.Logout(c.Request.Context(), req.RefreshToken); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type passwordReq struct {
	OldPassword string `json:"old_password"`
	Password    string `json:"password"`
}

type passwordResp struct {
	Token     string `json:"token"`
	ExpiresAt string `json:"expires_at"`
}

func (r *router) changePassword(c *gin.Context) {
	var req passwordReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	bearer := strings.TrimSpace(strings.TrimPrefix(c.GetHeader("Authorization"), "Bearer "))
	l, err := r.Accounts.ChangePassword(c.Request.Context(), caller(c), bearer, req.OldPassword, req.Password)
	respond(c, http.StatusOK, l, err, func(l *account.Login) passwordResp {
		return passwordResp{Token: l.Token, ExpiresAt: rfc3339(l.ExpiresAt)}
	})
}

// --- addresses ---

type addressReq struct {
	ReceiverName *string `json:"receiver_name"`
	Phone        *string `json:"phone"`
	RegionCode   *string `json:"region_code"`
	Detail       *string `json:"detail"`
	Default      *bool   `json:"default"`
}

func (q addressReq) input() account.AddressInput {
	return account.AddressInput{ReceiverName: q.ReceiverName, Phone: q.Phone, RegionCode: q.RegionCode,
		Detail: q.Detail, Default: q.Default}
}

// addressResp is an address as its owner sees it (the phone in full: it is
// theirs).
type addressResp struct {
	ID           int64  `json:"id"`
	ReceiverName string `json:"receiver_name"`
	Phone        string `json:"phone"`
	RegionCode   string `json:"region_code"`
	Detail       string `json:"detail"`
	Default      bool   `json:"default"`
	UpdatedAt    string `json:"updated_at"`
}

func toAddress(a *model.Address) addressResp {
	return addressResp{ID: a.ID, ReceiverName: a.ReceiverName, Phone: a.Phone, RegionCode: a.RegionCode,
		Detail: a.Detail, Default: a.IsDefault(), UpdatedAt: rfc3339(a.UpdatedAt)}
}

// listAddresses answers the caller's addresses as one list page, the
// phones masked (a list); GET .../{id} shows one in full.
func (r *router) listAddresses(c *gin.Context) {
	as, err := r.Accounts.Addresses(c.Request.Context(), caller(c))
	if err != nil {
		writeError(c, err)
		return
	}
	p := model.Page[model.Address]{Items: as, Total: int64(len(as)), Page: 1, PageSize: max(len(as), 1)}
	respondList(c, p, nil, func(a *model.Address) addressResp {
		out := toAddress(a)
		out.Phone = model.MaskPhone(a.Phone)
		return out
	})
}

func (r *router) getAddress(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	a, err := r.Accounts.Address(c.Request.Context(), caller(c), id)
	respond(c, http.StatusOK, a, err, toAddress)
}

func (r *router) createAddress(c *gin.Context) {
	var req addressReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	a, err := r.Accounts.CreateAddress(c.Request.Context(), caller(c), req.input())
	respond(c, http.StatusCreated, a, err, toAddress)
}

func (r *router) updateAddress(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	var req addressReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	a, err := r.Accounts.UpdateAddress(c.Request.Context(), caller(c), id, req.input())
	respond(c, http.StatusOK, a, err, toAddress)
}

func (r *router) deleteAddress(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	if err := r.Accounts.DeleteAddress(c.Request.Context(), caller(c), id); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// --- people ---

// directoryEntry is all the directory tells about an org.
type directoryEntry struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	RegionCode string `json:"region_code"`
}

func (r *router) orgDirectory(c *gin.Context) {
	page, size, err := paging(c)
	if err != nil {
		writeError(c, err)
		return
	}
	p, err := r.Accounts.Directory(c.Request.Context(), model.DirectoryFilter{Q: c.Query("q"), Region: c.Query("region")}, page, size)
	respondList(c, p, err, func(o *model.Org) directoryEntry {
		return directoryEntry{ID: o.ID, Name: o.Name, RegionCode: o.RegionCode}
	})
}

type orgUserReq struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Role     string `json:"role"`
}

func (r *router) createOrgUser(c *gin.Context) {
	orgID, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	var req orgUserReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	u, err := r.Accounts.CreateOrgUser(c.Request.Context(), caller(c), orgID,
		account.OrgUser{Username: req.Username, Password: req.Password, Role: req.Role})
	respond(c, http.StatusCreated, u, err, toUser)
}

type orgUserPatchReq struct {
	Disabled *bool   `json:"disabled"`
	Role     *string `json:"role"`
}

func (r *router) updateOrgUser(c *gin.Context) {
	orgID, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	uid, err := pathID(c, "uid")
	if err != nil {
		writeError(c, err)
		return
	}
	var req orgUserPatchReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	u, err := r.Accounts.UpdateOrgUser(c.Request.Context(), caller(c), orgID, uid,
		account.OrgUserPatch{Disabled: req.Disabled, Role: req.Role})
	respond(c, http.StatusOK, u, err, toUser)
}
