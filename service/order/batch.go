package order

// Group commit of placements. Under load many buyers place at once, and each
// placement alone is a transaction of a dozen short statements, most of the
// cost being round trips and commits rather than work. The batcher gathers
// the placements that arrive while earlier ones are being written and
// writes them together, in one transaction of a few statements whatever
// their number: the SKU rows locked in id order and each placement decided
// against them in arrival order, one conditional UPDATE reserving every
// SKU's units, one INSERT each for the orders, their lines, their history
// and the idempotency keys, one for the buyers' holdings (read back only
// when a holding could be past the share or the cap: stock.HoldAll).
//
// A batch commits only placements that are right as they stand. A
// placement the locked stock cannot cover (after the batch's placements
// before it) is refused 409 out_of_stock naming its first SKU short in id
// order, as Reserve would refuse it alone at that moment, once one read
// after the commit has made sure its key is not stored (refuseShort). Every
// other placement the batch cannot commit (priced at another version), and
// every placement of a batch that fails as a whole (a key already stored, a
// buyer past the hold share or the cap, a database error), runs again on
// its own, the way it runs without batching (idempotency.Do around place),
// and gets the answer it would have got there: its own refusal, the stored
// result of its key, … So a failed placement fails only itself, and every
// answer a batch gives is one a placement alone would give. Only consumers'
// placements are batched (an org's placement adds to the org's day total
// and is judged on it).

import (
	"context"
	"errors"
	"sync"
	"time"

	"shanhai/model"
)

// DefaultBatch is the batch size when SHANHAI_ORDER_BATCH is unset (on
// SQLite and one MariaDB server; main.go leaves group commit off on Galera).
const DefaultBatch = 64

// batchFlushers is how many batches are written at once: under many
// buyers of different SKUs a batch's transaction is mostly waiting on round
// trips, and eight at once placed more than four in orderbench's 3-line
// runs; batches of one hot SKU queue on its row whatever their number.
const batchFlushers = 8

// batchGather is how long a flusher lets placements gather before it
// takes them (unless a whole batch is queued already).
const batchGather = time.Millisecond

// errAlone: the placement was not committed in a batch; run it on its own.
var errAlone = errors.New("placement not batched")

// batcher queues placements for the flushers.
type batcher struct {
	s      *Service
	size   int // most placements per batch
	mu     sync.Mutex
	queue  []*pending
	active int // flushers running
}

// pending is one placement waiting for its batch.
type pending struct {
	p         *prepared
	key, hash string
	render    Render
	body      []byte
	ok        bool
	short     int64 // not committed: the first SKU the batch's stock was short of, in id order
	err       error // its answer without running again alone (refuseShort)
	done      chan struct{}
}

// SetBatch turns group commit on with at most size placements per batch
// (SHANHAI_ORDER_BATCH), or off (size < 2).
func (s *Service) SetBatch(size int) {
	if size < 2 {
		s.batch = nil
		return
	}
	s.batch = &batcher{s: s, size: size}
}

// placeBatched places a consumer's order in a batch: its body, or errAlone
// when it must run on its own (after leave: Do marks the key again). The
// rate limit is counted here either way.
func (s *Service) placeBatched(ctx context.Context, b *buyer, key string, in PlaceInput, render Render) ([]byte, error) {
	hash, leave, err := s.keys.Enter(b.user.ID, key, opPlace, in)
	if err != nil {
		return nil, err
	}
	defer leave()
	if err := s.rateLimit(ctx, b); err != nil {
		return nil, err
	}
	d, err := s.savedAddress(ctx, b, in.Delivery)
	if err != nil {
		return nil, errAlone
	}
	p, err := s.prepare(ctx, b, in.Lines, d, true, false, false)
	if err != nil {
		return nil, errAlone // answered alone: a retry of a stored key gets its result, not this error
	}
	q := &pending{p: p, key: key, hash: hash, render: render, done: make(chan struct{})}
	s.batch.add(q)
	<-q.done
	if q.err != nil {
		return nil, q.err
	}
	if !q.ok {
		return nil, errAlone
	}
	return q.body, nil
}

// add queues q and starts a flusher if fewer than batchFlushers run; a
// flusher takes everything queued (up to size) each time it is free, so
// batches grow with the load and a lone placement waits for nobody.
func (c *batcher) add(q *pending) {
	c.mu.Lock()
	c.queue = append(c.queue, q)
	start := c.active < batchFlushers
	if start {
		c.active++
	}
	c.mu.Unlock()
	if start {
		go c.flush()
	}
}

func (c *batcher) flush() {
	for {
		// Gather: the placements of buyers answered by the last batch come
		// back within moments of each other; without the wait each free
		// flusher would take them one by one.
		c.mu.Lock()
		full := len(c.queue) >= c.size
		c.mu.Unlock()
		if !full {
			time.Sleep(batchGather)
		}
		c.mu.Lock()
		n := min(len(c.queue), c.size)
		if n == 0 {
			c.active--
			c.mu.Unlock()
			return
		}
		batch := make([]*pending, n)
		copy(batch, c.queue)
		c.queue = append(c.queue[:0], c.queue[n:]...)
		c.mu.Unlock()
		c.s.writeBatch(batch)
		for _, q := range batch {
			close(q.done)
		}
	}
}

