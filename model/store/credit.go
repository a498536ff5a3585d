package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"

	"gorm.io/gorm/clause"

	"shanhai/model"
)

// forUpdate locks the rows a read returns until the transaction ends.
var forUpdate = clause.Locking{Strength: clause.LockingStrengthUpdate}

// AddCredits appends entries to the ledger and marks each as not yet in
// the rollups, in the transaction in ctx.
func (s *Store) AddCredits(ctx context.Context, entries []*model.Credit) error {
	if len(entries) == 0 {
		return nil
	}
	return s.InTx(ctx, func(ctx context.Context) error {
		now := s.gdb.NowFunc()
		for _, e := range entries {
			e.CreatedAt = now
		}
		if err := s.conn(ctx).CreateInBatches(entries, min(s.rowsPerInsert(ctx, len(entries)), s.perStatement(len(entries), 30))).Error; err != nil {
			return mapErr(err)
		}
		pending := make([]map[string]any, len(entries))
		for i, e := range entries {
			pending[i] = map[string]any{"credit_id": e.ID}
		}
		return mapErr(s.conn(ctx).Table("credit_pending").Create(pending).Error)
	})
}

// OrderCredits are an order's ledger entries, oldest first.
func (s *Store) OrderCredits(ctx context.Context, orderID int64) ([]model.Credit, error) {
	var out []model.Credit
	err := s.conn(ctx).Where("order_id = ?", orderID).Order("id").Find(&out).Error
	return out, mapErr(err)
}

// Credit is one ledger entry.
func (s *Store) Credit(ctx context.Context, id int64) (*model.Credit, error) {
	var c model.Credit
	if err := s.conn(ctx).Take(&c, id).Error; err != nil {
		return nil, mapErr(err)
	}
	return &c, nil
}

// CreateCorrection records a correction; its entries point back at it.
func (s *Store) CreateCorrection(ctx context.Context, c *model.Correction) error {
	c.CreatedAt = s.gdb.NowFunc()
	return mapErr(s.conn(ctx).Create(c).Error)
}

// CurrentCertifications are the products' current (newest) certificates;
// a product never certified is absent.
func (s *Store) CurrentCertifications(ctx context.Context, productIDs []int64) (map[int64]*model.Certification, error) {
	out := map[int64]*model.Certification{}
	if len(productIDs) == 0 {
		return out, nil
	}
	var certs []model.Certification
	err := s.conn(ctx).Where("id IN (?)", s.conn(ctx).Model(&model.Certification{}).Select("MAX(id)").
		Where("product_id IN ?", productIDs).Group("product_id")).Find(&certs).Error
	if err != nil {
		return nil, mapErr(err)
	}
	for i := range certs {
		out[certs[i].ProductID] = &certs[i]
	}
	return out, nil
}

// PendingCredits are up to limit ids of entries not yet in the rollups.
func (s *Store) PendingCredits(ctx context.Context, limit int) ([]int64, error) {
	var ids []int64
	err := s.conn(ctx).Table("credit_pending").Order("credit_id").Limit(limit).Pluck("credit_id", &ids).Error
	return ids, mapErr(err)
}

// RollUp adds the entries among ids that are still pending to the rollups
// and marks them done, in one transaction: an entry is in the rollups if and
// only if its pending row is gone. Several workers may offer the same ids;
// the row locks let one of them count each entry. It returns how many
// entries it counted.
func (s *Store) RollUp(ctx context.Context, ids []int64) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	var n int
	err := s.InTx(ctx, func(ctx context.Context) error {
		q := s.conn(ctx).Table("credit_pending").Where("credit_id IN ?", ids).Order("credit_id")
		if s.dialect == MySQL {
			q = q.Clauses(forUpdate)
		}
		var got []int64
		if err := q.Pluck("credit_id", &got).Error; err != nil {
			return mapErr(err)
		}
		n = len(got)
		if n == 0 {
			return nil
		}
		var entries []model.Credit
		if err := s.conn(ctx).Where("id IN ?", got).Find(&entries).Error; err != nil {
			return mapErr(err)
		}
		r := model.NewRollups()
		for i := range entries {
			r.Add(&entries[i])
		}
		if err := s.addRollups(ctx, r); err != nil {
			return err
		}
		return mapErr(s.conn(ctx).Exec("DELETE FROM credit_pending WHERE credit_id IN ?", got).Error)
	})
	return n, err
}

