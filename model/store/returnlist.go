package store

// After-sales lists: returns with their order's names and their lines'
// products, for the buyer side and for the supplier's queue.

import (
	"context"
	"strings"

	"shanhai/model"
)

// ReturnList is one page of returns matching f, newest first.
func (s *Store) ReturnList(ctx context.Context, f model.ReturnFilter, page, size int) (model.Page[model.ReturnView], error) {
	out := model.Page[model.ReturnView]{Items: []model.ReturnView{}, Page: page, PageSize: size}
	var where []string
	var args []any
	if f.UserID != 0 {
		where, args = append(where, "o.user_id = ? AND o.org_id IS NULL"), append(args, f.UserID)
	}
	if f.OrgID != 0 {
		where, args = append(where, "o.org_id = ?"), append(args, f.OrgID)
	}
	if f.SupplierID != 0 {
		where, args = append(where, "o.supplier_id = ?"), append(args, f.SupplierID)
	}
	if f.Status != "" {
		where, args = append(where, "r.status = ?"), append(args, f.Status)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	from := " FROM returns r JOIN orders o ON o.id = r.order_id" + cond
	db := s.conn(ctx)
	if err := db.Raw("SELECT COUNT(*)"+from, args...).Scan(&out.Total).Error; err != nil {
		return out, mapErr(err)
	}
	if out.Total == 0 || int64((page-1)*size) >= out.Total {
		return out, nil
	}
	var rows []struct {
		model.Return
		SupplierID   int64
		SupplierName string
		OrgID        *int64
		OrgName      string
	}
	err := db.Raw("SELECT r.*, o.supplier_id, o.supplier_name, o.org_id, o.org_name"+from+
		" ORDER BY r.id DESC LIMIT ? OFFSET ?", append(args, size, (page-1)*size)...).Scan(&rows).Error
	if err != nil {
		return out, mapErr(err)
	}
	ids := make([]int64, len(rows))
	at := map[int64]int{}
	for i, r := range rows {
		ids[i], at[r.ID] = r.ID, i
		out.Items = append(out.Items, model.ReturnView{Return: r.Return, SupplierID: r.SupplierID,
			SupplierName: r.SupplierName, OrgID: r.OrgID, OrgName: r.OrgName, LineViews: []model.ReturnLineView{}})
	}
	var lines []model.ReturnLineView
	if err := db.Raw(`SELECT rl.*, ol.product_name, ol.spec, ol.unit FROM return_lines rl
		JOIN order_lines ol ON ol.id = rl.line_id WHERE rl.return_id IN ? ORDER BY rl.return_id, rl.line_id`, ids).
		Scan(&lines).Error; err != nil {
		return out, mapErr(err)
	}
	for _, l := range lines {
		v := &out.Items[at[l.ReturnID]]
		v.LineViews = append(v.LineViews, l)
	}
	return out, nil
}
