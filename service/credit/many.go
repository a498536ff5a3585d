package credit

// Many records verified at once (a bulk import's verification): each
// record's entries resolved exactly as Recorded resolves them, the
// reference reads remembered for the batch, and every entry written with
// one multi-row write.

import (
	"context"
	"time"

	"shanhai/model"
	"shanhai/service/memo"
)

// batchStore is the ledger's store for one batch: its reference reads
// remembered, its entries collected instead of written.
type batchStore struct {
	Store
	entries  []*model.Credit
	orgs     memo.Map[int64, *model.Org]
	points   memo.Map[int64, *model.SalesPoint]
	years    memo.Map[int, bool]
	regions  memo.Map[struct{}, []model.Region]
	nRegions memo.Map[struct{}, int64]
	pairings memo.Map[struct{}, []model.PairingView]
	rules    memo.Map[struct{}, []model.ProgrammeRule]
	reserve  memo.Map[struct{}, []string]
}

func (b *batchStore) AddCredits(_ context.Context, entries []*model.Credit) error {
	b.entries = append(b.entries, entries...)
	return nil
}

func (b *batchStore) AfterCommit(context.Context, func()) {}

func (b *batchStore) Org(ctx context.Context, id int64) (*model.Org, error) {
	return b.orgs.Get(id, func() (*model.Org, error) { return b.Store.Org(ctx, id) })
}

func (b *batchStore) SalesPoint(ctx context.Context, id int64) (*model.SalesPoint, error) {
	return b.points.Get(id, func() (*model.SalesPoint, error) { return b.Store.SalesPoint(ctx, id) })
}

func (b *batchStore) YearClosed(ctx context.Context, year int) (bool, error) {
	return b.years.Get(year, func() (bool, error) { return b.Store.YearClosed(ctx, year) })
}

func (b *batchStore) Regions(ctx context.Context) ([]model.Region, error) {
	return b.regions.Get(struct{}{}, func() ([]model.Region, error) { return b.Store.Regions(ctx) })
}

func (b *batchStore) RegionCount(ctx context.Context) (int64, error) {
	return b.nRegions.Get(struct{}{}, func() (int64, error) { return b.Store.RegionCount(ctx) })
}

func (b *batchStore) Pairings(ctx context.Context) ([]model.PairingView, error) {
	return b.pairings.Get(struct{}{}, func() ([]model.PairingView, error) { return b.Store.Pairings(ctx) })
}

func (b *batchStore) ProgrammeRules(ctx context.Context) ([]model.ProgrammeRule, error) {
	return b.rules.Get(struct{}{}, func() ([]model.ProgrammeRule, error) { return b.Store.ProgrammeRules(ctx) })
}

func (b *batchStore) ReservePlatforms(ctx context.Context) ([]string, error) {
	return b.reserve.Get(struct{}{}, func() ([]string, error) { return b.Store.ReservePlatforms(ctx) })
}

// RecordedMany writes the entries of records verified at now, each
// record's as Recorded writes them, all with one multi-row write (in the
// caller's transaction). Its answer is each record's entries, in order.
func (l *Ledger) RecordedMany(ctx context.Context, recs []*model.SalesRecord, now time.Time) ([][]*model.Credit, error) {
	bs := &batchStore{Store: l.store}
	b := &Ledger{store: bs, now: l.now, regions: l.regions}
	out := make([][]*model.Credit, len(recs))
	for i, rec := range recs {
		es, err := b.Recorded(ctx, rec, now)
		if err != nil {
			return nil, err
		}
		out[i] = es
	}
	return out, l.add(ctx, bs.entries)
}