// RebuildRollups recomputes every rollup from the ledger (every entry not
// still pending) and writes the difference wherever a rollup disagrees, as
// deltas, so workers may keep running. Reads happen in one transaction, so
// they see one snapshot of the ledger, the pending set and the rollups.
//
// Memory stays bounded by the rollups' key spaces, not the ledger: one pass
// over the ledger in id order builds the tables whose keys are a few
// dimensions (pairings, areas, platforms, facets, orgs, org pairings), read
// against their stored rows; rollup_sales, whose key is nearly every
// attribute of an entry (as many rows as the ledger), is compared in the
// database (rebuildSales), in a transaction of its own: its snapshot of the
// ledger, the pending set and rollup_sales is consistent, as workers change
// all three together. On MySQL it runs beside the pass, and its deltas are
// written as they are found, each statement on its own, outside the reading
// transaction (deltas add up whatever commits in between, as the workers'
// do; an interrupted rebuild leaves a part corrected, and the next one finds
// the rest). Not to be called inside a transaction.
func (s *Store) RebuildRollups(ctx context.Context) (*model.RebuildReport, error) {
	outside := context.WithValue(ctx, txKey{}, nil) // the pool, whatever transaction ctx has
	sales := &model.RebuildReport{}
	rebuildSales := func() error {
		return s.InTx(outside, func(ctx context.Context) error {
			*sales = model.RebuildReport{}
			return s.rebuildSales(ctx, outside, sales)
		})
	}
	salesDone := make(chan error, 1)
	if s.dialect == MySQL {
		// beside the pass over the ledger, on a connection of its own
		go func() { salesDone <- rebuildSales() }()
	}
	rep := &model.RebuildReport{}
	err := s.InTx(ctx, func(ctx context.Context) error {
		*rep = model.RebuildReport{}
		db := s.conn(ctx)
		var pendingIDs []int64
		if err := db.Table("credit_pending").Pluck("credit_id", &pendingIDs).Error; err != nil {
			return mapErr(err)
		}
		pending := make(map[int64]bool, len(pendingIDs))
		for _, id := range pendingIDs {
			pending[id] = true
		}
		rep.Pending = int64(len(pendingIDs))
		want := model.NewRollups()
		want.Sales = nil // rebuildSales
		const cols = "id, amount_cents, orders, pairing_id, reason, certified, buyer_org_id, org_chain, buyer_region, kind, channel, origin_code, period, " +
			"category_code, supplier_id, sector, platform, point_type"
		for after := int64(0); ; {
			rows, err := db.Raw("SELECT "+cols+" FROM credits WHERE id > ? ORDER BY id LIMIT 20000", after).Rows()
			if err != nil {
				return mapErr(err)
			}
			n := 0
			for rows.Next() {
				var e model.Credit
				var pairing, org sql.NullInt64
				if err := rows.Scan(&e.ID, &e.AmountCents, &e.Orders, &pairing, &e.Reason, &e.Certified, &org,
					&e.OrgChain, &e.BuyerRegion, &e.Kind, &e.Channel, &e.OriginCode, &e.Period,
					&e.CategoryCode, &e.SupplierID, &e.Sector, &e.Platform, &e.PointType); err != nil {
					rows.Close()
					return mapErr(err)
				}
				n++
				after = e.ID
				if pending[e.ID] {
					continue
				}
				if pairing.Valid {
					e.PairingID = &pairing.Int64
				}
				if org.Valid {
					e.BuyerOrgID = &org.Int64
				}
				want.Add(&e)
				rep.Entries++
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return mapErr(err)
			}
			if n == 0 {
				break
			}
		}
		var pairings []model.RollupPairing
		var areas []model.RollupArea
		var orgs []model.RollupOrg
		var orgPairings []model.RollupOrgPairing
		var platforms []model.RollupPlatform
		var facets []model.RollupFacet
		for _, dst := range []any{&pairings, &areas, &orgs, &orgPairings, &platforms, &facets} {
			if err := db.Find(dst).Error; err != nil {
				return mapErr(err)
			}
		}
		fix := model.NewRollups()
		rep.Rows += len(pairings) + len(areas) + len(orgs) + len(orgPairings) + len(platforms) + len(facets)
		rep.Corrected += diff(want.Pairings, pairings, fix.Pairings, &rep.Diffs, pairingKey, subPairing)
		rep.Corrected += diff(want.Areas, areas, fix.Areas, &rep.Diffs, areaKey, subArea)
		rep.Corrected += diff(want.Orgs, orgs, fix.Orgs, &rep.Diffs, orgKey, subOrg)
		rep.Corrected += diff(want.OrgPairings, orgPairings, fix.OrgPairings, &rep.Diffs, orgPairingKey, subOrgPairing)
		rep.Corrected += diff(want.Platforms, platforms, fix.Platforms, &rep.Diffs, platformKey, subPlatform)
		rep.Corrected += diff(want.Facets, facets, fix.Facets, &rep.Diffs, facetKey, subFacet)
		return s.addRollups(ctx, fix)
	})
	if s.dialect == MySQL {
		err = cmp.Or(err, <-salesDone)
	} else if err == nil {
		err = rebuildSales()
	}
	rep.Rows += sales.Rows
	rep.Corrected += sales.Corrected
	rep.Diffs = append(rep.Diffs, sales.Diffs[:min(len(sales.Diffs), max(0, 20-len(rep.Diffs)))]...)
	return rep, err
}