// writeBatch writes what it can of batch in one transaction and marks each
// placement committed (ok, with its body) or not.
func (s *Service) writeBatch(batch []*pending) {
	ctx := context.Background()
	var accepted []*pending
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		accepted = accepted[:0]
		for _, q := range batch {
			q.ok, q.body, q.short = false, nil, 0
		}
		var ids []int64
		for _, q := range batch {
			for _, c := range q.p.all {
				ids = append(ids, c.SKUID)
			}
		}
		levels, err := s.store.LockStock(ctx, ids)
		if err != nil {
			return err
		}
		// each placement in arrival order, all its lines or none, its SKUs
		// judged in id order as Reserve judges them
		used := map[int64]int64{}
		var order []int64 // SKUs in first use
		for _, q := range batch {
			fits := true
			for _, c := range q.p.sorted {
				k, ok := levels[c.SKUID]
				if !ok || k.Version != c.Version {
					fits = false // gone or changed: alone, from a fresh read
					break
				}
				if k.OnHand-k.Reserved-used[c.SKUID] < c.Quantity {
					fits, q.short = false, c.SKUID
					break
				}
			}
			if !fits {
				continue
			}
			for _, c := range q.p.all {
				if _, ok := used[c.SKUID]; !ok {
					order = append(order, c.SKUID)
				}
				used[c.SKUID] += c.Quantity
			}
			accepted = append(accepted, q)
		}
		if len(accepted) == 0 {
			return nil
		}
		var orders []*model.Order
		for _, q := range accepted {
			status, deadline, level, err := s.initialState(ctx, q.p.b, q.p.total)
			if err != nil {
				return err
			}
			for _, o := range q.p.orders {
				o.Status, o.DeadlineAt, o.ApprovalLevel = status, deadline, level
				orders = append(orders, o)
			}
		}
		if err := s.store.CreateOrders(ctx, orders); err != nil {
			return err
		}
		events := make([]*model.OrderEvent, 0, len(orders))
		for _, q := range accepted {
			for _, o := range q.p.orders {
				events = append(events, &model.OrderEvent{OrderID: o.ID, ActorID: &q.p.b.user.ID, Action: "place", ToState: o.Status})
			}
		}
		if err := s.store.AddOrderEvents(ctx, events); err != nil {
			return err
		}
		reserve := make([]model.StockChange, 0, len(order))
		products := map[int64]int64{}
		for _, q := range accepted {
			for _, c := range q.p.all {
				products[c.SKUID] = c.ProductID
			}
		}
		for _, id := range order {
			reserve = append(reserve, model.StockChange{SKUID: id, ProductID: products[id], Quantity: used[id], Version: levels[id].Version})
		}
		if err := s.stock.ReserveLocked(ctx, reserve); err != nil {
			return err
		}
		var holds []model.Hold
		for _, q := range accepted {
			h := holder(q.p.orders[0])
			for _, c := range q.p.all {
				holds = append(holds, model.Hold{UserID: q.p.b.user.ID, Holder: h, SKUID: c.SKUID, Units: c.Quantity})
			}
		}
		if err := s.stock.HoldAll(ctx, holds, levels); err != nil {
			return err
		}
		keys := make([]model.IdempotencyKey, 0, len(accepted))
		for _, q := range accepted {
			body, err := q.render(&Placed{CheckoutID: q.p.checkoutID, Orders: q.p.orders})
			if err != nil {
				return err
			}
			q.body = body
			keys = append(keys, s.keys.Done(q.p.b.user.ID, q.key, opPlace, q.hash, body))
		}
		return s.store.StoreKeys(ctx, keys)
	})
	if err != nil {
		return // every placement runs again alone
	}
	for _, q := range accepted {
		q.ok = true
	}
	s.refuseShort(ctx, batch)
}

// refuseShort answers 409 out_of_stock, naming the first SKU short in id
// order, to each placement of a committed batch that its stock could not
// cover: what Reserve would answer it alone at that moment (the SKU's rows
// read locked in the batch's transaction, less the units of the batch's
// placements before it). Alone, though, its key would be claimed first, and
// a key stored meanwhile (a retry that another replica answered) is
// answered from the key: one read makes sure none of their keys is stored,
// and a placement whose key is, or all of them if the read fails, runs
// again alone.
func (s *Service) refuseShort(ctx context.Context, batch []*pending) {
	var short []*pending
	var keys []model.IdempotencyKey
	for _, q := range batch {
		if q.short != 0 {
			short = append(short, q)
			keys = append(keys, model.IdempotencyKey{UserID: q.p.b.user.ID, Key: q.key})
		}
	}
	if len(short) == 0 {
		return
	}
	stored, err := s.store.KeysStored(ctx, keys)
	if err != nil {
		return
	}
	for i, q := range short {
		if !stored[i] {
			q.err = model.OutOfStock(q.short)
			s.sellables.refused(q.err)
		}
	}
}
