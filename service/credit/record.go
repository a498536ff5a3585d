package credit

// Off-platform records in the ledger: a verified record writes one entry per
// item, resolved with the mall's rules as of its transaction date (the
// pairing by the buyer's region and the producer's county; where the
// programme requires a certificate, the item's register entry); a revoked
// record writes the reversing entries. A record's entries whose year is
// closed are dated in the current China month and say which year they
// adjust.

import (
	"context"
	"strconv"
	"time"

	"shanhai/model"
)

// Recorded writes the entries of a record verified at now. Call it in the
// verification transaction; rec carries its items.
func (l *Ledger) Recorded(ctx context.Context, rec *model.SalesRecord, now time.Time) ([]*model.Credit, error) {
	org, err := l.store.Org(ctx, rec.OrgID)
	if err != nil {
		return nil, err
	}
	b, err := l.orgBuyer(ctx, org, model.ChannelOffline)
	if err != nil {
		return nil, err
	}
	b.channel, b.kind = model.ChannelOffline, rec.Kind
	r, err := l.resolver(ctx, rec.Date, nil)
	if err != nil {
		return nil, err
	}
	numbers := []string{}
	for _, it := range rec.Items {
		if it.CertificateNo != "" {
			numbers = append(numbers, it.CertificateNo)
		}
	}
	entries, err := l.store.RegisterEntriesByNumber(ctx, numbers)
	if err != nil {
		return nil, err
	}
	reserve, err := l.store.ReservePlatforms(ctx)
	if err != nil {
		return nil, err
	}
	counts := false
	for _, p := range reserve {
		counts = counts || p == rec.Platform
	}
	pointType := ""
	if rec.SalesPointID != nil {
		sp, err := l.store.SalesPoint(ctx, *rec.SalesPointID)
		if err != nil {
			return nil, err
		}
		pointType = sp.Type
	}
	period, date, adjusts, err := l.dating(ctx, rec.Date, now)
	if err != nil {
		return nil, err
	}
	var supplierID int64
	if rec.SupplierID != nil {
		supplierID = *rec.SupplierID
	}
	id := rec.ID
	var out []*model.Credit
	for i := range rec.Items {
		it := &rec.Items[i]
		e := &model.Credit{Source: model.SourceRecord, RecordID: &id, LineID: it.ID, Quantity: it.QuantityMilli,
			AmountCents: it.AmountCents, Period: period, CreditDate: date, AdjustsYear: adjusts,
			SupplierID: supplierID, Platform: rec.Platform, PointType: pointType}
		ln := &model.OrderLine{CategoryCode: it.CategoryCode, OriginCode: rec.ProducerRegion}
		r.attributeWith(e, ln, b, itemCertificate(entries, rec, it))
		// An org's reserved-share progress counts certified purchases on the
		// platforms that count toward it; certified on another platform, the
		// entry is credited to its pairing all the same.
		e.Certified = e.Certified && counts
		out = append(out, e)
	}
	markOrder(out)
	return out, l.add(ctx, out)
}

// RecordRevoked writes the entries that reverse a revoked record's live
// entries, each in its own period unless that period's year is closed (then
// in now's month, adjusting that year).
func (l *Ledger) RecordRevoked(ctx context.Context, recordID int64, now time.Time) ([]*model.Credit, error) {
	all, err := l.store.RecordCredits(ctx, recordID)
	if err != nil {
		return nil, err
	}
	var out []*model.Credit
	for _, e := range live(all) {
		rv := *e
		id := e.ID
		rv.ID, rv.Source, rv.ReversesID, rv.CorrectionID = 0, model.SourceRecordRevoked, &id, nil
		rv.Quantity, rv.AmountCents, rv.Orders = -e.Quantity, -e.AmountCents, -e.Orders
		closed, err := l.store.YearClosed(ctx, e.Period/100)
		if err != nil {
			return nil, err
		}
		if closed {
			rv.Period, rv.CreditDate, rv.AdjustsYear = model.Period(now), model.DateOf(now), e.Period/100
		}
		out = append(out, &rv)
	}
	return out, l.add(ctx, out)
}

// dating is where an entry of a sale on date goes: its own month, or, when
// its year is closed, now's month with adjustsYear naming the closed year.
func (l *Ledger) dating(ctx context.Context, date string, now time.Time) (period int, day string, adjustsYear int, err error) {
	year, _ := strconv.Atoi(date[:4])
	closed, err := l.store.YearClosed(ctx, year)
	if err != nil {
		return 0, "", 0, err
	}
	if closed {
		return model.Period(now), model.DateOf(now), year, nil
	}
	month, _ := strconv.Atoi(date[5:7])
	return year*100 + month, date, 0, nil
}

// itemCertificate is what an item's certificate number says: the register
// entry of this producer (nil, "" when it names none or no entry has that
// number: uncertified), or a mismatch when every entry of that number is
// another producer's.
func itemCertificate(entries []model.RegisterEntry, rec *model.SalesRecord, it *model.RecordItem) certLook {
	if it.CertificateNo == "" {
		return certLook{}
	}
	found := false
	for i := range entries {
		e := &entries[i]
		if e.CertificateNo != it.CertificateNo {
			continue
		}
		found = true
		if sameProducer(e, rec) {
			return certLook{entry: e}
		}
	}
	return certLook{mismatch: found}
}

// sameProducer: the entry's producer is the record's — the same credit code
// when both have one, else the same supplier, else the same name in the same
// county.
func sameProducer(e *model.RegisterEntry, rec *model.SalesRecord) bool {
	switch {
	case e.CreditCode != "" && rec.ProducerCreditCode != "":
		return e.CreditCode == rec.ProducerCreditCode
	case e.SupplierID != nil && rec.SupplierID != nil:
		return *e.SupplierID == *rec.SupplierID
	default:
		return e.ProducerName == rec.ProducerName && e.RegionCode == rec.ProducerRegion
	}
}

// certLook is an item's certificate: a register entry, or a mismatch.
type certLook struct {
	entry    *model.RegisterEntry
	mismatch bool
}