// salesKey is rollup_sales' key, in its columns' order.
const salesKey = "period, pairing_id, reason, kind, channel, platform, sector, point_type, buyer_region, origin_code, category_code, supplier_id"

// rebuildSales compares rollup_sales with the ledger in the database, in the
// transaction in ctx: every entry not pending, once in its month and once in
// its year (as model.Rollups.Add counts it), grouped together with the
// stored rows, answers only the keys where the sums differ — one pass over
// the ledger and the table, sorted by the database (on disk if need be),
// nothing held here but a batch of deltas. On MySQL each batch is written
// through outside (no transaction); on SQLite (one connection) they are
// written in the transaction after the read.
func (s *Store) rebuildSales(ctx, outside context.Context, rep *model.RebuildReport) error {
	db := s.conn(ctx)
	var stored int64
	if err := db.Table("rollup_sales").Count(&stored).Error; err != nil {
		return mapErr(err)
	}
	rep.Rows += int(stored)
	year, big := "c.period / 100 * 100", ""
	if s.dialect == MySQL {
		// many groups: sort them rather than keep a temporary table's index
		year, big = "c.period DIV 100 * 100", "SQL_BIG_RESULT "
	}
	q := "SELECT " + big + salesKey + ", SUM(wc), SUM(wo), SUM(hc), SUM(ho) FROM (" +
		"SELECT CASE WHEN t.y = 1 THEN " + year + " ELSE c.period END AS period, COALESCE(c.pairing_id, 0) AS pairing_id, " +
		"c.reason, c.kind, c.channel, c.platform, c.sector, c.point_type, c.buyer_region, c.origin_code, c.category_code, c.supplier_id, " +
		"c.amount_cents AS wc, c.orders AS wo, 0 AS hc, 0 AS ho " +
		"FROM credits c CROSS JOIN (SELECT 0 AS y UNION ALL SELECT 1) t " +
		"WHERE NOT EXISTS (SELECT 1 FROM credit_pending p WHERE p.credit_id = c.id) " +
		"UNION ALL SELECT " + salesKey + ", 0, 0, cents, orders FROM rollup_sales" +
		") u GROUP BY " + salesKey + " HAVING SUM(wc) <> SUM(hc) OR SUM(wo) <> SUM(ho)"
	rows, err := db.Raw(q).Rows()
	if err != nil {
		return mapErr(err)
	}
	defer rows.Close()
	// On MySQL two writers, beside the read: batches hold distinct keys.
	batches := make(chan map[model.RollupSale]model.RollupSale, 2)
	var wg sync.WaitGroup
	var werr error
	var mu sync.Mutex
	if s.dialect == MySQL {
		for range 2 {
			wg.Go(func() {
				for b := range batches {
					if err := s.upsertSales(outside, b); err != nil {
						mu.Lock()
						werr = cmp.Or(werr, err)
						mu.Unlock()
					}
				}
			})
		}
	}
	failed := func() error {
		mu.Lock()
		defer mu.Unlock()
		return werr
	}
	batch := map[model.RollupSale]model.RollupSale{}
	err = func() error {
		defer func() {
			close(batches)
			wg.Wait()
		}()
		for rows.Next() {
			var k model.RollupSale
			var wc, wo, hc, ho int64
			if err := rows.Scan(&k.Period, &k.PairingID, &k.Reason, &k.Kind, &k.Channel, &k.Platform, &k.Sector, &k.PointType,
				&k.BuyerRegion, &k.OriginCode, &k.CategoryCode, &k.SupplierID, &wc, &wo, &hc, &ho); err != nil {
				return mapErr(err)
			}
			d := model.RollupSale{Cents: wc - hc, Orders: wo - ho}
			rep.Corrected++
			if len(rep.Diffs) < 20 {
				rep.Diffs = append(rep.Diffs, fmt.Sprintf("%+v off by %+v", k, d))
			}
			batch[k] = d
			if s.dialect == MySQL && len(batch) == 5000 {
				if err := failed(); err != nil {
					return err
				}
				batches <- batch
				batch = map[model.RollupSale]model.RollupSale{}
			}
		}
		return mapErr(rows.Err())
	}()
	if err != nil {
		return err
	}
	if err := failed(); err != nil {
		return err
	}
	rows.Close()
	if s.dialect != MySQL {
		outside = ctx
	}
	return s.upsertSales(outside, batch)
}

