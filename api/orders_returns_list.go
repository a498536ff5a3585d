package api

// GET /api/v1/returns: after-sales lists, the buyer side's returns or a
// supplier's queue, with the names a client draws.

import (
	"github.com/gin-gonic/gin"

	"shanhai/model"
)

type returnListLineResp struct {
	returnLineResp
	ProductName string `json:"product_name"`
	Spec        string `json:"spec"`
	Unit        string `json:"unit"`
}

type returnListResp struct {
	returnResp
	Supplier supplierRef          `json:"supplier"`
	OrgID    *int64               `json:"org_id"`
	OrgName  string               `json:"org_name"`
	Lines    []returnListLineResp `json:"lines"`
}

func toReturnListItem(v *model.ReturnView) returnListResp {
	out := returnListResp{returnResp: toReturn(&v.Return), Supplier: supplierRef{ID: v.SupplierID, Name: v.SupplierName},
		OrgID: v.OrgID, OrgName: v.OrgName, Lines: make([]returnListLineResp, len(v.LineViews))}
	for i, l := range v.LineViews {
		out.Lines[i] = returnListLineResp{returnLineResp: returnLineResp{LineID: l.LineID, Quantity: l.Quantity,
			AmountCents: l.AmountCents}, ProductName: l.ProductName, Spec: l.Spec, Unit: l.Unit}
	}
	return out
}

// listReturns is GET /returns?status=&page=&page_size=.
func (r *router) listReturns(c *gin.Context) {
	page, size, err := paging(c)
	if err != nil {
		writeError(c, err)
		return
	}
	p, err := r.Orders.ReturnList(c.Request.Context(), caller(c), c.Query("status"), page, size)
	respondList(c, p, err, toReturnListItem)
}
