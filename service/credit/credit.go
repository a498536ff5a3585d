// Package credit keeps the credit ledger (认定台账): the entries written when
// a buyer accepts goods and when a return is approved, the corrections an
// admin makes through adjustment entries, and the rollup worker that feeds
// the statistics. Nothing in the ledger is ever edited or deleted.
package credit

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"shanhai/model"
	"shanhai/service/audit"
	"shanhai/service/check"
)

// Store is the database.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	AfterCommit(ctx context.Context, f func())
	User(ctx context.Context, id int64) (*model.User, error)
	Org(ctx context.Context, id int64) (*model.Org, error)
	Order(ctx context.Context, id int64) (*model.Order, error)
	Regions(ctx context.Context) ([]model.Region, error)
	RegionCount(ctx context.Context) (int64, error)
	Pairings(ctx context.Context) ([]model.PairingView, error)
	ProgrammeRules(ctx context.Context) ([]model.ProgrammeRule, error)
	SalesPoint(ctx context.Context, id int64) (*model.SalesPoint, error)
	CurrentCertifications(ctx context.Context, productIDs []int64) (map[int64]*model.Certification, error)
	AddCredits(ctx context.Context, entries []*model.Credit) error
	OrderCredits(ctx context.Context, orderID int64) ([]model.Credit, error)
	Credit(ctx context.Context, id int64) (*model.Credit, error)
	CreateCorrection(ctx context.Context, c *model.Correction) error
	AddAudit(ctx context.Context, a *model.Audit) error
	PendingCredits(ctx context.Context, limit int) ([]int64, error)
	RollUp(ctx context.Context, ids []int64) (int, error)
	RebuildRollups(ctx context.Context) (*model.RebuildReport, error)

	// Off-platform records and closed years (record.go).
	RegisterEntriesByNumber(ctx context.Context, numbers []string) ([]model.RegisterEntry, error)
	ReservePlatforms(ctx context.Context) ([]string, error)
	RecordCredits(ctx context.Context, recordID int64) ([]model.Credit, error)
	YearClosed(ctx context.Context, year int) (bool, error)
}

// Notifier hears that the rollups moved (the statistics cache drops what
// it holds). An error is retried on the worker's next pass.
type Notifier interface {
	Moved(ctx context.Context) error
}

// Ledger writes and rolls up credit entries.
type Ledger struct {
	store Store
	moved Notifier // may be nil
	kick  chan struct{}

	mu    sync.Mutex
	dirty bool // a Moved failed and must be said again

	now func() time.Time // dates adjustments of closed years

	regions *regionCache // shared with the ledgers of RecordedMany's batches
}

// regionCache is the region tree and how many regions it was built from.
// Regions are only ever added (geo's CreateRegion: no statement updates or
// deletes one), so every snapshot that counts n regions holds the same n,
// and the tree of n regions is exact for it. Every credited order and
// record needs the tree; the national table is over 3,000 rows, which took
// about 5 ms to read in each crediting transaction (MariaDB, no load),
// where the count takes a fraction of that.
type regionCache struct {
	mu   sync.Mutex
	n    int64
	tree model.RegionTree // nil until read
}

// New returns the ledger.
func New(st Store, moved Notifier) *Ledger {
	return &Ledger{store: st, moved: moved, kick: make(chan struct{}, 1), now: time.Now, regions: &regionCache{}}
}

// regionTree is the region tree as ctx's transaction (or a fresh read)
// sees it: the one kept when it counts as many regions, else read again.
func (l *Ledger) regionTree(ctx context.Context) (model.RegionTree, error) {
	n, err := l.store.RegionCount(ctx)
	if err != nil {
		return nil, err
	}
	c := l.regions
	c.mu.Lock()
	tree := c.tree
	if c.n != n {
		tree = nil
	}
	c.mu.Unlock()
	if tree != nil {
		return tree, nil
	}
	regions, err := l.store.Regions(ctx)
	if err != nil {
		return nil, err
	}
	tree = model.NewRegionTree(regions)
	c.mu.Lock()
	c.n, c.tree = int64(len(regions)), tree
	c.mu.Unlock()
	return tree, nil
}

