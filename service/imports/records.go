package imports

// Records: one row is one item; the rows sharing org and invoice are one
// record, created submitted with its invoice claimed.

import (
	"context"
	"errors"
	"strings"

	"shanhai/model"
	"shanhai/service/claim"
	"shanhai/service/record"
)

// kindNames and platformNames are the Chinese a cell may use for a code.
var kindNames = map[string]string{"直接采购": model.CreditDirect, "帮助销售": model.CreditAssisted, "协助销售": model.CreditAssisted}
var platformNames = map[string]string{"832平台": model.Platform832, "政采云": model.PlatformZCY, "线下": model.PlatformOffline, "其他": model.PlatformOther}

// recordHeader are the cells every row of one record must agree on.
var recordHeader = []string{"kind", "platform", "date", "sales_point_id", "supplier_id", "producer_name",
	"producer_credit_code", "producer_region", "invoice_date", "note"}

// fieldColumn maps a record's field names (as its 422 names them) to columns.
var fieldColumn = map[string]string{"kind": "kind", "platform": "platform", "date": "date", "sales_point_id": "sales_point_id",
	"note": "note", "producer.supplier_id": "supplier_id", "producer.name": "producer_name",
	"producer.credit_code": "producer_credit_code", "producer.region_code": "producer_region",
	"invoice.issuer_credit_code": "invoice_issuer", "invoice.code": "invoice_code", "invoice.number": "invoice_number",
	"invoice.date": "invoice_date", "product_name": "product_name", "category": "category", "quantity": "quantity",
	"unit": "unit", "amount_cents": "amount", "certificate_no": "certificate_no"}

// recordInput reads g's rows into a record's input; problems are the cells
// that cannot be read or are required and empty, by row.
func recordInput(j *model.ImportJob, g *group) (int64, record.Input, map[int][]model.RowProblem) {
	var probs map[int][]model.RowProblem // made at the first problem
	add := func(row int, col, msg string) {
		if probs == nil {
			probs = map[int][]model.RowProblem{}
		}
		probs[row] = append(probs[row], model.RowProblem{Column: col, Message: msg})
	}
	var in record.Input
	orgID := *j.OrgID
	// The first row's cells are kept (the others must agree with them);
	// the others are read into one map in turn.
	var first, next map[string]string
	for i, r := range g.rows {
		var v map[string]string
		if i == 0 {
			v = cellsOf(r)
		} else {
			if next == nil {
				next = make(map[string]string, 16)
			}
			v = decodeCellsInto(next, r.Cells)
		}
		if o := v["org_id"]; o != "" {
			if n, ok := atoi64(o); !ok || n != orgID {
				add(r.RowNo, "org_id", "must be empty or your own org's id "+itoa(int(orgID)))
			}
		}
		for _, key := range []string{"date", "invoice_date"} {
			if v[key] == "" {
				continue
			}
			if d, ok := cellDate(v[key]); ok {
				v[key] = d
			} else {
				add(r.RowNo, key, "must be a date such as 2026-03-01")
			}
		}
		if k, ok := kindNames[v["kind"]]; ok {
			v["kind"] = k
		}
		if p, ok := platformNames[v["platform"]]; ok {
			v["platform"] = p
		}
		if i == 0 {
			first = v
			in.Kind, in.Platform, in.Date, in.Note = v["kind"], v["platform"], v["date"], v["note"]
			if sp := v["sales_point_id"]; sp != "" {
				if n, ok := atoi64(sp); ok {
					in.SalesPointID = n
				} else {
					add(r.RowNo, "sales_point_id", "must be a sales point id")
				}
			}
			if sup := v["supplier_id"]; sup != "" {
				if n, ok := atoi64(sup); ok {
					in.Producer.SupplierID = n
				} else {
					add(r.RowNo, "supplier_id", "must be a supplier id")
				}
			}
			in.Producer.Name, in.Producer.CreditCode, in.Producer.Region = v["producer_name"], v["producer_credit_code"], v["producer_region"]
			in.Invoice = record.InvoiceInput{Number: v["invoice_number"], Code: v["invoice_code"], Date: v["invoice_date"],
				IssuerCreditCode: v["invoice_issuer"]}
		} else {
			for _, key := range recordHeader {
				if v[key] != first[key] {
					add(r.RowNo, key, "differs from row "+itoa(g.rows[0].RowNo)+" of the same invoice")
				}
			}
		}
		item := record.ItemInput{ProductName: v["product_name"], Category: v["category"], Quantity: cellQuantity(v["quantity"]),
			Unit: v["unit"], CertificateNo: v["certificate_no"]}
		if a := v["amount"]; a == "" {
			add(r.RowNo, "amount", "is required")
		} else if c, ok := cellCents(a); ok {
			item.AmountCents = c
		} else {
			add(r.RowNo, "amount", "must be an amount in yuan above zero with at most two decimal places")
		}
		in.Items = append(in.Items, item)
		for _, c := range recordColumns {
			if c.required && v[c.key] == "" && !hasProblem(probs[r.RowNo], c.key) {
				add(r.RowNo, c.key, "is required")
			}
		}
	}
	return orgID, in, probs
}

