package cache

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// detailGet returns the value, or takes the lease and returns nil. The lease
// is overwritten by each miss: only the newest reader may store, and the
// writer's DEL of both keys voids every lease taken before it.
var detailGet = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v then return v end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return false`)

// detailSet stores the value only while the reader's lease still stands.
var detailSet = redis.NewScript(`
if redis.call('GET', KEYS[2]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  redis.call('DEL', KEYS[2])
  return 1
end
return 0`)

// genScript reads the generation hash, bumping the fields named in ARGV[3:]
// first. A missing hash (a new or restarted Redis) starts from the current
// time in milliseconds, so generations never go back to numbers whose keys
// may still exist.
var genScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'l', ARGV[2], 'd', ARGV[2])
end
for i = 3, #ARGV do redis.call('HINCRBY', KEYS[1], ARGV[i], 1) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return redis.call('HMGET', KEYS[1], 'l', 'd')`)

// runGen runs genScript, bumping "l" (lists) and/or "d" (every detail).
func (s *Store) runGen(ctx context.Context, fields ...string) (l, d int64, err error) {
	args := []any{genTTL.Milliseconds(), time.Now().UnixMilli()}
	for _, f := range fields {
		args = append(args, f)
	}
	rctx, cancel := context.WithTimeout(ctx, s.opt.Timeout)
	defer cancel()
	vals, err := genScript.Run(rctx, s.rdb, []string{s.genKey()}, args...).Slice()
	if err != nil {
		return 0, 0, err
	}
	if len(vals) != 2 {
		return 0, 0, fmt.Errorf("cache: generation: got %d values", len(vals))
	}
	var out [2]int64
	for i, v := range vals {
		str, ok := v.(string)
		if !ok {
			return 0, 0, fmt.Errorf("cache: generation: got %T", v)
		}
		if out[i], err = strconv.ParseInt(str, 10, 64); err != nil {
			return 0, 0, fmt.Errorf("cache: generation: %w", err)
		}
	}
	return out[0], out[1], nil
}

// setGen records a generation read from Redis. A plain read (own false) is
// dropped if a bump of ours landed since seq was taken: it may predate it.
// A change of either field voids the matching local entries.
func (s *Store) setGen(l, d int64, seq uint64, own bool) {
	s.genMu.Lock()
	defer s.genMu.Unlock()
	if own {
		s.genSeq.Add(1)
	} else if seq != s.genSeq.Load() {
		return
	}
	if l != s.listGen.Load() {
		s.listGen.Store(l)
		s.listVer.Add(1)
	}
	if d != s.detailGen.Load() {
		s.detailGen.Store(d)
		s.allVer.Add(1)
	}
}

// setGenAtLeast records a generation another replica published. Messages
// from different writers may arrive out of order, and generations only grow,
// so a field only moves forward. It also voids a plain read in flight, which
// may predate the message.
func (s *Store) setGenAtLeast(l, d int64) {
	s.genMu.Lock()
	defer s.genMu.Unlock()
	s.genSeq.Add(1)
	if l > s.listGen.Load() {
		s.listGen.Store(l)
		s.listVer.Add(1)
	}
	if d > s.detailGen.Load() {
		s.detailGen.Store(d)
		s.allVer.Add(1)
	}
}

// refreshGen re-reads the generation at most once per GenRefresh, lazily on
// a read: that is how writes on other replicas reach this one's lists.
func (s *Store) refreshGen(ctx context.Context) {
	if s.rdb == nil || s.down.Load() {
		return // redisOK's probe reads it on the way back up
	}
	every := int64(s.opt.GenRefresh)
	if s.now()-s.genAt.Load() < every || !s.genBusy.CompareAndSwap(false, true) {
		return
	}
	defer s.genBusy.Store(false)
	now := s.now()
	if now-s.genAt.Load() < every {
		return
	}
	seq := s.genSeq.Load()
	l, d, err := s.runGen(ctx)
	if err != nil {
		s.fail(ctx, err)
		return
	}
	s.genAt.Store(now)
	s.setGen(l, d, seq, false)
}

// redisOK reports whether to use Redis now. While it is marked down it is
// skipped until the back-off ends; then one caller probes it by replaying
// the invalidations that could not reach it, and only once they are all in
// does anyone read from Redis again.
func (s *Store) redisOK(ctx context.Context) bool {
	if s.rdb == nil {
		return false
	}
	if !s.down.Load() {
		return true
	}
	if s.now() < s.retryAt.Load() {
		return false
	}
	ok, _ := s.probe(ctx)
	return ok
}

// probe recovers Redis unless another caller is already at it.
func (s *Store) probe(ctx context.Context) (bool, error) {
	if !s.probing.CompareAndSwap(false, true) {
		return false, nil
	}
	defer s.probing.Store(false)
	if !s.down.Load() {
		return true, nil // another caller brought it back meanwhile
	}
	err := s.recover(ctx)
	return err == nil, err
}

var errBusy = errors.New("cache: invalidations arrive faster than they replay")

func (s *Store) recover(ctx context.Context) error {
	ctx = context.WithoutCancel(ctx)
	for round := 0; round < 8; round++ {
		s.mu.Lock()
		p := s.pending.take()
		if round > 0 && p.empty() {
			s.down.Store(false) // under mu: nothing can be added to pending unseen
			s.healthChanged()
			s.mu.Unlock()
			return nil
		}
		s.mu.Unlock()
		if err := s.replay(ctx, p); err != nil {
			s.errs.Add(1)
			s.mu.Lock()
			s.pending.merge(p)
			s.markDownLocked()
			s.mu.Unlock()
			return err
		}
	}
	s.mu.Lock()
	s.markDownLocked()
	s.mu.Unlock()
	return errBusy
}