// SetClock replaces the clock that dates adjustments of closed years (tests).
func (l *Ledger) SetClock(now func() time.Time) { l.now = now }

// redate moves adjustment entries out of closed years: an entry whose
// period lies in a closed year is dated in the current China month instead
// and names the year it adjusts.
func (l *Ledger) redate(ctx context.Context, entries []*model.Credit) error {
	now := l.now()
	for _, e := range entries {
		year := e.Period / 100
		closed, err := l.store.YearClosed(ctx, year)
		if err != nil {
			return err
		}
		if closed {
			e.Period, e.CreditDate, e.AdjustsYear = model.Period(now), model.DateOf(now), year
		}
	}
	return nil
}

// buyer is who a sale counts for.
type buyer struct {
	org     *model.Org // nil: a consumer without a confirmed employer
	chain   string
	region  string
	kind    string
	channel string
}

// buyerOf: an org order counts for its org; a consumer's for the confirmed
// employer (its region), else for the consumer's own region.
func (l *Ledger) buyerOf(ctx context.Context, o *model.Order) (*buyer, error) {
	if o.OrgID != nil {
		org, err := l.store.Org(ctx, *o.OrgID)
		if err != nil {
			return nil, err
		}
		return l.orgBuyer(ctx, org, o.Channel)
	}
	u, err := l.store.User(ctx, o.UserID)
	if err != nil {
		return nil, err
	}
	if emp := u.ConfirmedEmployer(); emp != nil {
		org, err := l.store.Org(ctx, *emp)
		if err == nil {
			return l.orgBuyer(ctx, org, model.ChannelApp)
		}
		if !errors.Is(err, model.ErrNotFound) {
			return nil, err
		}
	}
	b := &buyer{kind: model.CreditDirect, channel: model.ChannelApp}
	if own := u.OwnRegion(); own != nil { // a self-chosen region only once confirmed
		b.region = *own
	}
	return b, nil
}

// orgBuyer is org as the buyer. Consumer purchases (channel app) stay
// direct purchases on the app; an org's own orders take its kind.
func (l *Ledger) orgBuyer(ctx context.Context, org *model.Org, channel string) (*buyer, error) {
	b := &buyer{org: org, region: org.RegionCode, kind: org.CreditKind, channel: channel}
	if channel == model.ChannelApp {
		b.kind = model.CreditDirect
	} else {
		b.channel = org.Kind
	}
	if b.kind == "" {
		b.kind = model.DefaultCreditKind(org.Kind)
	}
	ids := []int64{org.ID}
	for parent := org.ParentID; parent != nil && len(ids) < 8; {
		p, err := l.store.Org(ctx, *parent)
		if errors.Is(err, model.ErrNotFound) {
			break
		}
		if err != nil {
			return nil, err
		}
		ids = append([]int64{p.ID}, ids...)
		parent = p.ParentID
	}
	b.chain = model.OrgChain(ids)
	return b, nil
}

// resolver decides, as of one China date, which pairing a line helps.
type resolver struct {
	date     string
	tree     model.RegionTree
	pairings []model.PairingView
	rules    []model.ProgrammeRule
	certs    map[int64]*model.Certification
}

func (l *Ledger) resolver(ctx context.Context, date string, lines []model.OrderLine) (*resolver, error) {
	tree, err := l.regionTree(ctx)
	if err != nil {
		return nil, err
	}
	pairings, err := l.store.Pairings(ctx)
	if err != nil {
		return nil, err
	}
	rules, err := l.store.ProgrammeRules(ctx)
	if err != nil {
		return nil, err
	}
	certs := map[int64]*model.Certification{}
	if len(lines) > 0 {
		ids := make([]int64, len(lines))
		for i, ln := range lines {
			ids[i] = ln.ProductID
		}
		if certs, err = l.store.CurrentCertifications(ctx, ids); err != nil {
			return nil, err
		}
	}
	return &resolver{date: date, tree: tree, pairings: pairings, rules: rules, certs: certs}, nil
}

