package account

import (
	"sync"
	"time"

	"shanhai/model"
)

// userTTL bounds how long an authenticated user is reused without reading
// the database. Several replicas run and each has its own users cache: a
// change made through another replica (a disabled user, a new role or
// password, all of which move the token version) reaches this one only when
// its entry expires, so keep this to a few seconds.
const userTTL = 2 * time.Second

// maxUsers bounds the cache; past it, expired entries are swept.
const maxUsers = 100_000

// users caches the user behind recent tokens, by id, to save one SELECT on
// nearly every request. An entry serves only tokens of its token version.
// A change made through this process drops the entry after its commit, and
// bumps gen, so a read that began before the drop (and may hold the old row)
// is not stored.
type users struct {
	mu  sync.Mutex
	gen uint64
	m   map[int64]cachedUser
	now func() time.Time // time.Now; tests move it
}

type cachedUser struct {
	u  model.User
	at time.Time
}

// get returns a copy of the cached user id at token version ver, or nil,
// and the generation to hand to put after reading the user from the store.
func (c *users) get(id, ver int64) (*model.User, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok || e.u.TokenVersion != ver || c.clock().Sub(e.at) >= userTTL {
		return nil, c.gen
	}
	u := e.u
	return &u, c.gen
}

// put caches a copy of u, read from the store after get returned gen.
func (c *users) put(u *model.User, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return // a change was made meanwhile: u may predate it
	}
	if c.m == nil {
		c.m = map[int64]cachedUser{}
	}
	if len(c.m) >= maxUsers {
		for id, e := range c.m {
			if c.clock().Sub(e.at) >= userTTL {
				delete(c.m, id)
			}
		}
		if len(c.m) >= maxUsers {
			clear(c.m)
		}
	}
	c.m[u.ID] = cachedUser{u: *u, at: c.clock()}
}

func (c *users) clock() time.Time {
	if c.now != nil {
		return c.now()
	}
	return time.Now()
}

// drop forgets user id; call it once a change to the user has committed.
func (c *users) drop(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.m, id)
}

// maxTokens bounds the verified tokens kept; past it, expired ones are swept.
const maxTokens = 100_000

// verified remembers tokens whose signature and claims checked out, by the
// whole token string, with their subject, version and expiry (plus the
// leeway the check allows). Only a byte-identical token matches, and one
// is never used outside its validity; whether it is still good (user disabled,
// version moved) is decided on every request from users.
type verified struct {
	mu sync.Mutex
	m  map[string]verifiedToken
}

type verifiedToken struct {
	id, version int64
	from, until time.Time // good from (issued or not-before) until expiry, leeway included
}

func (v *verified) get(token string, now time.Time) (verifiedToken, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	t, ok := v.m[token]
	if !ok || now.Before(t.from) || !now.Before(t.until) {
		return verifiedToken{}, false
	}
	return t, true
}

func (v *verified) put(token string, t verifiedToken, now time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil {
		v.m = map[string]verifiedToken{}
	}
	if len(v.m) >= maxTokens {
		for k, e := range v.m {
			if !now.Before(e.until) {
				delete(v.m, k)
			}
		}
		if len(v.m) >= maxTokens {
			clear(v.m)
		}
	}
	v.m[token] = t
}