// diff puts want − have, for every key where they differ, into fix.
func diff[T comparable](want map[T]T, have []T, fix map[T]T, notes *[]string, key func(T) T, sub func(a, b T) T) int {
	var zero T
	seen := make(map[T]bool, len(have))
	n := 0
	note := func(k, d T) {
		n++
		fix[k] = d
		if len(*notes) < 20 {
			*notes = append(*notes, fmt.Sprintf("%+v off by %+v", k, d))
		}
	}
	for _, h := range have {
		k := key(h)
		seen[k] = true
		if d := sub(want[k], h); d != zero {
			note(k, d)
		}
	}
	for k, w := range want {
		if !seen[k] && w != zero {
			note(k, w)
		}
	}
	return n
}

func pairingKey(r model.RollupPairing) model.RollupPairing { r.Cents, r.Orders = 0, 0; return r }
func areaKey(r model.RollupArea) model.RollupArea          { r.Cents, r.Orders = 0, 0; return r }
func orgKey(r model.RollupOrg) model.RollupOrg {
	return model.RollupOrg{Period: r.Period, OrgID: r.OrgID}
}

func subPairing(a, b model.RollupPairing) model.RollupPairing {
	return model.RollupPairing{Cents: a.Cents - b.Cents, Orders: a.Orders - b.Orders}
}
func platformKey(r model.RollupPlatform) model.RollupPlatform { r.Cents, r.Orders = 0, 0; return r }
func subPlatform(a, b model.RollupPlatform) model.RollupPlatform {
	return model.RollupPlatform{Cents: a.Cents - b.Cents, Orders: a.Orders - b.Orders}
}
func facetKey(r model.RollupFacet) model.RollupFacet { r.Cents, r.Orders = 0, 0; return r }
func subFacet(a, b model.RollupFacet) model.RollupFacet {
	return model.RollupFacet{Cents: a.Cents - b.Cents, Orders: a.Orders - b.Orders}
}
func subArea(a, b model.RollupArea) model.RollupArea {
	return model.RollupArea{Cents: a.Cents - b.Cents, Orders: a.Orders - b.Orders}
}
func orgPairingKey(r model.RollupOrgPairing) model.RollupOrgPairing {
	return model.RollupOrgPairing{Period: r.Period, OrgID: r.OrgID, PairingID: r.PairingID}
}
func subOrgPairing(a, b model.RollupOrgPairing) model.RollupOrgPairing {
	return model.RollupOrgPairing{Cents: a.Cents - b.Cents, SubtreeCents: a.SubtreeCents - b.SubtreeCents}
}
func subOrg(a, b model.RollupOrg) model.RollupOrg {
	return model.RollupOrg{Cents: a.Cents - b.Cents, CertifiedCents: a.CertifiedCents - b.CertifiedCents,
		CreditedCents: a.CreditedCents - b.CreditedCents, SubtreeCents: a.SubtreeCents - b.SubtreeCents,
		SubtreeCertifiedCents: a.SubtreeCertifiedCents - b.SubtreeCertifiedCents,
		SubtreeCreditedCents:  a.SubtreeCreditedCents - b.SubtreeCreditedCents}
}

