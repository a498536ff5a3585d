package cache

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Invalidation across replicas. Every change that clearRedis applies is then
// PUBLISHed on one channel, "<prefix>c2:inval" (on a Redis Cluster PUBLISH
// reaches every node). Each Store subscribes to it from a goroutine New starts
// and Close stops, and applies what other Stores publish to its local tier:
// the new generations, and the stamps of the details or lists concerned.
//
// Pub/sub delivers at most once: a message sent while the subscriber is
// disconnected is gone. So the local tier's long lifetime holds only within a
// health epoch during which nothing can have been missed:
//
//   - the epoch is odd (healthy) while the subscription is confirmed on its
//     current connection, the generation was re-read after that confirmation,
//     something (a message or the answer to a PING sent every pingEvery) was
//     heard within silentLimit, Redis is not in back-off and Close was not
//     called; every change of any of these moves the epoch;
//   - an entry may live LocalLongTTL only while the epoch it was fetched in is
//     the current, healthy one; otherwise it lives LocalTTL from its fetch, as
//     if there were no pub/sub at all. So when the subscription drops, goes
//     silent, or Redis goes into back-off, every local entry older than
//     LocalTTL is dead at once, and new ones live LocalTTL until the epoch is
//     healthy again.
//
// A connection that dies without a word (no FIN) is noticed within
// silentLimit + pingEvery, well under a second: that bounds how long a lost
// message can leave an old value in the local tier. A Store applies its own
// changes synchronously and ignores its own messages.
const (
	pingEvery   = 200 * time.Millisecond
	silentLimit = 600 * time.Millisecond
	retryFirst  = 50 * time.Millisecond // wait before reconnecting after an error, doubling to retryMax
	retryMax    = time.Second
)

func (s *Store) channel() string { return s.pfx + "inval" }

// healthy reports whether epoch ep allows the long local lifetime.
func healthy(ep uint64) bool { return ep&1 == 1 }

// setSub records whether the subscription is healthy.
func (s *Store) setSub(ok bool) {
	s.healthMu.Lock()
	s.subOK = ok
	s.updateHealthLocked()
	s.healthMu.Unlock()
}

// healthChanged re-derives the epoch after Redis went down or came back.
func (s *Store) healthChanged() {
	s.healthMu.Lock()
	s.updateHealthLocked()
	s.healthMu.Unlock()
}

func (s *Store) updateHealthLocked() {
	want := s.subOK && !s.down.Load() && !s.closed
	if healthy(s.epoch.Load()) != want {
		s.epoch.Add(1)
	}
}

func (s *Store) isClosed() bool {
	select {
	case <-s.quit:
		return true
	default:
		return false
	}
}

// subscribe is the subscriber goroutine: it receives messages, pings the
// connection when it is quiet, and keeps subOK. go-redis reconnects and
// resubscribes by itself after an error; each (re)subscription is confirmed
// by a Subscription message, after which the generation is re-read before the
// epoch may turn healthy: a generation bump published while disconnected
// must not be missed.
func (s *Store) subscribe() {
	defer close(s.subDone)
	defer s.setSub(false)
	ctx := context.Background()
	ps := s.ps
	var (
		confirmed bool // subscribed on this connection and the generation read since
		needGen   bool // subscribed on this connection; the generation is still to read
		ok        bool // what setSub was last told
		heard     time.Time
		pinged    time.Time
		wait      = retryFirst
	)
	set := func(v bool) {
		if v != ok {
			ok = v
			s.setSub(v)
		}
	}
	broken := func() bool { // after an error: false when the goroutine must stop
		confirmed, needGen = false, false
		set(false)
		select {
		case <-s.quit:
			return false
		case <-time.After(wait):
		}
		wait = min(2*wait, retryMax)
		return true
	}
	if err := ps.Subscribe(ctx, s.channel()); err != nil {
		if s.isClosed() || errors.Is(err, redis.ErrClosed) || !broken() {
			return
		}
	}
	for {
		msg, err := ps.ReceiveTimeout(ctx, pingEvery)
		if s.isClosed() || errors.Is(err, redis.ErrClosed) {
			return
		}
		var ne net.Error
		switch {
		case err == nil:
			wait = retryFirst
			heard = time.Now()
			switch m := msg.(type) {
			case *redis.Subscription:
				// A new connection, or the first: what was published before
				// it is lost. End the epoch; a new one starts once the
				// generation is read again.
				confirmed, needGen = false, true
				set(false)
			case *redis.Message:
				s.apply(m.Payload)
			}
		case errors.As(err, &ne) && ne.Timeout(): // quiet: the ping below answers
		default:
			if !broken() {
				return
			}
			continue
		}
		if needGen {
			seq := s.genSeq.Load()
			if l, d, err := s.runGen(ctx); err == nil {
				s.genAt.Store(s.now())
				s.setGen(l, d, seq, false)
				confirmed, needGen = true, false
			}
		}
		now := time.Now()
		set(confirmed && now.Sub(heard) < silentLimit)
		if now.Sub(pinged) >= pingEvery {
			pinged = now
			if err := ps.Ping(ctx); err != nil {
				if s.isClosed() || errors.Is(err, redis.ErrClosed) || !broken() {
					return
				}
			}
		}
	}
}

// message is one published invalidation: the generations after it, and what
// it concerns.
type message struct {
	l, d       int64
	lists, all bool
	ids        []int64
}

// encode is "<sender> <l> <d> <flags> <id,id,...>"; flags are "l" (every
// list), "a" (every detail) or "-".
func (m message) encode(sender string) string {
	b := make([]byte, 0, 64+8*len(m.ids))
	b = append(b, sender...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, m.l, 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, m.d, 10)
	b = append(b, ' ')
	switch {
	case m.lists && m.all:
		b = append(b, "la"...)
	case m.lists:
		b = append(b, 'l')
	case m.all:
		b = append(b, 'a')
	default:
		b = append(b, '-')
	}
	b = append(b, ' ')
	for i, id := range m.ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(b)
}

func decodeMessage(payload string) (sender string, m message, err error) {
	f := strings.Split(payload, " ")
	if len(f) != 5 {
		return "", m, errors.New("cache: bad invalidation message")
	}
	if m.l, err = strconv.ParseInt(f[1], 10, 64); err != nil {
		return "", m, err
	}
	if m.d, err = strconv.ParseInt(f[2], 10, 64); err != nil {
		return "", m, err
	}
	m.lists, m.all = strings.Contains(f[3], "l"), strings.Contains(f[3], "a")
	if f[4] != "" {
		for _, v := range strings.Split(f[4], ",") {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return "", m, err
			}
			m.ids = append(m.ids, id)
		}
	}
	return f[0], m, nil
}

// publish tells the other replicas about a change Redis now holds.
func (s *Store) publish(ctx context.Context, m message) error {
	rctx, cancel := context.WithTimeout(ctx, s.opt.Timeout)
	defer cancel()
	return s.rdb.Publish(rctx, s.channel(), m.encode(s.id)).Err()
}

// apply acts on a message from another replica: the generations first, so a
// reader that sees the new stamps also reads under the new generation. A
// message it cannot read drops every local entry.
func (s *Store) apply(payload string) {
	sender, m, err := decodeMessage(payload)
	if err != nil {
		s.invalidateLocal(change{lists: true, all: true})
		return
	}
	if sender == s.id {
		return // applied synchronously when it was made
	}
	s.setGenAtLeast(m.l, m.d)
	s.invalidateLocal(change{ids: m.ids, lists: m.lists, all: m.all})
}
