package api_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"testing"
	"time"

	"shanhai/api"
	"shanhai/model"
	"shanhai/model/store"
	"shanhai/model/store/storetest"
	"shanhai/service/claim"
)

// TestGalera runs three shanhai replicas, each on its own node of a
// three-node MariaDB Galera cluster (SHANHAI_TEST_GALERA; .ci/run starts the
// cluster with scripts/galera/cluster.sh). On Galera a row lock holds only
// on its node and conflicting writes on two nodes fail at commit, so every
// serialisation point must be a row every replica writes, and a certification
// failure must be retried, never a 5xx:
//   - the last units of a SKU, bought by buyers spread over the three nodes:
//     exactly the stock is sold;
//   - one Idempotency-Key sent to the three nodes at once: one order;
//   - one invoice claimed from the three nodes at once: one claim;
//   - ids: a node steps auto-increment ids by the cluster's size, so the ids
//     of an order's lines and of credit entries written by one statement
//     must be the database's, not assumed consecutive (the order lines were,
//     before; GORM reads a batch's ids back with RETURNING on MariaDB).
func TestGalera(t *testing.T) {
	nodes, ok := storetest.Galera(t)
	if !ok {
		// .ci/run starts a cluster for its real-backend run and requires
		// this test to pass there.
		t.Skip("SKIPPED: needs SHANHAI_TEST_GALERA (three node DSNs; scripts/galera/cluster.sh start)")
	}
	prev := slog.Default()
	slog.SetDefault(slog.New(api.LogHandler(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	t.Cleanup(func() { slog.SetDefault(prev) })

	limits := testOrderLimits()
	limits.RateOrders = 0
	replicas := make([]*harness, len(nodes))
	for i, b := range nodes {
		replicas[i] = newHarness(t, b, func(d *api.Deps, st *store.Store) {
			d.Orders = newOrders(st, nil, limits)
		})
	}
	c := &concWorld{h: replicas[0], backend: "galera"}
	buyers := c.addConsumers(t, "galera", 200)

	t.Run("last_units", func(t *testing.T) {
		const units = 50
		for round := range 3 {
			supplier, skus := c.sku(t, units)
			// the other nodes see the new SKU before the buyers come
			waitReplicated(t, replicas, "SELECT COUNT(*) FROM skus WHERE id = ?", skus[0])
			body := jsonBody(map[string]any{"lines": []map[string]any{{"sku_id": skus[0], "quantity": 1}}})
			rs := concRun(len(buyers), 24, func(i int) concRes {
				return concDo(replicas[i%len(replicas)], http.MethodPost, "/api/v1/orders", buyers[i].token,
					fmt.Sprintf("galera-last-%d-%d", round, i), body)
			})
			tally := concTally(rs)
			want := map[string]int{"201": units, "409 out_of_stock": len(buyers) - units}
			if !maps.Equal(tally, want) {
				t.Fatalf("round %d: %d buyers on 3 nodes for %d units got %s, want %s%s", round, len(buyers), units,
					concShow(tally), concShow(want), concFirstOf(rs, "201", "409 out_of_stock"))
			}
			told := map[int64]bool{}
			for _, r := range rs {
				if r.status == http.StatusCreated {
					o, err := concDecode[struct {
						ID    int64 `json:"id"`
						Lines []struct {
							ID int64 `json:"id"`
						} `json:"lines"`
					}](r)
					if err != nil || len(o.Lines) != 1 {
						t.Fatalf("201 body: %v: %s", err, truncate(r.body))
					}
					told[o.ID] = true
					// the line's id is the database's, whichever node made it
					if got := queryOne[int64](t, replicas[0], "SELECT order_id FROM order_lines WHERE id = ?", o.Lines[0].ID); got != o.ID {
						t.Errorf("order %d: its line %d belongs to order %d", o.ID, o.Lines[0].ID, got)
					}
				}
			}
			if n := queryOne[int64](t, replicas[0], "SELECT COUNT(*) FROM orders WHERE supplier_id = ?", supplier); n != int64(len(told)) {
				t.Errorf("round %d: %d orders stored, %d told", round, n, len(told))
			}
			onHand, reserved := concStock(t, replicas[0], skus[0])
			if onHand != units || reserved != units {
				t.Errorf("round %d: on hand %d, reserved %d; want %d and %d", round, onHand, reserved, units, units)
			}
		}
	})

	t.Run("one_key", func(t *testing.T) {
		_, skus := c.sku(t, 1000)
		waitReplicated(t, replicas, "SELECT COUNT(*) FROM skus WHERE id = ?", skus[0])
		body := jsonBody(map[string]any{"lines": []map[string]any{{"sku_id": skus[0], "quantity": 2}}})
		buyer := buyers[0]
		rs := concRun(30, 30, func(i int) concRes {
			return concDo(replicas[i%len(replicas)], http.MethodPost, "/api/v1/orders", buyer.token, "galera-one-key", body)
		})
		ids := map[int64]bool{}
		for _, r := range rs {
			switch {
			case r.status == http.StatusCreated:
				o, err := concDecode[concOrder](r)
				if err != nil {
					t.Fatal(err)
				}
				ids[o.ID] = true
			case r.status == http.StatusConflict && r.code == "idempotency_in_progress":
			default:
				t.Errorf("one key on three nodes: %s %s", r.label(), truncate(r.body))
			}
		}
		if len(ids) != 1 {
			t.Errorf("one key on three nodes made orders %v, want one", ids)
		}
		if n := queryOne[int64](t, replicas[0], "SELECT COUNT(*) FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE l.sku_id = ?", skus[0]); n != 1 {
			t.Errorf("%d orders of the SKU stored, want 1", n)
		}
	})

	t.Run("invoice_claim", func(t *testing.T) {
		ctx := context.Background()
		for k := range 10 {
			id := claim.Identity{Issuer: "91330100716105852F", Number: fmt.Sprintf("2633200000%010d", k)}
			errs := concRun(9, 9, func(i int) error {
				st := nodes[i%len(nodes)].Store
				return st.InTx(ctx, func(ctx context.Context) error {
					return claim.Take(ctx, st, id, int64(i+1), model.ClaimRecord, int64(k*100+i))
				})
			})
			won := 0
			for _, err := range errs {
				var e *model.Error
				switch {
				case err == nil:
					won++
				case errors.As(err, &e) && e.Code == "duplicate_invoice":
				default:
					t.Errorf("invoice %d: %v", k, err)
				}
			}
			if won != 1 {
				t.Errorf("invoice %d claimed %d times from three nodes, want once", k, won)
			}
		}
	})

	t.Run("order_line_ids", func(t *testing.T) {
		// Three-line orders on the three nodes: each line's id, as the
		// answer gives it, is that line's row.
		_, skus := c.sku(t, 1000, 1000, 1000)
		waitReplicated(t, replicas, "SELECT COUNT(*) FROM skus WHERE id = ?", skus[2])
		body := jsonBody(map[string]any{"lines": []map[string]any{
			{"sku_id": skus[0], "quantity": 1}, {"sku_id": skus[1], "quantity": 2}, {"sku_id": skus[2], "quantity": 3}}})
		rs := concRun(30, 6, func(i int) concRes {
			return concDo(replicas[i%len(replicas)], http.MethodPost, "/api/v1/orders", buyers[50+i].token,
				fmt.Sprintf("galera-lines-%d", i), body)
		})
		for _, r := range rs {
			o, err := concDecode[struct {
				ID    int64 `json:"id"`
				Lines []struct {
					ID    int64 `json:"id"`
					SKUID int64 `json:"sku_id"`
				} `json:"lines"`
			}](r)
			if r.status != http.StatusCreated || err != nil || len(o.Lines) != 3 {
				t.Fatalf("%s %s", r.label(), truncate(r.body))
			}
			for _, l := range o.Lines {
				var orderID, skuID int64
				if err := replicas[0].store.DB().QueryRow("SELECT order_id, sku_id FROM order_lines WHERE id = ?", l.ID).
					Scan(&orderID, &skuID); err != nil || orderID != o.ID || skuID != l.SKUID {
					t.Errorf("order %d: line %d (sku %d) is the row of order %d, sku %d (%v)", o.ID, l.ID, l.SKUID, orderID, skuID, err)
				}
			}
		}
	})

	t.Run("ledger_ids", func(t *testing.T) {
		// Entries written three per statement, on the three nodes at once:
		// every pending row names an entry of the same write.
		ctx := context.Background()
		const writes = 30
		errs := concRun(writes, writes, func(i int) error {
			st := nodes[i%len(nodes)].Store
			entries := make([]*model.Credit, 3)
			for j := range entries {
				entries[j] = &model.Credit{Source: model.SourceAcceptance, OrderID: int64(1_000_000 + i), LineID: int64(j + 1),
					Quantity: 1, AmountCents: int64(100 * (j + 1)), Reason: model.ReasonNoPairing, Kind: model.CreditDirect,
					Channel: model.ChannelApp, BuyerRegion: "330602", OriginCode: "511113", CategoryCode: "tea",
					Period: 202612, CreditDate: "2026-12-07", Orders: 1}
			}
			if err := st.AddCredits(ctx, entries); err != nil {
				return err
			}
			for _, e := range entries {
				if got := queryOneOn[int64](st, "SELECT order_id FROM credits WHERE id = ?", e.ID); got != e.OrderID {
					return fmt.Errorf("write %d: entry id %d is order %d's", i, e.ID, got)
				}
			}
			return nil
		})
		for _, err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		if n := queryOne[int64](t, replicas[0], `SELECT COUNT(*) FROM credit_pending p JOIN credits c ON c.id = p.credit_id
			WHERE c.order_id >= 1000000`); n != 3*writes {
			t.Errorf("%d pending rows name the test's entries, want %d", n, 3*writes)
		}
	})
}

// queryOneOn reads one value through st's pool (any goroutine); -1 on error.
func queryOneOn[T any](st *store.Store, query string, args ...any) T {
	var v T
	_ = st.DB().QueryRowContext(context.Background(), query, args...).Scan(&v)
	return v
}

// waitReplicated waits until every replica's node sees the row query counts
// (Galera applies a commit on the other nodes just after it returns).
func waitReplicated(t *testing.T, replicas []*harness, query string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for _, h := range replicas {
		for queryOne[int64](t, h, query, args...) == 0 {
			if time.Now().After(deadline) {
				t.Fatalf("not replicated in 10 s: %s %v", query, args)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
