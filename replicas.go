package main

import (
	"context"
	"log/slog"

	"shanhai/api"
	"shanhai/model"
	"shanhai/model/cache"
	"shanhai/model/store"
)

// readReplicas is store.Reads as the router sees it. With Redis, who wrote
// lately is also recorded there, so every process pins a writer to the
// primary, not only the one that took the write.
type readReplicas struct {
	*store.Reads
	writers *cache.Writers // nil without Redis
}

func (r readReplicas) ForUser(ctx context.Context, id int64) context.Context {
	ctx = r.Reads.ForUser(ctx, id)
	if store.Pinned(ctx) || r.writers == nil {
		return ctx
	}
	// Redis not answering: the primary, as nobody can tell whether they wrote.
	if recent, err := r.writers.Recent(ctx, id); recent || err != nil {
		return store.Primary(ctx)
	}
	return ctx
}

func (r readReplicas) Wrote(ctx context.Context, id int64) {
	r.Reads.Wrote(id)
	if r.writers != nil {
		if err := r.writers.Wrote(ctx, id, r.PinWindow()); err != nil {
			slog.Warn("read replicas: the write is not recorded in redis", "user_id", id, "err", err.Error())
		}
	}
}

func (r readReplicas) Lags() []api.ReplicaLag {
	var out []api.ReplicaLag
	for _, s := range r.States() {
		out = append(out, api.ReplicaLag{Name: s.Name, Seconds: s.Lag.Seconds(), InUse: s.InUse})
	}
	return out
}

// statsReads is the store of the statistics service: the rollup sums and the
// reference lists it reports are read from a replica when one is healthy;
// the region and org that decide a caller's scope, the issued bulletins
// (they decide whether a month may be issued) and every write go to the
// primary.
type statsReads struct {
	*store.Store
	reads *store.Reads
}

func (s statsReads) PairingSums(ctx context.Context, periods []int, ids []int64, f *model.AreaFilter) ([]model.PairingSum, error) {
	return s.reads.For(ctx).PairingSums(ctx, periods, ids, f)
}

func (s statsReads) AreaSums(ctx context.Context, periods []int, ids []int64, f *model.AreaFilter) ([]model.AreaSum, error) {
	return s.reads.For(ctx).AreaSums(ctx, periods, ids, f)
}

func (s statsReads) SaleSums(ctx context.Context, facet string, periods []int, ids []int64, f *model.AreaFilter) ([]model.SaleSum, error) {
	return s.reads.For(ctx).SaleSums(ctx, facet, periods, ids, f)
}

func (s statsReads) SupplierNames(ctx context.Context, ids []int64) (map[int64]string, error) {
	return s.reads.For(ctx).SupplierNames(ctx, ids)
}

func (s statsReads) Categories(ctx context.Context) ([]model.Category, error) {
	return s.reads.For(ctx).Categories(ctx)
}

func (s statsReads) OrgPairingSums(ctx context.Context, orgID int64, periods []int) ([]model.RollupOrgPairing, error) {
	return s.reads.For(ctx).OrgPairingSums(ctx, orgID, periods)
}

func (s statsReads) PairingPlatformSums(ctx context.Context, periods []int, f *model.AreaFilter) ([]model.PlatformSum, error) {
	return s.reads.For(ctx).PairingPlatformSums(ctx, periods, f)
}

func (s statsReads) YearTargets(ctx context.Context, year int) ([]model.Target, error) {
	return s.reads.For(ctx).YearTargets(ctx, year)
}

func (s statsReads) Targets(ctx context.Context, years []int) ([]model.Target, error) {
	return s.reads.For(ctx).Targets(ctx, years)
}

func (s statsReads) SaleFacetSums(ctx context.Context, facets []string, periods []int, ids []int64, f *model.AreaFilter) ([]model.SaleFacetSum, error) {
	return s.reads.For(ctx).SaleFacetSums(ctx, facets, periods, ids, f)
}

func (s statsReads) FacetSums(ctx context.Context, facets []string, periods []int, ids []int64) (map[string][]model.SaleSum, error) {
	return s.reads.For(ctx).FacetSums(ctx, facets, periods, ids)
}

func (s statsReads) OrgFamilyFigures(ctx context.Context, period, year int, parentID int64) (*model.OrgFigures, []model.OrgFigures, error) {
	return s.reads.For(ctx).OrgFamilyFigures(ctx, period, year, parentID)
}

func (s statsReads) AllOrgFigures(ctx context.Context, period, year int) ([]model.OrgFigures, error) {
	return s.reads.For(ctx).AllOrgFigures(ctx, period, year)
}

func (s statsReads) OrgFiguresOf(ctx context.Context, period, year int, ids []int64) ([]model.OrgFigures, error) {
	return s.reads.For(ctx).OrgFiguresOf(ctx, period, year, ids)
}

func (s statsReads) OrgRankKeys(ctx context.Context, period, year int) ([]model.OrgRankKey, error) {
	return s.reads.For(ctx).OrgRankKeys(ctx, period, year)
}

func (s statsReads) EveryOrgRankKeys(ctx context.Context, period, year int, committed bool) ([]model.OrgRankKey, int, error) {
	return s.reads.For(ctx).EveryOrgRankKeys(ctx, period, year, committed)
}

func (s statsReads) OrgIDs(ctx context.Context) ([]int64, error) {
	return s.reads.For(ctx).OrgIDs(ctx)
}

func (s statsReads) OrgCertifiedSums(ctx context.Context, periods []int) (map[int64]int64, error) {
	return s.reads.For(ctx).OrgCertifiedSums(ctx, periods)
}

func (s statsReads) Sectors(ctx context.Context) ([]model.SectorInfo, error) {
	return s.reads.For(ctx).Sectors(ctx)
}

func (s statsReads) SalesPointTypes(ctx context.Context) ([]model.SalesPointTypeInfo, error) {
	return s.reads.For(ctx).SalesPointTypes(ctx)
}

// catalogReads is the catalogue's page and list reads (catalog.Reads) from
// a replica when one is healthy; the catalogue's writes and the reads that
// decide them use the primary (catalog.New's Store), and so does everything
// else the value is used for.
type catalogReads struct {
	*store.Store
	reads *store.Reads
}

func (s catalogReads) Regions(ctx context.Context) ([]model.Region, error) {
	return s.reads.For(ctx).Regions(ctx)
}

func (s catalogReads) Region(ctx context.Context, code string) (*model.Region, error) {
	return s.reads.For(ctx).Region(ctx, code)
}

func (s catalogReads) Categories(ctx context.Context) ([]model.Category, error) {
	return s.reads.For(ctx).Categories(ctx)
}

func (s catalogReads) Category(ctx context.Context, code string) (*model.Category, error) {
	return s.reads.For(ctx).Category(ctx, code)
}

func (s catalogReads) Pairings(ctx context.Context) ([]model.PairingView, error) {
	return s.reads.For(ctx).Pairings(ctx)
}

func (s catalogReads) Pairing(ctx context.Context, id int64) (*model.PairingView, error) {
	return s.reads.For(ctx).Pairing(ctx, id)
}

func (s catalogReads) Product(ctx context.Context, id int64) (*model.ProductDetail, error) {
	return s.reads.For(ctx).Product(ctx, id)
}

func (s catalogReads) Products(ctx context.Context, q model.ProductQuery) (model.Page[model.ProductSummary], error) {
	return s.reads.For(ctx).Products(ctx, q)
}