// attribute fills e's pairing, reason and certificate flags for a line
// bought by b. The buyer's region comes first (without one no pairing can be
// found); then the pairing, and the certificate when the pairing's
// programme requires one on the credit date (a line that helps no pairing
// names its certificate problem first, if it has one, as it always has).
func (r *resolver) attribute(e *model.Credit, ln *model.OrderLine, b *buyer) {
	cert := r.certs[ln.ProductID]
	revoked := cert != nil && cert.Status == model.CertRevoked &&
		(cert.RevokedAt == nil || model.DateOf(*cert.RevokedAt) <= r.date)
	inWindow := cert != nil && cert.ValidFrom <= r.date && r.date <= cert.ValidTo
	e.Certified = inWindow && !revoked
	certReason := ""
	switch {
	case cert == nil:
		certReason = model.ReasonUncertified
	case revoked:
		certReason = model.ReasonCertRevoked
	case !inWindow:
		certReason = model.ReasonCertExpired
	}
	r.assign(e, ln, b, certReason)
}

// attributeWith is attribute for an off-platform item, whose certificate is
// the register entry its number names (c).
func (r *resolver) attributeWith(e *model.Credit, ln *model.OrderLine, b *buyer, c certLook) {
	en := c.entry
	certReason := ""
	switch {
	case c.mismatch:
		certReason = model.ReasonCertMismatch
	case en == nil:
		certReason = model.ReasonUncertified
	case en.Status == model.CertRevoked && (en.RevokedOn == "" || en.RevokedOn <= r.date):
		certReason = model.ReasonCertRevoked
	case r.date < en.ValidFrom || en.ValidTo < r.date:
		certReason = model.ReasonCertExpired
	}
	e.Certified = certReason == ""
	r.assign(e, ln, b, certReason)
}

// assign resolves the pairing of a line whose certificate problem, if any,
// is certReason.
func (r *resolver) assign(e *model.Credit, ln *model.OrderLine, b *buyer, certReason string) {
	e.PairingID, e.Reason, e.CertificateRequired = nil, "", true
	var p *model.PairingView
	if b.region != "" {
		p = model.CreditPairing(r.pairings, r.tree, b.region, ln.OriginCode)
	}
	if p != nil {
		e.CertificateRequired = model.RequiresCertificate(r.rules, p.Programme, r.date)
	}
	switch {
	case b.region == "":
		e.Reason = model.ReasonNoBuyerRegion
	case certReason != "" && (p == nil || e.CertificateRequired):
		e.Reason = certReason
	case p == nil:
		e.Reason = model.ReasonNoPairing
	default:
		id := p.ID
		e.PairingID = &id
	}
	e.BuyerOrgID, e.OrgChain, e.Sector = nil, b.chain, ""
	if b.org != nil {
		id := b.org.ID
		e.BuyerOrgID, e.Sector = &id, b.org.Sector
	}
	e.BuyerRegion, e.Kind, e.Channel = b.region, b.kind, b.channel
	e.CategoryCode, e.OriginCode = ln.CategoryCode, ln.OriginCode
}

// Accepted writes one entry per received line of an accepted order, at its
// unit price, with the pairing and certificate resolved as of at (China
// date). Call it in the acceptance transaction; lines carry ReceivedQty.
func (l *Ledger) Accepted(ctx context.Context, o *model.Order, at time.Time) error {
	b, err := l.buyerOf(ctx, o)
	if err != nil {
		return err
	}
	r, err := l.resolver(ctx, model.DateOf(at), o.Lines)
	if err != nil {
		return err
	}
	pointType := ""
	if o.SalesPointID != nil {
		sp, err := l.store.SalesPoint(ctx, *o.SalesPointID)
		if err != nil {
			return err
		}
		pointType = sp.Type
	}
	var entries []*model.Credit
	for i := range o.Lines {
		ln := &o.Lines[i]
		if ln.ReceivedQty == nil || *ln.ReceivedQty == 0 {
			continue
		}
		e := &model.Credit{Source: model.SourceAcceptance, OrderID: o.ID, LineID: ln.ID, Quantity: *ln.ReceivedQty,
			AmountCents: *ln.ReceivedQty * ln.UnitPriceCents, Period: model.Period(at), CreditDate: r.date,
			SupplierID: o.SupplierID, Platform: model.PlatformMall, PointType: pointType}
		r.attribute(e, ln, b)
		entries = append(entries, e)
	}
	markOrder(entries)
	return l.add(ctx, entries)
}

