package api_test

// Return requests under concurrency, and the sweeper past returns it cannot
// approve. Many requests at once for the whole received quantity of a line
// must create one return: each request holds its units on the line with a
// conditional UPDATE (order_lines.held_qty), which holds on MariaDB's row
// writes where a snapshot read would not. The real run is MariaDB
// (SHANHAI_TEST_MYSQL); SQLite runs the same checks with one writer.
//
// The tests keep their own record of the answers and check the database by
// SQL.

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"shanhai/model"
	"shanhai/model/store/storetest"
)

// retAccepted places, pays, ships and accepts in full an order of qty units
// of the tea as the consumer; it returns the order and its line.
func retAccepted(t *testing.T, w *ordWorld, qty int64) (orderID, lineID int64) {
	t.Helper()
	o := w.place(t, model.RoleConsumer, w.tea, qty)
	w.pay(t, model.RoleConsumer, o.ID, "instant")
	w.ship(t, model.RoleSupplier, o.ID)
	if got := w.act(t, model.RoleConsumer, o.ID, "accept", ""); got.Status != model.OrderSettled {
		t.Fatalf("accepted order = %+v", got)
	}
	return o.ID, o.Lines[0].ID
}

// retBody asks to return qty units of a line for quality.
func retBody(lineID, qty int64) string {
	return jsonBody(map[string]any{"lines": []map[string]int64{{"line_id": lineID, "quantity": qty}}, "reason": "quality"})
}

// retHeld is, by SQL, a line's received and held units and what its
// requested and approved returns ask for.
func retHeld(t *testing.T, h *harness, lineID int64) (received, held, asked int64) {
	t.Helper()
	return queryOne[int64](t, h, "SELECT received_qty FROM order_lines WHERE id = ?", lineID),
		queryOne[int64](t, h, "SELECT held_qty FROM order_lines WHERE id = ?", lineID),
		queryOne[int64](t, h, `SELECT COALESCE(SUM(rl.quantity), 0) FROM return_lines rl JOIN returns r ON r.id = rl.return_id
			WHERE rl.line_id = ? AND r.status IN ('requested', 'approved')`, lineID)
}

func TestReturnRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := ordNewWorld(t, b, testOrderLimits(), nil)
		h := w.h
		tok := w.token(t, model.RoleConsumer)
		const n = 24
		rounds := 3
		if b.Name == "sqlite" {
			rounds = 1
		}
		for range rounds {
			id, lineID := retAccepted(t, w, 3)
			target := path(v1+"/orders", id, "returns")
			rs := concRun(n, 0, func(int) concRes {
				return concDo(h, http.MethodPost, target, tok, "", retBody(lineID, 3))
			})
			concCheckDoc(t, h, http.MethodPost, target, rs)
			created, bad := 0, 0
			var winner int64
			for _, r := range rs {
				switch {
				case r.status == http.StatusCreated:
					created++
					ret, err := concDecode[ordReturn](r)
					if err != nil {
						t.Fatalf("decode return: %v", err)
					}
					winner = ret.ID
				// Lost the race at the line's hold (409), or saw the
				// winner's hold already (422, as a request made after it).
				case r.status == http.StatusConflict && r.code == "over_return",
					r.status == http.StatusUnprocessableEntity && r.code == "invalid":
				default:
					bad++
				}
			}
			tally := concShow(concTally(rs))
			t.Logf("order %d: %d concurrent requests for the whole line: %s", id, n, tally)
			if created != 1 || bad > 0 {
				t.Errorf("order %d: %d concurrent requests for the whole line = %s, want one 201 and the rest 409 over_return or 422 invalid%s",
					id, n, tally, concFirstOf(rs, "201"))
			}
			received, held, asked := retHeld(t, h, lineID)
			if asked > received || held != asked || held > received {
				t.Errorf("order %d: line holds %d, its returns ask for %d of %d received (answers %s)", id, held, asked, received, tally)
			}
			if created != 1 {
				continue
			}
			// rejected, the units are free again: a new request takes them
			res := w.post(t, path(v1+"/returns", winner, "reject"), model.RoleSupplier, "", `{"note": "包装完好"}`)
			wantStatus(t, res, http.StatusOK)
			if _, held, _ := retHeld(t, h, lineID); held != 0 {
				t.Errorf("order %d: line holds %d after the rejection, want 0", id, held)
			}
			res = w.post(t, target, model.RoleConsumer, "", retBody(lineID, 3))
			wantStatus(t, res, http.StatusCreated)
			// a part of it still left is refused as before: 422
			wantError(t, w.post(t, target, model.RoleConsumer, "", retBody(lineID, 1)),
				http.StatusUnprocessableEntity, "invalid", "lines[0].quantity")
		}
	})
	// On Galera the line's conditional update, not a lock, must decide.
	if nodes, ok := storetest.Galera(t); ok {
		t.Run("galera", func(t *testing.T) { returnRaceNodes(t, nodes) })
	}
}

