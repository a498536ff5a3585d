// Package idempotency runs an operation at most once per user and key, and
// replays its stored result to a retry. The result is opaque bytes (what the
// caller encoded, e.g. a response body); which status or route it belongs to
// is the caller's business, never stored here.
//
// The key is claimed by the first write of the operation's transaction and
// its result stored by the last, so the key commits with the operation's
// writes or not at all: an operation that fails stores nothing and its retry
// runs again. Keys are kept for TTL.
package idempotency

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"shanhai/model"
)

const (
	// TTL is how long a key and its result are kept.
	TTL = 24 * time.Hour
	// a running key older than this lost its operation (a crashed
	// replica): a retry may take it over.
	staleRunning = 2 * time.Minute
	// MaxKeyLen bounds a key, as its column does.
	MaxKeyLen  = 128
	purgeBatch = 1000
)

// Store keeps the keys (model/store implements it).
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	ClaimKey(ctx context.Context, k *model.IdempotencyKey) (bool, error)
	IdempotencyKey(ctx context.Context, userID int64, key string) (*model.IdempotencyKey, error)
	RetakeKey(ctx context.Context, old *model.IdempotencyKey, hash string) (bool, error)
	FinishKey(ctx context.Context, userID int64, key string, result []byte) error
	PurgeKeys(ctx context.Context, before time.Time, limit int) (int64, error)
}

// Service runs operations once per user and key.
type Service struct {
	store   Store
	now     func() time.Time
	running running
}

// New returns the idempotency service over st.
func New(st Store) *Service { return &Service{store: st, now: time.Now} }

// SetClock replaces the service's clock; tests use it to expire keys.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Check: a key is required, and at most MaxKeyLen bytes.
func Check(key string) error {
	if key == "" {
		return model.BadRequest("idempotency_key_required", "the Idempotency-Key header is required")
	}
	if len(key) > MaxKeyLen {
		return model.BadRequest("invalid_idempotency_key", "the Idempotency-Key must be at most 128 characters")
	}
	return nil
}

// Do runs run at most once per user and key, in a transaction that also
// claims the key, and returns its result; a retry with the same op and req
// gets the stored result byte for byte, with another op or req a 422
// idempotency_key_reused. op names the operation ("order.place"): the same
// key for another operation is a reuse.
//
// A retry while the first still runs gets a 409 idempotency_in_progress when
// both reach the same process. On different replicas the retry's claim waits
// on the key's row lock until the first transaction ends (a record lock on
// the primary key, held for that transaction only, no gap lock) and then
// replays its result, or runs if it rolled back; a wait past the database's
// lock-wait timeout is a 409.
func (s *Service) Do(ctx context.Context, userID int64, key, op string, req any,
	run func(ctx context.Context) ([]byte, error)) ([]byte, error) {
	hash, leave, err := s.Enter(userID, key, op, req)
	if err != nil {
		return nil, err
	}
	defer leave()

	var retake *model.IdempotencyKey // a stored key that is free again
	for attempt := 0; attempt < 3; attempt++ {
		var result []byte
		err := s.store.InTx(ctx, func(ctx context.Context) error {
			var claimed bool
			var err error
			if retake != nil {
				claimed, err = s.store.RetakeKey(ctx, retake, hash)
			} else {
				claimed, err = s.store.ClaimKey(ctx, &model.IdempotencyKey{UserID: userID, Key: key,
					Scope: op, RequestHash: hash})
			}
			if err != nil {
				return err
			}
			if !claimed {
				return errKeyTaken
			}
			if result, err = run(ctx); err != nil {
				return err
			}
			return s.store.FinishKey(ctx, userID, key, result)
		})
		if !errors.Is(err, errKeyTaken) {
			if err != nil {
				return nil, err
			}
			return result, nil
		}
		// The key is stored: answer from it, or take it over if it is free.
		cur, err := s.store.IdempotencyKey(ctx, userID, key)
		if errors.Is(err, model.ErrNotFound) {
			retake = nil // purged meanwhile: claim it afresh
			continue
		}
		if err != nil {
			return nil, err
		}
		age := s.now().Sub(cur.CreatedAt)
		switch {
		case age > TTL:
			// expired: the key is free again
		case cur.RequestHash != hash:
			return nil, keyReused()
		case cur.Status == model.IdemDone:
			return cur.Result, nil
		case age < staleRunning:
			// claimed in a transaction of its own (an earlier version of this
			// code, during a rolling deploy), and its operation still running
			return nil, inProgress()
		}
		retake = cur
	}
	return nil, inProgress()
}

// Enter marks the key as running in this process, as Do does, and returns
// the request's hash and the call that ends the mark: a caller that stores
// the key itself (Done, in the operation's transaction) runs between the
// two, and calls Do only after leave.
func (s *Service) Enter(userID int64, key, op string, req any) (hash string, leave func(), err error) {
	if err := Check(key); err != nil {
		return "", nil, err
	}
	raw, err := json.Marshal(req)
	if err != nil {
		return "", nil, err
	}
	sum := sha256.Sum256(append([]byte(op+"\n"), raw...))
	hash = hex.EncodeToString(sum[:])
	if err := s.running.enter(userID, key, hash); err != nil {
		return "", nil, err
	}
	return hash, func() { s.running.leave(userID, key) }, nil
}

// Done is the finished key of an operation run under Enter, with its
// result, for the store to insert in the operation's transaction: a key
// stored meanwhile makes that insert fail, and the operation is then run
// with Do, which answers from the stored key.
func (s *Service) Done(userID int64, key, op, hash string, result []byte) model.IdempotencyKey {
	return model.IdempotencyKey{UserID: userID, Key: key, Scope: op, RequestHash: hash, Status: model.IdemDone, Result: result}
}

// Purge deletes a batch of keys older than TTL; it returns how many.
func (s *Service) Purge(ctx context.Context) (int64, error) {
	return s.store.PurgeKeys(ctx, s.now().Add(-TTL), purgeBatch)
}

// errKeyTaken: the key is already stored; the transaction that found it
// rolls back and Do answers from the stored key.
var errKeyTaken = errors.New("idempotency key already stored")

func inProgress() error {
	return model.Conflict("idempotency_in_progress", "a request with this Idempotency-Key is still running")
}

func keyReused() error {
	return &model.Error{Kind: model.ErrInvalid, Code: "idempotency_key_reused",
		Message: "this Idempotency-Key was used with a different request"}
}

// running are the keys whose operation runs in this process, with their
// request hash: a concurrent retry arriving here is answered at once (409,
// or 422 for another request) instead of waiting on the key's row lock with
// a database connection.
type running struct {
	mu   sync.Mutex
	keys map[runningKey]string
}

type runningKey struct {
	userID int64
	key    string
}

func (r *running) enter(userID int64, key, hash string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := runningKey{userID, key}
	if h, ok := r.keys[k]; ok {
		if h != hash {
			return keyReused()
		}
		return inProgress()
	}
	if r.keys == nil {
		r.keys = map[runningKey]string{}
	}
	r.keys[k] = hash
	return nil
}

func (r *running) leave(userID int64, key string) {
	r.mu.Lock()
	delete(r.keys, runningKey{userID, key})
	r.mu.Unlock()
}
