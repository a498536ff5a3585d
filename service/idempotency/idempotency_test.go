package idempotency

import (
	"context"
	"errors"
	"maps"
	"strconv"
	"sync"
	"testing"
	"time"

	"shanhai/model"
)

// memStore keeps keys in a map; a transaction that fails puts the map back
// as it was, like a rollback.
type memStore struct {
	mu   sync.Mutex
	keys map[string]model.IdempotencyKey
	now  func() time.Time
}

func newMem(now func() time.Time) *memStore {
	return &memStore{keys: map[string]model.IdempotencyKey{}, now: now}
}

func id(userID int64, key string) string { return strconv.FormatInt(userID, 10) + "|" + key }

func (m *memStore) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	m.mu.Lock()
	before := maps.Clone(m.keys)
	m.mu.Unlock()
	err := fn(ctx)
	if err != nil {
		m.mu.Lock()
		m.keys = before
		m.mu.Unlock()
	}
	return err
}

func (m *memStore) ClaimKey(_ context.Context, k *model.IdempotencyKey) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.keys[id(k.UserID, k.Key)]; ok {
		return false, nil
	}
	k.Status, k.CreatedAt = model.IdemRunning, m.now()
	m.keys[id(k.UserID, k.Key)] = *k
	return true, nil
}

func (m *memStore) IdempotencyKey(_ context.Context, userID int64, key string) (*model.IdempotencyKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k, ok := m.keys[id(userID, key)]
	if !ok {
		return nil, model.NotFound("idempotency key")
	}
	return &k, nil
}

func (m *memStore) RetakeKey(_ context.Context, old *model.IdempotencyKey, hash string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k, ok := m.keys[id(old.UserID, old.Key)]
	if !ok || !k.CreatedAt.Equal(old.CreatedAt) {
		return false, nil
	}
	k.Status, k.RequestHash, k.Result, k.CreatedAt = model.IdemRunning, hash, nil, m.now()
	m.keys[id(old.UserID, old.Key)] = k
	return true, nil
}

func (m *memStore) FinishKey(_ context.Context, userID int64, key string, result []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := m.keys[id(userID, key)]
	k.Status, k.Result = model.IdemDone, result
	m.keys[id(userID, key)] = k
	return nil
}

func (m *memStore) PurgeKeys(_ context.Context, before time.Time, limit int) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var n int64
	for k, v := range m.keys {
		if v.CreatedAt.Before(before) && n < int64(limit) {
			delete(m.keys, k)
			n++
		}
	}
	return n, nil
}