// checkProblems spreads a record's 422 over its rows: an item's field on its
// row, the record's fields on every row.
func checkProblems(g *group, err error) (map[int][]model.RowProblem, []model.RowProblem, bool) {
	var me *model.Error
	if !errors.As(err, &me) || !errors.Is(err, model.ErrInvalid) {
		if errors.As(err, &me) && (errors.Is(err, model.ErrForbidden) || errors.Is(err, model.ErrNotFound)) {
			return nil, []model.RowProblem{{Message: me.Message}}, true
		}
		return nil, nil, false
	}
	probs := map[int][]model.RowProblem{}
	var common []model.RowProblem
	for _, f := range me.Fields {
		if strings.HasPrefix(f.Field, "items[") {
			idx, rest, _ := strings.Cut(strings.TrimPrefix(f.Field, "items["), "].")
			n, ok := atoi64(idx)
			if idx == "0" {
				n, ok = 0, true
			}
			if ok && int(n) < len(g.rows) {
				row := g.rows[n].RowNo
				probs[row] = append(probs[row], model.RowProblem{Column: fieldColumn[rest], Message: f.Message})
				continue
			}
		}
		common = append(common, model.RowProblem{Column: fieldColumn[f.Field], Message: f.Message})
	}
	if len(common) > 0 {
		for _, r := range g.rows {
			probs[r.RowNo] = append(probs[r.RowNo], common...)
		}
	}
	return probs, blocked(), true
}

// blocked is what a row without a problem of its own says when another row
// of its record has one.
func blocked() []model.RowProblem {
	return []model.RowProblem{{Message: "another row of this record has errors; the record is not imported"}}
}

// existing says whether the invoice of r is counted already: duplicate when
// by a record of the same org with the same items, conflict otherwise.
func (s *Service) existing(ctx context.Context, r *model.SalesRecord) (string, string, error) {
	held, err := claim.Holder(ctx, s.store, claim.Identity{Issuer: r.InvoiceIssuer, Code: r.InvoiceCode, Number: r.InvoiceNumber})
	if errors.Is(err, model.ErrNotFound) {
		return model.RowOK, "", nil
	}
	if err != nil {
		return "", "", err
	}
	if held.HolderKind != model.ClaimRecord {
		return model.RowConflict, "the invoice is already counted by a mall invoice", nil
	}
	old, err := s.store.Record(ctx, held.HolderID)
	if err != nil {
		return "", "", err
	}
	if sameRecord(old, r) {
		return model.RowDuplicate, "already imported as record " + itoa(int(old.ID)), nil
	}
	return model.RowConflict, "the invoice is already counted by record " + itoa(int(old.ID)) + " with other data", nil
}

func sameRecord(a, b *model.SalesRecord) bool {
	if a.OrgID != b.OrgID || a.Kind != b.Kind || a.Platform != b.Platform || a.Date != b.Date ||
		a.ProducerRegion != b.ProducerRegion || a.TotalCents != b.TotalCents || len(a.Items) != len(b.Items) {
		return false
	}
	for i := range a.Items {
		x, y := a.Items[i], b.Items[i]
		if x.ProductName != y.ProductName || x.CategoryCode != y.CategoryCode || x.QuantityMilli != y.QuantityMilli ||
			x.Unit != y.Unit || x.AmountCents != y.AmountCents || x.CertificateNo != y.CertificateNo {
			return false
		}
	}
	return true
}

