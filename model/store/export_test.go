package store

import "context"

// EnterCatalogRead takes a slot of the catalogue reads' gate, as a detail or
// list read does, for tests that hold it.
func (s *Store) EnterCatalogRead(ctx context.Context, search bool) (func(), error) {
	return s.enterCatalogRead(ctx, search)
}