// watch replays pending invalidations as soon as the back-off allows, so a
// stale value does not wait in Redis for this process's next read. It runs
// while Redis is down with invalidations pending, at most one per Store.
func (s *Store) watch() {
	for {
		wait := time.Duration(s.retryAt.Load() - s.now())
		time.Sleep(max(wait, 10*time.Millisecond))
		_, err := s.probe(context.Background())
		s.mu.Lock()
		if !s.down.Load() || s.pending.empty() || errors.Is(err, redis.ErrClosed) || s.isClosed() {
			s.watching = false
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
	}
}

// replay re-reads (and bumps, if such invalidations are pending) the
// generation, then deletes the pending details under it. It is also the probe.
func (s *Store) replay(ctx context.Context, p pendingSet) error {
	ids := make([]int64, 0, len(p.ids))
	for id := range p.ids {
		ids = append(ids, id)
	}
	return s.clearRedis(ctx, change{ids: ids, lists: p.lists, all: p.all}, true)
}

// clearRedis applies an invalidation to Redis. It runs the generation script
// first, bumping what the change needs, and deletes the details under the
// detail generation that script returns, not under this process's view,
// which may be up to GenRefresh old: a value stored under a newer generation
// was read after that generation existed, so after the commit.
// Any value stored under the generation deleted from was fetched under a
// lease the DEL voids. probe runs the script even when nothing else is due.
//
// Each part is published to the other replicas only once Redis holds it (a
// replica that acts on the message and reads Redis must find it cleared);
// a failed PUBLISH fails the whole change, which is then replayed.
func (s *Store) clearRedis(ctx context.Context, c change, probe bool) error {
	var fields []string
	if c.lists {
		fields = append(fields, "l")
	}
	if c.all {
		fields = append(fields, "d")
	}
	if len(fields) == 0 && len(c.ids) == 0 && !probe {
		return nil
	}
	seq := s.genSeq.Load()
	l, d, err := s.runGen(ctx, fields...)
	if err != nil {
		return err
	}
	s.genAt.Store(s.now())
	s.setGen(l, d, seq, len(fields) > 0)
	if c.all || len(c.ids) == 0 {
		// every detail key changed with the generation, or none is due
		if len(fields) == 0 {
			return nil
		}
		return s.publish(ctx, message{l: l, d: d, lists: c.lists, all: c.all})
	}
	for ids := c.ids; len(ids) > 0; {
		n := min(len(ids), delBatch)
		if err := s.delDetails(ctx, d, ids[:n]); err != nil {
			return err
		}
		if err := s.publish(ctx, message{l: l, d: d, lists: c.lists, ids: ids[:n]}); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// delDetails deletes the details and their leases, one DEL per product (a
// product's two keys share a slot; different products need not).
func (s *Store) delDetails(ctx context.Context, gen int64, ids []int64) error {
	rctx, cancel := context.WithTimeout(ctx, s.opt.Timeout)
	defer cancel()
	_, err := s.rdb.Pipelined(rctx, func(p redis.Pipeliner) error {
		for _, id := range ids {
			k := s.detailKeyAt(gen, id)
			p.Del(rctx, k, k+leaseSuffix)
		}
		return nil
	})
	return err
}

// fail records a failed Redis call and skips Redis for the back-off. A call
// cut short by its caller's own context says nothing about Redis.
func (s *Store) fail(ctx context.Context, _ error) {
	if ctx.Err() != nil {
		return
	}
	s.errs.Add(1)
	s.mu.Lock()
	s.markDownLocked()
	s.mu.Unlock()
}

func (s *Store) markDownLocked() {
	s.retryAt.Store(s.now() + int64(s.opt.Backoff))
	s.down.Store(true)
	s.healthChanged()
	s.watchLocked()
}

// pendLocked remembers an invalidation Redis has not seen.
func (s *Store) pendLocked(c change) {
	s.pending.add(c)
	s.watchLocked()
}

func (s *Store) watchLocked() {
	if !s.watching && !s.pending.empty() {
		s.watching = true
		go s.watch()
	}
}

// pendingSet is the invalidations that could not reach Redis.
type pendingSet struct {
	ids   map[int64]struct{}
	lists bool
	all   bool
}

func (p *pendingSet) add(c change) {
	p.lists = p.lists || c.lists
	if c.all {
		p.all, p.ids = true, nil
	}
	if p.all {
		return
	}
	for _, id := range c.ids {
		if len(p.ids) >= maxPending {
			p.all, p.ids = true, nil // too many to remember: invalidate every detail instead
			return
		}
		if p.ids == nil {
			p.ids = map[int64]struct{}{}
		}
		p.ids[id] = struct{}{}
	}
}

func (p *pendingSet) merge(o pendingSet) {
	ids := make([]int64, 0, len(o.ids))
	for id := range o.ids {
		ids = append(ids, id)
	}
	p.add(change{ids: ids, lists: o.lists, all: o.all})
}

func (p *pendingSet) take() pendingSet {
	out := *p
	*p = pendingSet{}
	return out
}

func (p pendingSet) empty() bool { return len(p.ids) == 0 && !p.lists && !p.all }