// addRollups adds r's deltas to the rollup tables, rows in key order so
// concurrent workers take their locks in the same order.
func (s *Store) addRollups(ctx context.Context, r *model.Rollups) error {
	var rows [][]any
	for k, v := range r.Pairings {
		if v.Cents != 0 || v.Orders != 0 {
			rows = append(rows, []any{k.Period, k.PairingID, k.Reason, k.Kind, k.Channel, v.Cents, v.Orders})
		}
	}
	if err := s.upsert(ctx, "rollup_pairings", []string{"period", "pairing_id", "reason", "kind", "channel"},
		[]string{"cents", "orders"}, rows); err != nil {
		return err
	}
	rows = rows[:0]
	for k, v := range r.Areas {
		if v.Cents != 0 || v.Orders != 0 {
			rows = append(rows, []any{k.Period, k.PairingID, k.Reason, k.Kind, k.BuyerRegion, k.OriginCode, v.Cents, v.Orders})
		}
	}
	if err := s.upsert(ctx, "rollup_areas", []string{"period", "pairing_id", "reason", "kind", "buyer_region", "origin_code"},
		[]string{"cents", "orders"}, rows); err != nil {
		return err
	}
	if err := s.upsertSales(ctx, r.Sales); err != nil {
		return err
	}
	rows = rows[:0]
	for k, v := range r.Platforms {
		if v.Cents != 0 || v.Orders != 0 {
			rows = append(rows, []any{k.Period, k.PairingID, k.Mall, k.BuyerRegion, k.OriginCode, v.Cents, v.Orders})
		}
	}
	if err := s.upsert(ctx, "rollup_platforms", []string{"period", "pairing_id", "mall", "buyer_region", "origin_code"},
		[]string{"cents", "orders"}, rows); err != nil {
		return err
	}
	rows = rows[:0]
	for k, v := range r.Facets {
		if v.Cents != 0 || v.Orders != 0 {
			rows = append(rows, []any{k.Period, k.Facet, k.Code, k.PairingID, v.Cents, v.Orders})
		}
	}
	if err := s.upsert(ctx, "rollup_facets", []string{"period", "facet", "code", "pairing_id"},
		[]string{"cents", "orders"}, rows); err != nil {
		return err
	}
	rows = rows[:0]
	for k, v := range r.Orgs {
		if v != (model.RollupOrg{}) {
			rows = append(rows, []any{k.Period, k.OrgID, v.Cents, v.CertifiedCents, v.CreditedCents,
				v.SubtreeCents, v.SubtreeCertifiedCents, v.SubtreeCreditedCents})
		}
	}
	if err := s.upsert(ctx, "rollup_orgs", []string{"period", "org_id"}, []string{"cents", "certified_cents",
		"credited_cents", "subtree_cents", "subtree_certified_cents", "subtree_credited_cents"}, rows); err != nil {
		return err
	}
	rows = rows[:0]
	for k, v := range r.OrgPairings {
		if v.Cents != 0 || v.SubtreeCents != 0 {
			rows = append(rows, []any{k.Period, k.OrgID, k.PairingID, v.Cents, v.SubtreeCents})
		}
	}
	return s.upsert(ctx, "rollup_org_pairings", []string{"period", "org_id", "pairing_id"}, []string{"cents", "subtree_cents"}, rows)
}

