package cache

// The user cache: an in-process decorator over the store's user read, for
// the one SELECT that authentication would make on nearly every request. It
// needs no Redis; each replica has its own.
//
// Staleness: a change made through this replica is seen at once (the entry
// is dropped after the commit). A change made through another replica is
// seen here when the entry expires: at most UserTTL (2 s) after it was read.
// What that bounds: the token version (which a new role, a new password or a
// disabled flag moves) is compared on every request against the user read
// here, so an old token keeps working on another replica for at most UserTTL.

import (
	"context"
	"sync"
	"time"

	"shanhai/model"
)

const (
	// UserTTL is how long a user read is reused: keep it to a few seconds,
	// it is how long another replica's change takes to show here.
	UserTTL = 2 * time.Second
	// maxUsers bounds the cache; past it, expired entries are swept, and if
	// that is not enough, all of them.
	maxUsers = 100_000
)

// UserStore is the user read and write the cache wraps; model/store.Store
// satisfies it.
type UserStore interface {
	User(ctx context.Context, id int64) (*model.User, error)
	UpdateUser(ctx context.Context, id int64, p model.UserPatch) error
	// AfterCommit runs f once the transaction in ctx commits, or at once
	// when ctx holds none.
	AfterCommit(ctx context.Context, f func())
}

// Users caches users by id for UserTTL. A read inside a transaction goes
// to the store and is not cached (it might roll back, and a transaction
// wants the row itself). UpdateUser drops the entry after the commit and
// bumps a generation, so a read that began before the drop (and may hold the
// old row) is not stored.
type Users struct {
	inner UserStore
	now   func() time.Time // time.Now, but for tests

	mu  sync.Mutex
	gen uint64
	m   map[int64]cachedUser
}

type cachedUser struct {
	u  model.User
	at time.Time
}

// NewUsers returns the user cache over inner.
func NewUsers(inner UserStore) *Users { return NewUsersAt(inner, time.Now) }

// NewUsersAt is NewUsers with the clock entries are aged by; tests move it.
func NewUsersAt(inner UserStore, now func() time.Time) *Users {
	return &Users{inner: inner, now: now, m: map[int64]cachedUser{}}
}

// User is user id: a copy read at most UserTTL ago, or the store's row.
func (c *Users) User(ctx context.Context, id int64) (*model.User, error) {
	if c.inTx(ctx) {
		return c.inner.User(ctx, id)
	}
	u, gen := c.get(id)
	if u != nil {
		return u, nil
	}
	u, err := c.inner.User(ctx, id)
	if err != nil {
		return nil, err
	}
	c.put(u, gen)
	return u, nil
}

// UpdateUser changes the user in the store, and drops it from the cache
// once the change commits.
func (c *Users) UpdateUser(ctx context.Context, id int64, p model.UserPatch) error {
	err := c.inner.UpdateUser(ctx, id, p)
	c.inner.AfterCommit(ctx, func() { c.drop(id) })
	return err
}

// inTx reports whether ctx holds a transaction: AfterCommit runs f at once
// when it does not.
func (c *Users) inTx(ctx context.Context) bool {
	direct := false
	c.inner.AfterCommit(ctx, func() { direct = true })
	return !direct
}

// get returns a copy of the cached user id, or nil, and the generation to
// hand to put after reading the user from the store.
func (c *Users) get(id int64) (*model.User, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok || c.now().Sub(e.at) >= UserTTL {
		return nil, c.gen
	}
	u := e.u
	return &u, c.gen
}

// put caches a copy of u, read from the store after get returned gen.
func (c *Users) put(u *model.User, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return // a change was made meanwhile: u may predate it
	}
	now := c.now()
	if len(c.m) >= maxUsers {
		for id, e := range c.m {
			if now.Sub(e.at) >= UserTTL {
				delete(c.m, id)
			}
		}
		if len(c.m) >= maxUsers {
			clear(c.m)
		}
	}
	c.m[u.ID] = cachedUser{u: *u, at: now}
}

// drop forgets user id; it runs once a change to the user has committed.
func (c *Users) drop(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.m, id)
}