// markOrder puts the order's count on its first credited entry, or on its
// first entry when none is credited.
func markOrder(entries []*model.Credit) {
	for _, e := range entries {
		if e.Credited() {
			e.Orders = 1
			return
		}
	}
	if len(entries) > 0 {
		entries[0].Orders = 1
	}
}

// Returned writes a negative entry for each line of an approved return, in
// the period of the approval, counted where the line's sale is counted now.
// A line whose sale a correction has taken out of the ledger has nothing
// left to take back.
func (l *Ledger) Returned(ctx context.Context, o *model.Order, ret *model.Return, at time.Time) error {
	all, err := l.store.OrderCredits(ctx, o.ID)
	if err != nil {
		return err
	}
	sale := map[int64]*model.Credit{} // line → the live entry its sale counts in
	for _, e := range live(all) {
		if e.AmountCents > 0 && e.Source != model.SourceReturn {
			sale[e.LineID] = e
		}
	}
	var entries []*model.Credit
	for _, rl := range ret.Lines {
		s := sale[rl.LineID]
		if s == nil {
			continue
		}
		e := *s
		e.ID, e.Source, e.ReturnID, e.CorrectionID, e.ReversesID, e.Orders = 0, model.SourceReturn, &ret.ID, nil, nil, 0
		e.Quantity, e.AmountCents = -rl.Quantity, -rl.AmountCents
		saleYear := s.Period / 100
		e.Period, e.CreditDate, e.AdjustsYear = model.Period(at), model.DateOf(at), 0
		if saleYear != e.Period/100 {
			closed, err := l.store.YearClosed(ctx, saleYear)
			if err != nil {
				return err
			}
			if closed {
				e.AdjustsYear = saleYear
			}
		}
		entries = append(entries, &e)
	}
	return l.add(ctx, entries)
}

func (l *Ledger) add(ctx context.Context, entries []*model.Credit) error {
	if err := l.store.AddCredits(ctx, entries); err != nil {
		return err
	}
	if len(entries) > 0 {
		l.store.AfterCommit(ctx, l.Kick)
	}
	return nil
}

// live are the entries that still count: neither an adjustment reversing
// another nor reversed by one.
func live(all []model.Credit) []*model.Credit {
	reversed := map[int64]bool{}
	for _, e := range all {
		if e.ReversesID != nil {
			reversed[*e.ReversesID] = true
		}
	}
	var out []*model.Credit
	for i := range all {
		if all[i].ReversesID == nil && !reversed[all[i].ID] {
			out = append(out, &all[i])
		}
	}
	return out
}

// Entries are an order's ledger entries, oldest first (admins).
func (l *Ledger) Entries(ctx context.Context, actor *model.User, orderID int64) ([]model.Credit, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	if _, err := l.store.Order(ctx, orderID); err != nil {
		return nil, err
	}
	return l.store.OrderCredits(ctx, orderID)
}

// CorrectionInput is an admin's correction: move_order (OrderID, OrgID) or
// reverse_entry (CreditID), always with a reason.
type CorrectionInput struct {
	Action   string
	OrderID  int64
	OrgID    int64
	CreditID int64
	Reason   string
}

// Corrected is a correction with the adjustment entries it wrote.
type Corrected struct {
	Correction model.Correction `json:"correction"`
	Entries    []*model.Credit  `json:"entries"`
}