// upsertSales adds sales' deltas to rollup_sales.
func (s *Store) upsertSales(ctx context.Context, sales map[model.RollupSale]model.RollupSale) error {
	var rows [][]any
	for k, v := range sales {
		if v.Cents != 0 || v.Orders != 0 {
			rows = append(rows, []any{k.Period, k.PairingID, k.Reason, k.Kind, k.Channel, k.Platform, k.Sector, k.PointType,
				k.BuyerRegion, k.OriginCode, k.CategoryCode, k.SupplierID, v.Cents, v.Orders})
		}
	}
	return s.upsert(ctx, "rollup_sales", strings.Split(salesKey, ", "), []string{"cents", "orders"}, rows)
}

// upsert adds rows' values to the rows with the same key, inserting the
// missing ones: INSERT … ON DUPLICATE KEY UPDATE on MySQL, ON CONFLICT on
// SQLite. Each row is the key columns then the value columns.
func (s *Store) upsert(ctx context.Context, table string, keys, vals []string, rows [][]any) error {
	slices.SortFunc(rows, func(a, b []any) int {
		for i := range keys {
			if c := compareAny(a[i], b[i]); c != 0 {
				return c
			}
		}
		return 0
	})
	cols := append(append([]string{}, keys...), vals...)
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")"
	var set []string
	for _, v := range vals {
		if s.dialect == MySQL {
			set = append(set, v+" = "+v+" + VALUES("+v+")")
		} else {
			set = append(set, v+" = "+v+" + excluded."+v)
		}
	}
	for len(rows) > 0 {
		chunk := rows[:min(len(rows), 16000/len(cols))] // bound the placeholders (SQLite's limit is 32766)
		rows = rows[len(chunk):]
		var args []any
		for _, r := range chunk {
			args = append(args, r...)
		}
		q := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES " +
			strings.TrimSuffix(strings.Repeat(one+",", len(chunk)), ",")
		if s.dialect == MySQL {
			q += " ON DUPLICATE KEY UPDATE " + strings.Join(set, ", ")
		} else {
			q += " ON CONFLICT (" + strings.Join(keys, ", ") + ") DO UPDATE SET " + strings.Join(set, ", ")
		}
		if err := s.conn(ctx).Exec(q, args...).Error; err != nil {
			return mapErr(err)
		}
	}
	return nil
}

func compareAny(a, b any) int {
	switch x := a.(type) {
	case int:
		return cmp.Compare(x, b.(int))
	case int64:
		return cmp.Compare(x, b.(int64))
	case string:
		return cmp.Compare(x, b.(string))
	case bool:
		y := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	}
	return 0
}