// returnRaceNodes: replicas on three Galera nodes. Twelve one-unit return
// requests for a line of three, spread over the nodes at once, create
// exactly three returns (the others 409 over_return or 422 invalid); each
// of them approved from two nodes at once is approved once; the line ends
// with three returned of three received and the order took back three
// units' amount, once.
func returnRaceNodes(t *testing.T, nodes []storetest.Backend) {
	limits := testOrderLimits()
	w := ordNewWorld(t, nodes[0], limits, nil)
	replicas := []*harness{w.h}
	for _, b := range nodes[1:] {
		replicas = append(replicas, newHarness(t, b, withOrders(nil, limits)))
	}
	buyer, supplier := w.token(t, model.RoleConsumer), w.token(t, model.RoleSupplier)
	for round := range 2 {
		id, lineID := retAccepted(t, w, 3)
		target := path(v1+"/orders", id, "returns")
		rs := concRun(12, 0, func(i int) concRes {
			return concDo(replicas[i%len(replicas)], http.MethodPost, target, buyer, "", retBody(lineID, 1))
		})
		var returns []int64
		for _, r := range rs {
			switch {
			case r.status == http.StatusCreated:
				ret, err := concDecode[ordReturn](r)
				if err != nil {
					t.Fatalf("decode return: %v", err)
				}
				returns = append(returns, ret.ID)
			case r.status == http.StatusConflict && r.code == "over_return",
				r.status == http.StatusUnprocessableEntity && r.code == "invalid":
			default:
				t.Errorf("round %d: a return request on a node answered %s %s", round, r.label(), truncate(r.body))
			}
		}
		if len(returns) != 3 {
			t.Errorf("round %d: 12 one-unit requests on three nodes for a line of 3 created %d returns (%s)",
				round, len(returns), concShow(concTally(rs)))
		}
		if received, held, asked := retHeld(t, w.h, lineID); asked > received || held != asked {
			t.Errorf("round %d: line holds %d, its returns ask for %d of %d received", round, held, asked, received)
		}
		// each return approved on two nodes at once
		as := concRun(2*len(returns), 0, func(i int) concRes {
			return concDo(replicas[i%len(replicas)], http.MethodPost, path(v1+"/returns", returns[i/2], "approve"), supplier, "", "")
		})
		approved := map[int64]int{}
		for i, r := range as {
			switch {
			case r.status == http.StatusOK:
				approved[returns[i/2]]++
			case r.status == http.StatusConflict:
			default:
				t.Errorf("round %d: approving return %d on a node answered %s %s", round, returns[i/2], r.label(), truncate(r.body))
			}
		}
		for _, ret := range returns {
			if approved[ret] != 1 {
				t.Errorf("round %d: return %d approved %d times from two nodes, want once", round, ret, approved[ret])
			}
		}
		returned := queryOne[int64](t, w.h, "SELECT returned_qty FROM order_lines WHERE id = ?", lineID)
		bought := queryOne[int64](t, w.h, "SELECT quantity FROM order_lines WHERE id = ?", lineID)
		if returned != int64(len(returns)) || returned > bought {
			t.Errorf("round %d: line returned %d of %d bought, %d returns approved", round, returned, bought, len(returns))
		}
		took := queryOne[int64](t, w.h, "SELECT returned_cents FROM orders WHERE id = ?", id)
		want := queryOne[int64](t, w.h, "SELECT COALESCE(SUM(amount_cents), 0) FROM returns WHERE order_id = ? AND status = 'approved'", id)
		if took != want || took > queryOne[int64](t, w.h, "SELECT total_cents FROM orders WHERE id = ?", id) {
			t.Errorf("round %d: the order took back %d cents, its approved returns %d", round, took, want)
		}
	}
}