// validateRecords checks records' rows (reading only) and says their
// outcome: their cells, then their records as creating them would check
// them (the reference reads shared by the batch), then their invoices'
// claims (read at once), then how verifying them would credit each item.
func (s *Service) validateRecords(ctx context.Context, j *model.ImportJob, owner *model.User, gs []*group) ([]rowOutcome, error) {
	var out []rowOutcome
	var todo []*group
	var ins []record.Input
	for _, g := range gs {
		_, in, probs := recordInput(j, g)
		if len(probs) > 0 {
			out = append(out, outcomes(g, model.RowError, probs, blocked())...)
			continue
		}
		todo, ins = append(todo, g), append(ins, in)
	}
	if len(todo) == 0 {
		return out, nil
	}
	recs, errs, err := s.records.CheckMany(ctx, owner, *j.OrgID, ins)
	if err != nil {
		return nil, err
	}
	var idents [][3]string
	for i, r := range recs {
		if errs[i] == nil {
			idents = append(idents, [3]string{r.InvoiceIssuer, r.InvoiceCode, r.InvoiceNumber})
		}
	}
	held, err := s.store.InvoiceClaimsOf(ctx, idents)
	if err != nil {
		return nil, err
	}
	claimed := map[[3]string]bool{}
	for _, c := range held {
		claimed[[3]string{c.IssuerCode, c.InvoiceCode, c.Number}] = true
	}
	var okRecs []*model.SalesRecord
	var okOuts [][]rowOutcome
	for i, g := range todo {
		if errs[i] != nil {
			probs, common, ok := checkProblems(g, errs[i])
			if !ok {
				return nil, errs[i]
			}
			out = append(out, outcomes(g, model.RowError, probs, common)...)
			continue
		}
		status, msg := model.RowOK, ""
		if claimed[[3]string{recs[i].InvoiceIssuer, recs[i].InvoiceCode, recs[i].InvoiceNumber}] {
			if status, msg, err = s.existing(ctx, recs[i]); err != nil {
				return nil, err
			}
		}
		var common []model.RowProblem
		if msg != "" {
			common = []model.RowProblem{{Column: "invoice_number", Message: msg}}
		}
		o := outcomes(g, status, nil, common)
		if status == model.RowOK && s.preview != nil {
			okRecs, okOuts = append(okRecs, recs[i]), append(okOuts, o)
			continue
		}
		out = append(out, o...)
	}
	if len(okRecs) > 0 {
		// How verifying them would credit each item (written nowhere).
		credits, err := s.preview.RecordedMany(ctx, okRecs, s.now())
		if err != nil {
			return nil, err
		}
		for k, o := range okOuts {
			for i := range o {
				if i < len(credits[k]) {
					o[i].reason = credits[k][i].Reason
					if credits[k][i].PairingID != nil {
						o[i].pairing = *credits[k][i].PairingID
					}
				}
			}
			out = append(out, o...)
		}
	}
	return out, nil
}

func hasProblem(p []model.RowProblem, col string) bool {
	for _, x := range p {
		if x.Column == col {
			return true
		}
	}
	return false
}

// recordFailed records why a validated record could not be written: its
// invoice counted since validation (duplicate or conflict), or its data no
// longer acceptable (error).
func (s *Service) recordFailed(ctx context.Context, j *model.ImportJob, owner *model.User, g *group, err error) error {
	outs, err := s.failedOutcome(ctx, j, owner, g, err)
	if err != nil {
		return err
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error { return s.apply(ctx, g.rows[0].JobID, model.RowOK, outs) })
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

// failedOutcome is the outcome of g's rows when writing its record failed
// with err: duplicate or conflict when its invoice is counted already,
// error (with the problems) when its data is no longer acceptable; err
// itself when it is no answer (a database failure).
func (s *Service) failedOutcome(ctx context.Context, j *model.ImportJob, owner *model.User, g *group, err error) ([]rowOutcome, error) {
	orgID, in, _ := recordInput(j, g)
	var me *model.Error
	if errors.As(err, &me) && me.Code == "duplicate_invoice" {
		rec, cerr := s.records.Check(ctx, owner, orgID, in)
		if cerr != nil {
			return nil, cerr
		}
		status, msg, cerr := s.existing(ctx, rec)
		if cerr != nil {
			return nil, cerr
		}
		if status == model.RowOK {
			return nil, err
		}
		return outcomes(g, status, nil, []model.RowProblem{{Column: "invoice_number", Message: msg}}), nil
	}
	probs, common, ok := checkProblems(g, err)
	if !ok {
		return nil, err
	}
	return outcomes(g, model.RowError, probs, common), nil
}
