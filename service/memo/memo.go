// Package memo remembers the answers of reads for the length of one batch
// (a chunk of an import, one transaction of many records): a batch's
// records mostly read the same orgs, regions and categories.
package memo

import (
	"errors"
	"sync"

	"shanhai/model"
)

// Map remembers read's answers by key: values and not-found errors; any
// other error is returned and not remembered.
type Map[K comparable, T any] struct {
	mu sync.Mutex
	m  map[K]answer[T]
}

type answer[T any] struct {
	v   T
	err error
}

// Get is k's remembered answer, or read's (remembered).
func (m *Map[K, T]) Get(k K, read func() (T, error)) (T, error) {
	m.mu.Lock()
	got, ok := m.m[k]
	m.mu.Unlock()
	if ok {
		return got.v, got.err
	}
	v, err := read()
	if err != nil && !errors.Is(err, model.ErrNotFound) {
		return v, err
	}
	m.mu.Lock()
	if m.m == nil {
		m.m = map[K]answer[T]{}
	}
	m.m[k] = answer[T]{v, err}
	m.mu.Unlock()
	return v, err
}