// Correct carries out a correction by adjustment entries, audited:
// move_order reverses every live entry of an order and credits the same
// amounts, in the same periods, to another org, with the pairing resolved
// for that org as of the acceptance date; reverse_entry cancels one entry.
func (l *Ledger) Correct(ctx context.Context, actor *model.User, in CorrectionInput) (*Corrected, error) {
	if err := requireAdmin(actor); err != nil {
		return nil, err
	}
	var f check.Fields
	f.OneOf("action", in.Action, model.CorrectionMoveOrder, model.CorrectionReverseEntry)
	in.Reason = f.Text("reason", in.Reason, 300)
	switch in.Action {
	case model.CorrectionMoveOrder:
		if in.OrderID < 1 {
			f.Add("order_id", "must be an order id")
		}
		if in.OrgID < 1 {
			f.Add("org_id", "must be an org id")
		}
	case model.CorrectionReverseEntry:
		if in.CreditID < 1 {
			f.Add("credit_id", "must be a credit entry id")
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	var out *Corrected
	err := l.store.InTx(ctx, func(ctx context.Context) error {
		var err error
		if in.Action == model.CorrectionMoveOrder {
			out, err = l.moveOrder(ctx, actor, in)
		} else {
			out, err = l.reverseEntry(ctx, actor, in)
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, l.store, actor, "credit."+in.Action, "correction", out.Correction.ID,
			nil, out, in.Reason)
	})
	return out, err
}

func (l *Ledger) moveOrder(ctx context.Context, actor *model.User, in CorrectionInput) (*Corrected, error) {
	o, err := l.store.Order(ctx, in.OrderID)
	if err != nil {
		return nil, err
	}
	org, err := l.store.Org(ctx, in.OrgID)
	if errors.Is(err, model.ErrNotFound) {
		return nil, model.Invalid(model.FieldError{Field: "org_id", Message: "no such org"})
	}
	if err != nil {
		return nil, err
	}
	all, err := l.store.OrderCredits(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	var moving []*model.Credit
	for _, e := range live(all) {
		if e.BuyerOrgID == nil || *e.BuyerOrgID != org.ID {
			moving = append(moving, e)
		}
	}
	if len(moving) == 0 {
		return nil, model.Conflict("nothing_to_correct", "order %d has no entries counted for another org", o.ID)
	}
	b, err := l.orgBuyer(ctx, org, o.Channel)
	if err != nil {
		return nil, err
	}
	date := moving[0].CreditDate
	if o.AcceptedAt != nil {
		date = model.DateOf(*o.AcceptedAt)
	}
	r, err := l.resolver(ctx, date, o.Lines)
	if err != nil {
		return nil, err
	}
	lines := map[int64]*model.OrderLine{}
	for i := range o.Lines {
		lines[o.Lines[i].ID] = &o.Lines[i]
	}
	c := &model.Correction{Action: in.Action, OrderID: o.ID, ToOrgID: &org.ID, Reason: in.Reason, ActorID: &actor.ID}
	if e := moving[0]; e.BuyerOrgID != nil {
		c.FromOrgID = e.BuyerOrgID
	}
	if err := l.store.CreateCorrection(ctx, c); err != nil {
		return nil, err
	}
	var entries []*model.Credit
	for _, e := range moving {
		entries = append(entries, reversal(e, c.ID))
		n := *e
		n.ID, n.Source, n.CorrectionID, n.ReversesID = 0, model.SourceCorrection, &c.ID, nil
		r.attribute(&n, lines[e.LineID], b)
		entries = append(entries, &n)
	}
	if err := l.redate(ctx, entries); err != nil {
		return nil, err
	}
	if err := l.add(ctx, entries); err != nil {
		return nil, err
	}
	return &Corrected{Correction: *c, Entries: entries}, nil
}

func (l *Ledger) reverseEntry(ctx context.Context, actor *model.User, in CorrectionInput) (*Corrected, error) {
	e, err := l.store.Credit(ctx, in.CreditID)
	if err != nil {
		return nil, err
	}
	if e.RecordID != nil {
		return nil, model.Conflict("nothing_to_correct", "entry %d belongs to off-platform record %d: revoke the record instead", e.ID, *e.RecordID)
	}
	all, err := l.store.OrderCredits(ctx, e.OrderID)
	if err != nil {
		return nil, err
	}
	isLive := false
	for _, le := range live(all) {
		isLive = isLive || le.ID == e.ID
	}
	if !isLive {
		return nil, model.Conflict("nothing_to_correct", "entry %d is an adjustment or already reversed", e.ID)
	}
	c := &model.Correction{Action: in.Action, OrderID: e.OrderID, CreditID: &e.ID, FromOrgID: e.BuyerOrgID,
		Reason: in.Reason, ActorID: &actor.ID}
	if err := l.store.CreateCorrection(ctx, c); err != nil {
		return nil, err
	}
	entries := []*model.Credit{reversal(e, c.ID)}
	if err := l.redate(ctx, entries); err != nil {
		return nil, err
	}
	if err := l.add(ctx, entries); err != nil {
		return nil, err
	}
	return &Corrected{Correction: *c, Entries: entries}, nil
}

func requireAdmin(actor *model.User) error {
	if actor == nil || actor.Role != model.RoleAdmin {
		return model.Forbidden("admins only")
	}
	return nil
}

// reversal cancels e exactly: same attribution and period, opposite sign.
func reversal(e *model.Credit, correctionID int64) *model.Credit {
	r := *e
	id := e.ID
	r.ID, r.Source, r.CorrectionID, r.ReversesID = 0, model.SourceCorrection, &correctionID, &id
	r.Quantity, r.AmountCents, r.Orders = -e.Quantity, -e.AmountCents, -e.Orders
	return &r
}

// Kick wakes this process's rollup worker (after an entry commits).
func (l *Ledger) Kick() {
	select {
	case l.kick <- struct{}{}:
	default:
	}
}

// batch is how many entries one rollup transaction takes.
const batch = 500

// Roll adds one batch of pending entries to the rollups; it returns how
// many it counted (0: nothing pending, or another worker took them).
func (l *Ledger) Roll(ctx context.Context) (int, error) {
	ids, err := l.store.PendingCredits(ctx, batch)
	if err != nil || len(ids) == 0 {
		l.notify(ctx, false)
		return 0, err
	}
	n, err := l.store.RollUp(ctx, ids)
	l.notify(ctx, n > 0)
	return n, err
}

// Drain rolls until nothing is pending.
func (l *Ledger) Drain(ctx context.Context) (int, error) {
	total := 0
	for {
		ids, err := l.store.PendingCredits(ctx, batch)
		if err != nil || len(ids) == 0 {
			l.notify(ctx, false)
			return total, err
		}
		n, err := l.store.RollUp(ctx, ids)
		total += n
		l.notify(ctx, n > 0)
		if err != nil {
			return total, err
		}
	}
}

// notify tells the statistics cache the rollups moved; a failure is
// remembered and said again on the next pass.
func (l *Ledger) notify(ctx context.Context, moved bool) {
	if l.moved == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !moved && !l.dirty {
		return
	}
	l.dirty = l.moved.Moved(ctx) != nil
}

// Run feeds the rollups until ctx ends: at once when this process writes
// an entry, and every interval for entries other replicas wrote. Safe in
// every replica at once.
func (l *Ledger) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := l.Drain(ctx); err != nil && ctx.Err() == nil {
			slog.Warn("rollup", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-l.kick:
		}
	}
}

// Rebuild recomputes every rollup from the ledger and corrects any
// difference it finds.
func (l *Ledger) Rebuild(ctx context.Context) (*model.RebuildReport, error) {
	rep, err := l.store.RebuildRollups(ctx)
	if err == nil && rep.Corrected > 0 {
		l.notify(ctx, true)
	}
	return rep, err
}
