package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"shanhai/model"
	"shanhai/service/credit"
)

// creditResp is one ledger entry as admins see it.
type creditResp struct {
	ID           int64   `json:"id"`
	Source       string  `json:"source"`
	OrderID      int64   `json:"order_id"`
	LineID       int64   `json:"line_id"`
	ReturnID     *int64  `json:"return_id"`
	CorrectionID *int64  `json:"correction_id"`
	ReversesID   *int64  `json:"reverses_id"`
	Quantity     int64   `json:"quantity"`
	AmountCents  int64   `json:"amount_cents"`
	PairingID    *int64  `json:"pairing_id"`
	Reason       *string `json:"reason"` // null when credited
	Certified    bool    `json:"certified"`
	BuyerOrgID   *int64  `json:"buyer_org_id"`
	BuyerRegion  string  `json:"buyer_region"`
	Kind         string  `json:"kind"`
	Channel      string  `json:"channel"`
	CategoryCode string  `json:"category_code"`
	OriginCode   string  `json:"origin_code"`
	Period       int     `json:"period"`
	CreditDate   string  `json:"credit_date"`
	Orders       int     `json:"orders"`
	CreatedAt    string  `json:"created_at"`
}

func toCredit(e *model.Credit) creditResp {
	out := creditResp{ID: e.ID, Source: e.Source, OrderID: e.OrderID, LineID: e.LineID, ReturnID: e.ReturnID,
		CorrectionID: e.CorrectionID, ReversesID: e.ReversesID, Quantity: e.Quantity, AmountCents: e.AmountCents,
		PairingID: e.PairingID, Certified: e.Certified, BuyerOrgID: e.BuyerOrgID, BuyerRegion: e.BuyerRegion,
		Kind: e.Kind, Channel: e.Channel, CategoryCode: e.CategoryCode, OriginCode: e.OriginCode,
		Period: e.Period, CreditDate: e.CreditDate, Orders: e.Orders, CreatedAt: rfc3339(e.CreatedAt)}
	if e.Reason != "" {
		out.Reason = &e.Reason
	}
	return out
}

// orderCredits lists an order's ledger entries (admins).
func (r *router) orderCredits(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	entries, err := r.Ledger.Entries(c.Request.Context(), caller(c), id)
	if err != nil {
		writeError(c, err)
		return
	}
	respondPage(c, convertAll(entries, toCredit))
}

type correctionReq struct {
	Action   string `json:"action"`
	OrderID  int64  `json:"order_id"`
	OrgID    int64  `json:"org_id"`
	CreditID int64  `json:"credit_id"`
	Reason   string `json:"reason"`
}

type correctionResp struct {
	ID        int64        `json:"id"`
	Action    string       `json:"action"`
	OrderID   int64        `json:"order_id"`
	CreditID  *int64       `json:"credit_id"`
	FromOrgID *int64       `json:"from_org_id"`
	ToOrgID   *int64       `json:"to_org_id"`
	Reason    string       `json:"reason"`
	CreatedAt string       `json:"created_at"`
	Entries   []creditResp `json:"entries"`
}

// correct moves an order's credit to another org or reverses an entry.
func (r *router) correct(c *gin.Context) {
	var req correctionReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	done, err := r.Ledger.Correct(c.Request.Context(), caller(c), credit.CorrectionInput(req))
	respond(c, http.StatusCreated, done, err, func(d *credit.Corrected) correctionResp {
		k := d.Correction
		out := correctionResp{ID: k.ID, Action: k.Action, OrderID: k.OrderID, CreditID: k.CreditID,
			FromOrgID: k.FromOrgID, ToOrgID: k.ToOrgID, Reason: k.Reason, CreatedAt: rfc3339(k.CreatedAt),
			Entries: make([]creditResp, len(d.Entries))}
		for i, e := range d.Entries {
			out.Entries[i] = toCredit(e)
		}
		return out
	})
}