func code(err error) string {
	var me *model.Error
	if errors.As(err, &me) {
		return me.Code
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// TestDo: one run per user and key; a replay of the stored bytes; a reuse
// for another request or operation; a failure stores nothing; a key expires.
func TestDo(t *testing.T) {
	ctx := t.Context()
	now := time.Date(2027, 3, 1, 8, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	s := New(newMem(clock))
	s.SetClock(clock)
	runs := 0
	run := func(result string, err error) func(context.Context) ([]byte, error) {
		return func(context.Context) ([]byte, error) {
			runs++
			return []byte(result), err
		}
	}
	type req struct{ N int }

	steps := []struct {
		name     string
		user     int64
		key, op  string
		req      req
		result   string
		fail     error
		advance  time.Duration
		want     string
		wantCode string
		wantRuns int
	}{
		{"first run", 1, "k", "order.place", req{1}, "A", nil, 0, "A", "", 1},
		{"replay", 1, "k", "order.place", req{1}, "B", nil, 0, "A", "", 1},
		{"another body", 1, "k", "order.place", req{2}, "B", nil, 0, "", "idempotency_key_reused", 1},
		{"another operation", 1, "k", "order.pay", req{1}, "B", nil, 0, "", "idempotency_key_reused", 1},
		{"another user's key", 2, "k", "order.place", req{1}, "C", nil, 0, "C", "", 2},
		{"a case is another key", 1, "K", "order.place", req{1}, "D", nil, 0, "D", "", 3},
		{"a failure stores nothing", 1, "f", "order.place", req{1}, "", errors.New("boom"), 0, "", "boom", 4},
		{"so it runs again", 1, "f", "order.place", req{2}, "E", nil, 0, "E", "", 5},
		{"kept a day", 1, "k", "order.place", req{1}, "F", nil, TTL - time.Minute, "A", "", 5},
		{"then free again", 1, "k", "order.place", req{2}, "G", nil, 2 * time.Minute, "G", "", 6},
		{"no key", 1, "", "order.place", req{1}, "H", nil, 0, "", "idempotency_key_required", 6},
		{"a long key", 1, string(make([]byte, MaxKeyLen+1)), "order.place", req{1}, "H", nil, 0, "", "invalid_idempotency_key", 6},
	}
	for _, st := range steps {
		now = now.Add(st.advance)
		got, err := s.Do(ctx, st.user, st.key, st.op, st.req, run(st.result, st.fail))
		if string(got) != st.want || code(err) != st.wantCode || runs != st.wantRuns {
			t.Errorf("%s: got %q, %q after %d runs; want %q, %q after %d", st.name, got, code(err), runs,
				st.want, st.wantCode, st.wantRuns)
		}
	}
	if n, err := s.Purge(ctx); n == 0 || err != nil {
		t.Errorf("Purge a day later: %d, %v; want the old keys gone", n, err)
	}
}

// TestDoWhileRunning: a retry arriving while the first run is still going in
// this process is a 409 at once (a 422 for another body), not a second run.
func TestDoWhileRunning(t *testing.T) {
	ctx := t.Context()
	s := New(newMem(time.Now))
	started, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		_, err := s.Do(ctx, 1, "k", "order.place", 1, func(context.Context) ([]byte, error) {
			close(started)
			<-release
			return []byte("A"), nil
		})
		done <- err
	}()
	<-started
	never := func(context.Context) ([]byte, error) { t.Error("a second run"); return nil, nil }
	if _, err := s.Do(ctx, 1, "k", "order.place", 1, never); code(err) != "idempotency_in_progress" {
		t.Errorf("retry while running: %v, want idempotency_in_progress", err)
	}
	if _, err := s.Do(ctx, 1, "k", "order.place", 2, never); code(err) != "idempotency_key_reused" {
		t.Errorf("another body while running: %v, want idempotency_key_reused", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got, err := s.Do(ctx, 1, "k", "order.place", 1, never); string(got) != "A" || err != nil {
		t.Errorf("retry after: %q, %v; want the stored A", got, err)
	}
}

// TestDoStaleRunning: a key left running by a replica that died is taken
// over after a while, not before.
func TestDoStaleRunning(t *testing.T) {
	ctx := t.Context()
	now := time.Now()
	clock := func() time.Time { return now }
	m := newMem(clock)
	s := New(m)
	s.SetClock(clock)
	// a running key as a crashed replica left it (claimed outside the request's transaction)
	m.keys[id(1, "k")] = model.IdempotencyKey{UserID: 1, Key: "k", Scope: "order.place", Status: model.IdemRunning,
		RequestHash: requestHash(t, "order.place", 1), CreatedAt: now}
	ok := func(context.Context) ([]byte, error) { return []byte("A"), nil }
	if _, err := s.Do(ctx, 1, "k", "order.place", 1, ok); code(err) != "idempotency_in_progress" {
		t.Errorf("a fresh running key: %v, want idempotency_in_progress", err)
	}
	now = now.Add(staleRunning + time.Second)
	if got, err := s.Do(ctx, 1, "k", "order.place", 1, ok); string(got) != "A" || err != nil {
		t.Errorf("a stale running key: %q, %v; want taken over and run", got, err)
	}
}

// requestHash is the hash Do stores for op and req, read back from a run.
func requestHash(t *testing.T, op string, req any) string {
	m := newMem(time.Now)
	if _, err := New(m).Do(t.Context(), 1, "h", op, req, func(context.Context) ([]byte, error) { return nil, nil }); err != nil {
		t.Fatal(err)
	}
	return m.keys[id(1, "h")].RequestHash
}