// TestReturnSweepPastUnapprovable: more than a sweep batch of undecided
// returns that can no longer be approved (stored before lines held their
// units: their line is returned in full already) are rejected by the
// sweeper with a note saying why, and a valid return due after them is
// still approved automatically in the same sweep.
func TestReturnSweepPastUnapprovable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := ordNewWorld(t, b, testOrderLimits(), nil)
		h := w.h
		orphans := 250
		if b.Name == "sqlite" {
			orphans = 210
		}

		// order A: three received, three returned and approved
		a, aLine := retAccepted(t, w, 3)
		res := w.post(t, path(v1+"/orders", a, "returns"), model.RoleConsumer, "", retBody(aLine, 3))
		wantStatus(t, res, http.StatusCreated)
		first := decode[ordReturn](t, res)
		wantStatus(t, w.post(t, path(v1+"/returns", first.ID, "approve"), model.RoleSupplier, "", ""), http.StatusOK)

		// the orphans of the earlier race, as migration 0011 back-fills them
		consumer := w.users[model.RoleConsumer].ID
		past := time.Now().UTC().Add(-time.Hour).Truncate(time.Millisecond)
		for range orphans {
			execSQL(t, h, `INSERT INTO returns (order_id, status, reason, note, amount_cents, requested_by, deadline_at, created_at)
				VALUES (?, 'requested', 'quality', '', 3000, ?, ?, ?)`, a, consumer, past, past)
			rid := queryOne[int64](t, h, "SELECT MAX(id) FROM returns")
			execSQL(t, h, "INSERT INTO return_lines (return_id, line_id, quantity, amount_cents) VALUES (?, ?, 3, 3000)", rid, aLine)
		}
		execSQL(t, h, "UPDATE order_lines SET held_qty = held_qty + ? WHERE id = ?", 3*orphans, aLine)

		// order B: a valid return, due after every orphan
		bID, bLine := retAccepted(t, w, 2)
		res = w.post(t, path(v1+"/orders", bID, "returns"), model.RoleConsumer, "", retBody(bLine, 1))
		wantStatus(t, res, http.StatusCreated)
		valid := decode[ordReturn](t, res)

		w.clock.advance(73 * time.Hour)
		if n := w.sweep(t); n != orphans+1 {
			t.Errorf("sweep took %d steps, want %d (the orphans rejected, the valid return approved)", n, orphans+1)
		}
		if got := queryOne[string](t, h, "SELECT status FROM returns WHERE id = ?", valid.ID); got != model.ReturnApproved {
			t.Errorf("valid return %d after the sweep: %s, want approved", valid.ID, got)
		}
		if got := queryOne[int64](t, h, "SELECT returned_qty FROM order_lines WHERE id = ?", bLine); got != 1 {
			t.Errorf("order B's line returned %d, want 1", got)
		}
		if got := queryOne[int64](t, h, "SELECT COUNT(*) FROM returns WHERE status = 'requested'"); got != 0 {
			t.Errorf("%d returns still requested after the sweep", got)
		}
		notes := queryOne[int64](t, h, "SELECT COUNT(*) FROM returns WHERE order_id = ? AND status = 'rejected' AND decided_by IS NULL AND decision_note LIKE ?",
			a, "rejected automatically: cannot be approved:%")
		if notes != int64(orphans) {
			t.Errorf("orphans rejected by the system with a note = %d, want %d", notes, orphans)
		}
		for _, line := range []int64{aLine, bLine} {
			if received, held, asked := retHeld(t, h, line); held != asked || held > received {
				t.Errorf("line %d holds %d, its returns ask for %d of %d received", line, held, asked, received)
			}
		}
		d := w.detail(t, model.RoleConsumer, a)
		if len(d.History) == 0 || !strings.HasPrefix(d.History[len(d.History)-1].Note, "return ") ||
			d.History[len(d.History)-1].Action != "return_rejected" {
			t.Errorf("order A's last event = %+v, want a return_rejected", d.History[len(d.History)-1])
		}
		// a second sweep finds nothing left to do
		if n := w.sweep(t); n != 0 {
			t.Errorf("second sweep took %d steps, want 0", n)
		}
	})
}
