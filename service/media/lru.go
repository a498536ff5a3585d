package media

import (
	"container/list"
	"sync"

	"shanhai/model"
)

// lru keeps the most recently served public blobs in memory, bounded in
// bytes: a hot product image is then served without a database read.
// Public blobs never change (the hash is the content); one is dropped when
// its last image is deleted, on this replica at once and on the others
// when it falls out of their cache.
type lru struct {
	mu       sync.Mutex
	max      int64 // bytes held at most
	maxEntry int64 // larger blobs are not kept
	size     int64
	order    *list.List // front = most recent; values are *model.Blob
	byHash   map[string]*list.Element
}

func newLRU(maxBytes int64) *lru {
	return &lru{max: maxBytes, maxEntry: maxBytes / 8, order: list.New(), byHash: map[string]*list.Element{}}
}

func (c *lru) get(hash string) *model.Blob {
	if c.max <= 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byHash[hash]
	if !ok {
		return nil
	}
	c.order.MoveToFront(e)
	return e.Value.(*model.Blob)
}

func (c *lru) put(b *model.Blob) {
	n := int64(len(b.Data))
	if c.max <= 0 || n > c.maxEntry {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.byHash[b.Hash]; ok {
		return
	}
	c.byHash[b.Hash] = c.order.PushFront(b)
	c.size += n
	for c.size > c.max {
		last := c.order.Back()
		old := last.Value.(*model.Blob)
		c.order.Remove(last)
		delete(c.byHash, old.Hash)
		c.size -= int64(len(old.Data))
	}
}

func (c *lru) drop(hash string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byHash[hash]; ok {
		c.order.Remove(e)
		delete(c.byHash, hash)
		c.size -= int64(len(e.Value.(*model.Blob).Data))
	}
}
