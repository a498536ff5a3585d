package account

// The verified-token memo stays here rather than in model/cache: it saves a
// signature check, not a store read, and holds nothing the database could
// change (a token's claims never change). Its staleness is nil: an entry
// serves only the byte-identical token, only inside the token's own validity,
// and whether the user may still use it is decided on every request against
// the user read (model/cache.Users, at most 2 s old).

import (
	"sync"
	"time"
)

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
	session     int64
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
