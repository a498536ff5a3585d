package cache

import (
	"context"
	"testing"
	"time"

	"shanhai/model"
)

// fakeUsers is a user store that counts its reads; a context carrying
// txKey stands for one holding a transaction, whose after-commit functions
// run at commit.
type fakeUsers struct {
	rows    map[int64]model.User
	reads   int
	pending []func()
}

type txKey struct{}

func (f *fakeUsers) User(_ context.Context, id int64) (*model.User, error) {
	f.reads++
	u, ok := f.rows[id]
	if !ok {
		return nil, model.NotFound("user")
	}
	return &u, nil
}

func (f *fakeUsers) UpdateUser(_ context.Context, id int64, p model.UserPatch) error {
	u := f.rows[id]
	if p.Disabled != nil {
		u.Disabled = *p.Disabled
	}
	if p.BumpToken {
		u.TokenVersion++
	}
	f.rows[id] = u
	return nil
}

func (f *fakeUsers) AfterCommit(ctx context.Context, fn func()) {
	if ctx.Value(txKey{}) != nil {
		f.pending = append(f.pending, fn)
		return
	}
	fn()
}

func (f *fakeUsers) commit() {
	for _, fn := range f.pending {
		fn()
	}
	f.pending = nil
}

func TestUsersCache(t *testing.T) {
	ctx := context.Background()
	tx := context.WithValue(ctx, txKey{}, true)
	now := time.Now()
	inner := &fakeUsers{rows: map[int64]model.User{1: {ID: 1, TokenVersion: 1}}}
	c := NewUsersAt(inner, func() time.Time { return now })
	read := func(ctx context.Context) model.User {
		t.Helper()
		u, err := c.User(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		return *u
	}

	read(ctx)
	now = now.Add(UserTTL - time.Millisecond)
	read(ctx)
	if inner.reads != 1 {
		t.Errorf("reads within UserTTL: got %d store reads, want 1", inner.reads)
	}
	now = now.Add(time.Millisecond)
	read(ctx)
	if inner.reads != 2 {
		t.Errorf("read at UserTTL: got %d store reads, want 2", inner.reads)
	}
	read(tx)
	if inner.reads != 3 {
		t.Errorf("read inside a transaction: got %d store reads, want 3 (never cached)", inner.reads)
	}

	// a change inside a transaction: the old entry serves until the commit,
	// then the change is seen at once
	off := true
	if err := c.UpdateUser(tx, 1, model.UserPatch{Disabled: &off, BumpToken: true}); err != nil {
		t.Fatal(err)
	}
	if got := read(ctx); got.Disabled {
		t.Error("the change was seen before its commit")
	}
	inner.commit()
	if got := read(ctx); !got.Disabled || got.TokenVersion != 2 {
		t.Errorf("after the commit: got %+v, want disabled at version 2", got)
	}
}

// TestUsersRace: a user read before a change and stored after it is not
// cached, so the change is seen at once on the replica that made it.
func TestUsersRace(t *testing.T) {
	c := NewUsers(&fakeUsers{})
	_, gen := c.get(1) // a request reads the user ...
	c.drop(1)          // ... while a change commits and drops it
	c.put(&model.User{ID: 1, TokenVersion: 1}, gen)
	if u, _ := c.get(1); u != nil {
		t.Errorf("cached a user read before a change: %+v", u)
	}
	_, gen = c.get(1)
	c.put(&model.User{ID: 1, TokenVersion: 2}, gen)
	if u, _ := c.get(1); u == nil || u.TokenVersion != 2 {
		t.Errorf("a user read after the change: got %+v, want it cached", u)
	}
}

// TestUsersBounded: past maxUsers entries, expired ones are swept first.
func TestUsersBounded(t *testing.T) {
	now := time.Now()
	c := NewUsersAt(&fakeUsers{}, func() time.Time { return now })
	for id := int64(1); id < maxUsers; id++ {
		c.put(&model.User{ID: id}, 0)
	}
	now = now.Add(UserTTL)
	c.put(&model.User{ID: maxUsers}, 0)
	c.put(&model.User{ID: maxUsers + 1}, 0)
	if len(c.m) != 2 {
		t.Errorf("after the sweep: %d entries, want 2", len(c.m))
	}
}
